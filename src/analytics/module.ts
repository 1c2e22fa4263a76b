import path from 'node:path';
import { reportTo, type Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { ChannelsModule } from '../channels/index.js';
import type { ProfilesModule } from '../profiles/index.js';
import type { SegmentsModule } from '../segments/index.js';
import { privateDir, restrictFiles } from '../storage/private-files.js';
import { AnalyticsService } from './analytics-service.js';
import { DuckDbEngine } from './duckdb/duckdb-engine.js';
import { lazyEngine } from './lazy-engine.js';
import { analyticsPrivacyHandler } from './privacy.js';
import { ReportService } from './report/report-service.js';

/** Funnels, cohorts, RFM, attribution, KPIs and maturity over the DuckDB replica of the log, and the scheduled digests. */
export interface AnalyticsModule extends Module {
  analytics: AnalyticsService;
  reports: ReportService;
}

/** Every member of a segment, read page by page (funnel breakdowns by segment). */
function segmentMembers(segments: SegmentsModule): (workspaceId: string, segmentId: string) => Promise<string[]> {
  return async (workspaceId, segmentId) => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await segments.segments.members(workspaceId, segmentId, { cursor, limit: 1000 });
      ids.push(...page.members.map((member) => member.profileId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return ids;
  };
}

/**
 * Builds the analytics module on the DuckDB replica `<dataDir>/analytics.duckdb`, opened on
 * first use; the replica syncs and due digests are sent (through the channels module's staff
 * mailer) while events are processed.
 * @example const analytics = analyticsModule(kernel, { profiles, segments, channels });
 */
export function analyticsModule(kernel: Kernel, deps: { profiles: ProfilesModule; segments: SegmentsModule; channels: ChannelsModule }): AnalyticsModule {
  const { config, database, clock } = kernel;
  const file = path.join(config.dataDir, 'analytics.duckdb');
  const engine = lazyEngine(async () => {
    privateDir(config.dataDir);
    const opened = await DuckDbEngine.open(database, { file });
    // DuckDB creates its files with the umask's mode; the 0700 directory already keeps them private.
    restrictFiles(file, `${file}.wal`);
    return opened;
  }, file);
  const analytics = new AnalyticsService({
    database,
    engine,
    clock,
    scores: deps.profiles.scores,
    segmentMembers: segmentMembers(deps.segments),
    syncIntervalMs: config.analyticsSyncMs,
    onError: reportTo(kernel, 'analytics replica sync failed'),
  });
  const reports = new ReportService({ database, analytics, clock, mailer: deps.channels.messaging.staffMail, onError: reportTo(kernel, 'analytics report failed') });
  return {
    name: 'analytics',
    dependencies: dependsOn(deps),
    analytics,
    reports,
    chores: [reports.digestChore()].filter((chore) => chore !== undefined),
    // After the erasure commits: the replica loses the person's rows too.
    privacy: [analyticsPrivacyHandler(engine)],
    start({ processing }) {
      if (!processing) return;
      analytics.start();
    },
    async stop() {
      await reports.stop();
      await analytics.close();
    },
  };
}
