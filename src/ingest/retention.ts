import type { Chore } from '../app/module.js';
import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import { deleteProcessedEventsBefore } from '../log/store/event-log.js';
import { listWorkspaces } from '../workspaces/index.js';

const DAY_MS = 86_400_000;

/** The retention sweep's job kind on the durable scheduler (one job per workspace). */
export const RETENTION_JOB = 'log.retention';

/**
 * Deletes raw events older than the retention period once the processor has applied them;
 * profiles and their aggregates stay. An hourly job per workspace on the durable scheduler.
 * @example const retention = new EventRetention({ database, clock, days: 365 }); retention.chore(); // the ingest module's `chores`
 */
export class EventRetention {
  constructor(private readonly deps: { database: Database; clock: Clock; days: number; intervalMs?: number }) {}

  /** One sweep over every workspace; returns the number of events deleted. */
  async runOnce(): Promise<number> {
    let deleted = 0;
    for (const workspace of await listWorkspaces(this.deps.database.db)) deleted += await this.sweep(workspace.id);
    return deleted;
  }

  /** One workspace's sweep; returns the number of events deleted. */
  async sweep(workspaceId: string): Promise<number> {
    const { database, clock, days } = this.deps;
    if (days <= 0) return 0;
    const before = clock.now() - days * DAY_MS;
    return database.transaction((trx) => deleteProcessedEventsBefore(trx, workspaceId, before));
  }

  /** The sweep as a chore: a durable, retried job per workspace (undefined when retention is off). */
  chore(): Chore | undefined {
    if (this.deps.days <= 0) return undefined;
    return {
      kind: RETENTION_JOB,
      everyMs: this.deps.intervalMs ?? 3_600_000,
      run: async (workspaceId) => {
        await this.sweep(workspaceId);
      },
    };
  }
}
