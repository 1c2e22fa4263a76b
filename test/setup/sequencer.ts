import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/*
 * Longest files first, so the two forks stay busy to the end instead of one of them starting a
 * 90 s browser file while the other has nothing left. Vitest does this by itself once its cache
 * (node_modules/.vite/vitest) holds the last run's durations; a clean checkout (CI) has none, and
 * Vitest then orders by file size, which put the Chromium files (short files, long runs) last.
 * Until the cache knows a file, the seconds below stand in for it: the slow files of a full run
 * on the 2-core CI machine, rounded (e2e-storefront: its 110 s less the ~50 s of sleeps it
 * lost). A file missing here only starts later than it could; it still runs. Files neither
 * cached nor listed keep Vitest's order, after the listed ones.
 */
const SECONDS = new Map<string, number>([
  ['test/onsite/widgets-quality.test.ts', 97],
  ['test/onsite/widgets-screens.test.ts', 83],
  ['test/onsite/e2e-storefront.test.ts', 60],
  ['src/demo/live.test.ts', 70],
  ['src/analytics/real-data.test.ts', 55],
  ['src/cli/cli-server.test.ts', 51],
  ['test/app/messages.test.ts', 45],
  ['test/app/settings.test.ts', 45],
  ['test/app/onsite.test.ts', 45],
  ['test/app/analytics.test.ts', 40],
  ['test/app/profiles.test.ts', 40],
  ['test/app/segments.test.ts', 40],
  ['test/app/journeys.test.ts', 35],
  ['test/app/experiments.test.ts', 35],
  ['test/app/home.test.ts', 30],
  ['test/app/model-drift.test.ts', 30],
  ['test/app/shell.test.ts', 30],
]);

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const known = (spec: TestSpecification) => this.ctx.cache.getFileTestResults(`${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`) !== undefined;
    // Every file has a cached duration: Vitest's own order (failed first, then longest) is the better one.
    if (sorted.every(known)) return sorted;
    const hint = (spec: TestSpecification) => SECONDS.get(relative(this.ctx.config.root, spec.moduleId).split('\\').join('/')) ?? -1;
    // A stable sort: equal hints (and the unlisted files) keep Vitest's order.
    return sorted
      .map((spec, index) => ({ spec, index, seconds: hint(spec) }))
      .sort((a, b) => b.seconds - a.seconds || a.index - b.index)
      .map(({ spec }) => spec);
  }
}
