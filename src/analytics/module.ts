import path from 'node:path';
import { reportTo, type Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { ChannelsModule } from '../channels/index.js';
import type { ProfilesModule } from '../profiles/index.js';
import type { SegmentsModule } from '../segments/index.js';
import { privateDir, restrictFiles } from '../storage/private-files.js';
import { AnalyticsService } from './analytics-service.js';
import { ClickHouseEngine } from './clickhouse/clickhouse-engine.js';
import { connectClickHouse } from './clickhouse/connect.js';
import { DuckDbEngine } from './duckdb/duckdb-engine.js';
import type { AnalyticsEngine } from './engine.js';
import { replicaLease } from './store/replica-lease.js';
import { lazyEngine } from './lazy-engine.js';
import { analyticsPrivacyHandler } from './privacy.js';
import { ReportService } from './report/report-service.js';
import { analyticsRoutes } from './routes.js';

/** Funnels, cohorts, RFM, attribution, KPIs and maturity over the analytics replica of the log (DuckDB or ClickHouse), and the scheduled digests. */
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
 * The configured engine, opened on first use: DuckDB in `<dataDir>/analytics.duckdb` (the
 * default), or ClickHouse at `RAPPORT_CLICKHOUSE_URL`, shared by every process and fed by the
 * one holding the replica lease.
 */
function openEngine({ config, database, clock }: Kernel): AnalyticsEngine {
  const url = config.clickhouseUrl;
  if (config.analyticsEngine === 'clickhouse' && url !== undefined) {
    const lease = replicaLease(database.db, 'clickhouse', () => clock.now());
    return lazyEngine(async () => ClickHouseEngine.open(database, await connectClickHouse(url), { lease }), url.replace(/\/\/[^@/]*@/, '//'));
  }
  const file = path.join(config.dataDir, 'analytics.duckdb');
  return lazyEngine(async () => {
    privateDir(config.dataDir);
    const opened = await DuckDbEngine.open(database, { file });
    // DuckDB creates its files with the umask's mode; the 0700 directory already keeps them private.
    restrictFiles(file, `${file}.wal`);
    return opened;
  }, file);
}

/**
 * Builds the analytics module on the replica `<dataDir>/analytics.duckdb`, opened on
 * first use; the replica syncs and due digests are sent (through the channels module's staff
 * mailer) while events are processed.
 * @example const analytics = analyticsModule(kernel, { profiles, segments, channels });
 */
export function analyticsModule(kernel: Kernel, deps: { profiles: ProfilesModule; segments: SegmentsModule; channels: ChannelsModule }): AnalyticsModule {
  const { config, database, clock } = kernel;
  const engine = openEngine(kernel);
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
    routes: (scope) => analyticsRoutes(scope, { analytics, reports }),
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
