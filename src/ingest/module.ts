import type { Kernel } from '../app/kernel.js';
import type { Module } from '../app/module.js';
import { EventCompaction } from './compaction.js';
import { EventLogService } from './event-log-service.js';
import { IngestService } from './ingest-service.js';
import { EventRetention } from './retention.js';
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
 * @example const ingest = ingestModule(kernel);
 */
export function ingestModule(kernel: Kernel): IngestModule {
  const { config, database, clock } = kernel;
  const ingest = new IngestService({ database, partitions: config.partitions, clock });
  const retention = new EventRetention({ database, clock, days: config.eventRetentionDays });
  const compaction = new EventCompaction({ database, clock, afterMinutes: config.eventCompactAfterMinutes });
  const eventLog = new EventLogService({ database });
  return {
    name: 'ingest',
    dependencies: [],
    ingest,
    eventLog,
    compaction,
    routes: (scope) => eventRoutes(scope, eventLog),
    chores: [retention.chore(), compaction.chore()].filter((chore) => chore !== undefined),
    start({ modules }) {
      for (const follower of modules.flatMap((module) => module.followers ?? [])) ingest.onAppend((workspaceId) => follower.wake(workspaceId));
    },
    async stop() {
      await compaction.stop();
    },
  };
}
