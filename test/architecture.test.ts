import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The dependency rules of ../shared/ARCHITECTURE.md, checked on the source text so a change
 * that breaks one fails the suite: the environment is read in one file, SQL lives only in
 * storage, and the pure modules import nothing that does I/O.
 */

const root = path.resolve(import.meta.dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const files = sourceFiles(root).map((file) => ({ file: path.relative(root, file).split(path.sep).join('/'), text: fs.readFileSync(file, 'utf8') }));

interface ImportLine {
  from: string;
  typeOnly: boolean;
}

function importsOf(text: string): ImportLine[] {
  const found: ImportLine[] = [];
  for (const match of text.matchAll(/^import\s+(type\s+)?([^;]*?)\s+from\s+'([^']+)';/gms)) {
    const names = match[2] ?? '';
    // `import { type A, type B } from` is type-only too.
    const allTypes = /^\{[^}]*\}$/s.test(names.trim()) && names.replace(/[{}\s]/g, '').split(',').filter(Boolean).every((name) => name.startsWith('type'));
    found.push({ from: match[3] ?? '', typeOnly: match[1] !== undefined || allTypes });
  }
  for (const match of text.matchAll(/await import\('([^']+)'\)/g)) found.push({ from: match[1] ?? '', typeOnly: false });
  return found;
}

/** Modules that are pure computation: plain data in, plain data out. */
const pureModules = [
  'channels/sms-segments.ts',
  'channels/outbound/address.ts',
  'channels/outbound/url.ts',
  'coupons/offer.ts',
  'privacy/consent.ts',
  'privacy/mentions.ts',
  'privacy/preferences-page.ts',
  'identity/rules.ts',
  'identity/resolve.ts',
  'identity/identifiers.ts',
  'identity/graph.ts',
  'profiles/state.ts',
  'profiles/apply-event.ts',
  'profiles/traits.ts',
  'profiles/traffic-source.ts',
  'profiles/view.ts',
  'ingest/message.ts',
  'ingest/normalize.ts',
  'demo/random.ts',
  'segments/condition.ts',
  'segments/values.ts',
  'segments/event-stats.ts',
  'segments/evaluate.ts',
  'journeys/local-time.ts',
  'journeys/definition.ts',
  'journeys/event-match.ts',
  'journeys/workspace-settings.ts',
  'journeys/recipes.ts',
  'segments/compile.ts',
  'recommendations/dataset.ts',
  'recommendations/select.ts',
  'recommendations/formats.ts',
  'recommendations/evaluation.ts',
  'recommendations/eval-strategies.ts',
  'recommendations/rules.ts',
  'recommendations/engine.ts',
  'recommendations/interactions.ts',
  'recommendations/models/neighbours.ts',
  'recommendations/models/popularity.ts',
  'recommendations/models/sequential-knn.ts',
  'recommendations/models/decayed-counter.ts',
  'recommendations/models/association-rules.ts',
  'experiments/stats/bandit.ts',
  'experiments/stats/bayesian.ts',
  'experiments/stats/corrections.ts',
  'experiments/stats/cuped.ts',
  'experiments/stats/distributions.ts',
  'experiments/stats/frequentist.ts',
  'experiments/stats/moments.ts',
  'experiments/stats/power.ts',
  'experiments/stats/proportions.ts',
  'experiments/stats/random.ts',
  'experiments/stats/sequential.ts',
  'experiments/stats/special.ts',
  'experiments/stats/srm.ts',
  'experiments/hash.ts',
  'experiments/assign.ts',
  'experiments/definition.ts',
  'experiments/analysis.ts',
  'predictive/bgbb.ts',
  'predictive/bgnbd.ts',
  'predictive/clv.ts',
  'predictive/fit.ts',
  'predictive/gamma-gamma.ts',
  'predictive/logistic.ts',
  'predictive/metrics.ts',
  'predictive/mbgnbd.ts',
  'predictive/next-order.ts',
  'predictive/optimize.ts',
  'predictive/pareto-nbd.ts',
  'predictive/pipeline.ts',
  'predictive/propensity.ts',
  'predictive/records.ts',
  'predictive/repurchase.ts',
  'predictive/sbg.ts',
  'predictive/score.ts',
  'predictive/simulate.ts',
  'predictive/special.ts',
  'predictive/stockout.ts',
  'predictive/summary.ts',
  'onsite/campaign.ts',
  'onsite/models/validate.ts',
  'onsite/models/pattern-safety.ts',
  'onsite/models/attribution.ts',
];
const ioPackages = /^(node:(fs|net|http|https|child_process|worker_threads|dgram)|fs|pg|kysely|better-sqlite3|fastify|@fastify\/.*|pino)$/;

describe('architecture rules', () => {
  it('reads process.env only in src/config', () => {
    const readers = files.filter(({ text }) => text.includes('process.env')).map(({ file }) => file);
    expect(readers).toEqual(['config/config.ts']);
  });

  it('keeps SQL and database drivers inside src/storage', () => {
    const offenders = files
      .filter(({ file }) => !file.startsWith('storage/'))
      .flatMap(({ file, text }) => importsOf(text).filter((line) => !line.typeOnly && /^(kysely|pg|better-sqlite3)$/.test(line.from)).map((line) => `${file} imports ${line.from}`));
    expect(offenders).toEqual([]);
  });

  it('lets pure modules import only pure code (types excepted)', () => {
    const offenders = files
      .filter(({ file }) => pureModules.includes(file))
      .flatMap(({ file, text }) =>
        importsOf(text)
          .filter((line) => !line.typeOnly && (ioPackages.test(line.from) || /\/(storage|http|cli|processor)\//.test(line.from)))
          .map((line) => `${file} imports ${line.from}`),
      );
    expect(offenders).toEqual([]);
    expect(files.filter(({ file }) => pureModules.includes(file))).toHaveLength(pureModules.length);
  });

  it('never writes to the console from domain code', () => {
    const offenders = files.filter(({ file, text }) => !file.startsWith('cli/') && /\bconsole\.(log|info|warn|error|debug)\(/.test(text)).map(({ file }) => file);
    expect(offenders).toEqual([]);
  });

  it('sends every outbound HTTP request through the one guarded path in src/channels/outbound', () => {
    // The CLI and the demo are operator tools calling the Rapport API they were pointed at, not URLs a workspace supplies.
    const operatorTools = ['cli/', 'demo/'];
    const offenders = files
      .filter(({ file }) => !file.startsWith('channels/outbound/') && !operatorTools.some((folder) => file.startsWith(folder)))
      .filter(({ text }) => /\bfetch\(|\bundici\b|\bhttps?\.(request|get)\(|from 'node:https?'|from 'https?'/.test(text))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });

  it('lets nothing below src/http import the HTTP layer backwards (domain modules know no routes)', () => {
    const offenders = files
      // A module in the target shape owns its routes (shared/ARCHITECTURE.md): `<module>/routes.ts`.
      .filter(({ file }) => !file.startsWith('http/') && file !== 'rapport.ts' && !/^[a-z-]+\/routes\.ts$/.test(file))
      .flatMap(({ file, text }) => importsOf(text).filter((line) => /\/http\//.test(line.from) || /^fastify$|^@fastify\//.test(line.from)).map((line) => `${file} imports ${line.from}`));
    expect(offenders).toEqual([]);
  });
});
