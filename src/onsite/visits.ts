import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import * as repo from './store/repository.js';

const FLUSH_MS = 1000;
const MAX_PENDING = 50_000;
/** Most (visitor, day) keys remembered as written today; past it they are forgotten and may be written again (a no-op insert). */
const MAX_WRITTEN = 200_000;

/**
 * Visit days per visitor, for `VisitorFacts.visits.last30d`. The visitor endpoint only reads: its
 * new (visitor, day) rows wait here and are written together once a second, so a request never
 * queues behind the store's single writer (SQLite) for a row that only counts days. A (visitor,
 * day) this process wrote is remembered for the day, so a returning visitor adds no row to the
 * next flush: without it every flush rewrote the day of every visitor of the last second (at 2,000
 * visitor requests/s, a 2,000-row write transaction a second holding the connection that the
 * endpoint's reads queue on).
 * @example const days = await visits.record('ws', 'a:anon-1'); await visits.flush();
 */
export class VisitDays {
  private readonly pending = new Map<string, { workspaceId: string; visitor: string; day: number }>();
  /** Keys of `writtenDay` already flushed. */
  private readonly written = new Set<string>();
  private writtenDay = Number.NaN;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: { database: Database; clock: Clock; onError?: (error: unknown) => void }) {}

  /** Counts `today` (a day number) as a visit of this visitor; the visitor endpoint reads the earlier days with its other rows. */
  mark(workspaceId: string, visitor: string, today: number): void {
    const key = keyOf(workspaceId, visitor, today);
    if (this.pending.has(key) || (today === this.writtenDay && this.written.has(key))) return;
    if (this.pending.size >= MAX_PENDING) void this.flush().catch((error: unknown) => this.deps.onError?.(error));
    this.pending.set(key, { workspaceId, visitor, day: today });
    this.timer ??= setTimeout(() => void this.flush().catch((error: unknown) => this.deps.onError?.(error)), FLUSH_MS).unref();
  }

  /** Drops pending days of these visitors (an erasure), so no row comes back after it. */
  forget(workspaceId: string, visitors: readonly string[]): void {
    const gone = new Set(visitors);
    for (const [key, row] of this.pending) if (row.workspaceId === workspaceId && gone.has(row.visitor)) this.pending.delete(key);
    // Their rows are erased: a visit after the erasure counts again.
    for (const visitor of visitors) this.written.delete(keyOf(workspaceId, visitor, this.writtenDay));
  }

  /** Writes what is pending (also at stop). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      const rows = [...this.pending.values()];
      this.pending.clear();
      if (rows.length > 0) await this.deps.database.transaction((trx) => repo.insertVisitDays(trx, rows));
      this.remember(rows);
    });
    return this.flushing;
  }

  private remember(rows: readonly { workspaceId: string; visitor: string; day: number }[]): void {
    for (const row of rows) {
      if (row.day < this.writtenDay) continue;
      if (Number.isNaN(this.writtenDay) || row.day > this.writtenDay || this.written.size >= MAX_WRITTEN) {
        this.written.clear();
        this.writtenDay = row.day;
      }
      this.written.add(keyOf(row.workspaceId, row.visitor, row.day));
    }
  }
}

// NUL cannot occur in a workspace id, so no two (workspace, visitor, day) share a key.
const keyOf = (workspaceId: string, visitor: string, day: number): string => `${workspaceId}\u0000${visitor}\u0000${day}`;
