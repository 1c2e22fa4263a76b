import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import { compactEventPayloads, reclaimFreePages } from '../log/store/event-log.js';

const MINUTE_MS = 60_000;

export interface CompactionTotals {
  compacted: number;
  bytesBefore: number;
  bytesAfter: number;
}

/**
 * Keeps the event log small: payloads of events the processor applied more than `afterMinutes`
 * ago are rewritten in compact form (storage/payload-codec.ts), off the ingest path, in
 * transactions of a few hundred rows with the event loop free in between. SQLite only.
 * @example const compaction = new EventCompaction({ database, clock, afterMinutes: 10 }); compaction.start(log);
 */
export class EventCompaction {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<CompactionTotals> | undefined;

  constructor(private readonly deps: { database: Database; clock: Clock; afterMinutes: number; intervalMs?: number }) {}

  /**
   * Compacts everything eligible now; returns what it rewrote. `reclaim` then gives the freed
   * pages back to the file system (VACUUM: blocks the store, for one-off moments such as a demo).
   */
  runOnce(options: { afterMinutes?: number; reclaim?: boolean } = {}): Promise<CompactionTotals> {
    this.running ??= this.sweep(options.afterMinutes ?? this.deps.afterMinutes, options.reclaim === true).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweep(afterMinutes: number, reclaim: boolean): Promise<CompactionTotals> {
    const totals: CompactionTotals = { compacted: 0, bytesBefore: 0, bytesAfter: 0 };
    const before = this.deps.clock.now() - afterMinutes * MINUTE_MS;
    for (;;) {
      const pass = await compactEventPayloads(this.deps.database, before);
      totals.compacted += pass.compacted;
      totals.bytesBefore += pass.bytesBefore;
      totals.bytesAfter += pass.bytesAfter;
      if (!pass.more) {
        if (reclaim) await reclaimFreePages(this.deps.database);
        return totals;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  start(onError: (error: unknown) => void): void {
    if (this.timer !== undefined || this.deps.afterMinutes <= 0 || this.deps.database.dialect !== 'sqlite') return;
    this.timer = setInterval(() => void this.runOnce().catch(onError), this.deps.intervalMs ?? MINUTE_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
