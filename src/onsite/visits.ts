import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import * as repo from './store/repository.js';

const FLUSH_MS = 1000;
const MAX_PENDING = 50_000;

/**
 * Visit days per visitor, for `VisitorFacts.visits.last30d`. The visitor endpoint only reads: its
 * new (visitor, day) rows wait here and are written together once a second, so a request never
 * queues behind the store's single writer (SQLite) for a row that only counts days.
 * @example const days = await visits.record('ws', 'a:anon-1'); await visits.flush();
 */
export class VisitDays {
  private readonly pending = new Map<string, { workspaceId: string; visitor: string; day: number }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: { database: Database; clock: Clock; onError?: (error: unknown) => void }) {}

  /** Counts `today` (a day number) as a visit of this visitor; the visitor endpoint reads the earlier days with its other rows. */
  mark(workspaceId: string, visitor: string, today: number): void {
    const key = `${workspaceId}\u0000${visitor}\u0000${today}`;
    if (this.pending.has(key)) return;
    if (this.pending.size >= MAX_PENDING) void this.flush().catch((error: unknown) => this.deps.onError?.(error));
    this.pending.set(key, { workspaceId, visitor, day: today });
    this.timer ??= setTimeout(() => void this.flush().catch((error: unknown) => this.deps.onError?.(error)), FLUSH_MS).unref();
  }

  /** Drops pending days of these visitors (an erasure), so no row comes back after it. */
  forget(workspaceId: string, visitors: readonly string[]): void {
    const gone = new Set(visitors);
    for (const [key, row] of this.pending) if (row.workspaceId === workspaceId && gone.has(row.visitor)) this.pending.delete(key);
  }

  /** Writes what is pending (also at stop). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      const rows = [...this.pending.values()];
      this.pending.clear();
      if (rows.length > 0) await this.deps.database.transaction((trx) => repo.insertVisitDays(trx, rows));
    });
    return this.flushing;
  }
}
