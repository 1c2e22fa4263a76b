import type { Chore } from '../app/module.js';
import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import { compactEventPayloads, reclaimFreePages } from '../log/store/event-log.js';

const MINUTE_MS = 60_000;

/** The compaction chore's job kind on the durable scheduler (one job per workspace). */
export const COMPACTION_JOB = 'log.compaction';

export interface CompactionTotals {
  compacted: number;
  bytesBefore: number;
  bytesAfter: number;
}

/**
 * Keeps the event log small: payloads of events the processor applied more than `afterMinutes`
 * ago are rewritten in compact form (storage/payload-codec.ts), off the ingest path, in
 * transactions of a few hundred rows with the event loop free in between. SQLite only. A
 * job per workspace every minute on the durable scheduler (its chore).
 * @example const compaction = new EventCompaction({ database, clock, afterMinutes: 10 }); compaction.chore(); // the ingest module's `chores`
 */
export class EventCompaction {
  private running: Promise<CompactionTotals> | undefined;

  constructor(private readonly deps: { database: Database; clock: Clock; afterMinutes: number; intervalMs?: number }) {}

  /**
   * Compacts everything eligible now; returns what it rewrote. `reclaim` then gives the freed
   * pages back to the file system (VACUUM: blocks the store, for one-off moments such as a demo).
   */
  runOnce(options: { afterMinutes?: number; reclaim?: boolean } = {}): Promise<CompactionTotals> {
    this.running ??= this.sweep(options.afterMinutes ?? this.deps.afterMinutes, options.reclaim === true, undefined).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Compacts one workspace's eligible payloads (its chore's run); returns what it rewrote. */
  async compactWorkspace(workspaceId: string): Promise<CompactionTotals> {
    // One writer at a time: a sweep over every workspace in flight covers this one too.
    await this.running?.catch(() => undefined);
    return this.sweep(this.deps.afterMinutes, false, workspaceId);
  }

  /** The compaction as a chore (undefined when it is off or the store is PostgreSQL). */
  chore(): Chore | undefined {
    if (this.deps.afterMinutes <= 0 || this.deps.database.dialect !== 'sqlite') return undefined;
    return {
      kind: COMPACTION_JOB,
      everyMs: this.deps.intervalMs ?? MINUTE_MS,
      run: async (workspaceId) => {
        await this.compactWorkspace(workspaceId);
      },
    };
  }

  private async sweep(afterMinutes: number, reclaim: boolean, workspaceId: string | undefined): Promise<CompactionTotals> {
    const totals: CompactionTotals = { compacted: 0, bytesBefore: 0, bytesAfter: 0 };
    const before = this.deps.clock.now() - afterMinutes * MINUTE_MS;
    for (;;) {
      const pass = await compactEventPayloads(this.deps.database, before, 500, workspaceId);
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

  /** Waits for a sweep in flight (the module's stop). */
  async stop(): Promise<void> {
    await this.running?.catch(() => undefined);
  }
}
