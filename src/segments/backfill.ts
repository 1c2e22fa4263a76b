import { ping, type Database } from '../storage/database.js';
import { backfillingSegments, getSegment, recordBackfill } from './store/segments.js';
import type { SegmentEngine } from './engine.js';

export interface BackfillerOptions {
  database: Database;
  engine: SegmentEngine;
  /** Profiles per transaction: small enough that ingest never waits long on the write lock; default 500. */
  chunk?: number;
  logger?: { error(details: object, message: string): void };
}

/**
 * Runs segment backfills in the background, one chunk of profiles per transaction with a turn
 * of the event loop between chunks, so ingest and the API keep going. Progress is on the
 * segment row (`backfill_done / backfill_total`), which the API shows as a percent.
 * @example const backfiller = new SegmentBackfiller({ database, engine }); backfiller.start(); backfiller.wake();
 */
export class SegmentBackfiller {
  readonly #options: BackfillerOptions;
  #running = false;
  #woken = false;
  #loop: Promise<void> | undefined;
  #wakeSleeper: (() => void) | undefined;

  constructor(options: BackfillerOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wakeSleeper?.();
    await this.#loop;
  }

  /** A segment was created or edited. */
  wake(): void {
    this.#woken = true;
    this.#wakeSleeper?.();
  }

  readonly #failures = new Map<string, number>();

  /** Backfills every pending segment to the end (tests, CLI). Returns profiles processed. */
  async drain(): Promise<number> {
    let total = 0;
    const { database } = this.#options;
    for (const segment of await backfillingSegments(database.db)) {
      const key = `${segment.workspaceId}\u0000${segment.id}@${segment.version}`;
      try {
        for (;;) {
          const { processed } = await this.#options.engine.backfillStep(segment.workspaceId, segment.id, segment.version, this.#options.chunk ?? 500);
          if (processed === 0) break;
          total += processed;
          if (this.#running) await new Promise<void>((resolve) => setImmediate(resolve));
        }
        this.#failures.delete(key);
      } catch (error) {
        // A store that is down is retried forever; a segment that fails three times in a row
        // while the store answers is marked failed with the reason, for the API to show.
        if (!(await ping(database))) throw error;
        const failures = (this.#failures.get(key) ?? 0) + 1;
        this.#failures.set(key, failures);
        if (failures < 3) throw error;
        const record = await getSegment(database.db, segment.workspaceId, segment.id);
        const message = error instanceof Error ? error.message : String(error);
        await recordBackfill(database.db, segment.workspaceId, segment.id, segment.version, {
          cursor: record?.backfillCursor ?? '',
          done: record?.backfillDone ?? 0,
          status: 'failed',
          error: message,
        });
        this.#options.logger?.error({ err: error, segment: segment.id }, 'segment backfill failed three times; marked failed');
        this.#failures.delete(key);
      }
    }
    return total;
  }

  private async run(): Promise<void> {
    while (this.#running) {
      this.#woken = false;
      try {
        await this.drain();
      } catch (error) {
        this.#options.logger?.error({ err: error }, 'segment backfill failed; retrying');
      }
      if (!this.#running) break;
      if (this.#woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        timer.unref();
        this.#wakeSleeper = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wakeSleeper = undefined;
    }
  }
}
