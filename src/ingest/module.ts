import type { Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { WorkspacesModule } from '../workspaces/index.js';
import { EventCompaction } from './compaction.js';
import { EventLogService } from './event-log-service.js';
import { IngestService } from './ingest-service.js';
import { EventRetention } from './retention.js';
import { ingestRoutes } from './public-routes.js';
import { eventRoutes } from './routes.js';

/** The Segment-compatible ingest, the event log and its upkeep (retention, payload compaction). */
export interface IngestModule extends Module {
  ingest: IngestService;
  eventLog: EventLogService;
  /** Rewrites processed event payloads in compact form (SQLite), every minute; `runOnce` on demand. */
  compaction: EventCompaction;
}

/**
 * Builds the ingest module. At start it subscribes every module's log followers to appends,
 * and its chores (retention sweep, payload compaction) run while events are processed.
 * @example const ingest = ingestModule(kernel, { workspaces });
 */
export function ingestModule(kernel: Kernel, deps: { workspaces: WorkspacesModule }): IngestModule {
  const { config, database, clock } = kernel;
  const ingest = new IngestService({ database, partitions: config.partitions, clock });
  const retention = new EventRetention({ database, clock, days: config.eventRetentionDays });
  const compaction = new EventCompaction({ database, clock, afterMinutes: config.eventCompactAfterMinutes });
  const eventLog = new EventLogService({ database });
  return {
    name: 'ingest',
    dependencies: dependsOn(deps),
    ingest,
    eventLog,
    compaction,
    routes: (scope) => eventRoutes(scope, eventLog),
    publicRoutes: (scope) => ingestRoutes(scope, { ingest, workspaces: deps.workspaces.service, clock, rateLimits: config.rateLimits, ingestAdmission: config.ingestAdmission }),
    chores: [retention.chore(), compaction.chore()].filter((chore) => chore !== undefined),
    start({ modules }) {
      for (const follower of modules.flatMap((module) => module.followers ?? [])) ingest.onAppend((workspaceId) => follower.wake(workspaceId));
    },
    async stop() {
      await compaction.stop();
    },
  };
}
