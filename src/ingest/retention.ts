import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import { deleteProcessedEventsBefore } from '../log/store/event-log.js';
import { listWorkspaces } from '../workspaces/index.js';

const DAY_MS = 86_400_000;

/**
 * Deletes raw events older than the retention period once the processor has applied them;
 * profiles and their aggregates stay. Runs hourly on the node that processes events.
 * @example const retention = new EventRetention({ database, clock, days: 365 }); retention.start();
 */
export class EventRetention {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: { database: Database; clock: Clock; days: number; intervalMs?: number }) {}

  /** One sweep over every workspace; returns the number of events deleted. */
  async runOnce(): Promise<number> {
    const { database, clock, days } = this.deps;
    if (days <= 0) return 0;
    const before = clock.now() - days * DAY_MS;
    let deleted = 0;
    for (const workspace of await listWorkspaces(database.db)) {
      deleted += await database.transaction((trx) => deleteProcessedEventsBefore(trx, workspace.id, before));
    }
    return deleted;
  }

  start(onError: (error: unknown) => void): void {
    if (this.timer !== undefined || this.deps.days <= 0) return;
    this.timer = setInterval(() => void this.runOnce().catch(onError), this.deps.intervalMs ?? 3_600_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
