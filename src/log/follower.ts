import { systemClock, type Clock } from '../shared/clock.js';
import { ping, type Database, type Tx } from '../storage/database.js';
import { FollowerLoop, type PassResult } from './follower-loop.js';
import { isRetryable } from './retry.js';
import { reasonOf, setAsideRow, type PoisonEvent, type SetAsidePolicy } from './set-aside.js';
import { recordSetAside } from './store/set-aside.js';
import { countEventsBetween } from './store/event-log.js';
import { leasesOf } from './leases.js';

export interface PartitionRef {
  workspaceId: string;
  partition: number;
}

/** Where a follower stands in one partition. */
export interface FollowerPosition extends PartitionRef {
  /** The follower's cursor: last sequence number it has read past (0: none). */
  cursor: number;
  /** How far it may read: the log's head, or the cursor of the follower it trails (the processor's). */
  head: number;
}

/** What one batch did. */
export interface StepResult {
  /** Log positions the cursor moved past (0: caught up). */
  moved: number;
  /** The batch was full: more is waiting. */
  full: boolean;
  /** Lingering would gather more of what this batch read (the processor: events of people, not system events). */
  linger: boolean;
}

/** The part of a follower that knows its own events, state and cursor. */
export interface FollowerHandler {
  /** Every partition this follower reads, with its cursor and how far it may read. */
  positions(): Promise<FollowerPosition[]>;
  /**
   * Reads at most `limit` events after the cursor and commits what they change together with
   * the cursor advance, in one transaction. `position.cursor` is as of the pass's start: read the
   * stored cursor again, and throw `CursorMoved` when it moved under the batch (it is retried).
   */
  step(position: FollowerPosition, limit: number): Promise<StepResult>;
  /** Inside `trx`: moves the cursor past the next event `step` would apply and returns it (undefined: none). */
  skipNext(trx: Tx, position: FollowerPosition, now: number): Promise<PoisonEvent | undefined>;
  /** Unread events per position, for a follower whose positions are not the log's (default: counted in the log). */
  unread?(positions: FollowerPosition[]): Promise<(FollowerPosition & { unread: number })[]>;
  /** After every pass (journeys moves cursors past ranges it skipped in memory). */
  afterPass?(): Promise<void>;
}

export interface FollowerLogger {
  /** Batches retried after a conflict with a concurrent one (expected under load). */
  warn?(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface LogFollowerOptions {
  /** Names the partition locks (`<name>:<workspace>:<partition>`) and the lag metric. */
  name: string;
  database: Database;
  handler: FollowerHandler;
  /** How events this follower cannot apply are recorded. */
  setAside: SetAsidePolicy;
  clock?: Clock;
  /** Events per partition per transaction; default 1000. */
  batchSize?: number;
  /** Partitions read at once; default 1. Each holds a pooled connection for its lock (PostgreSQL). */
  concurrency?: number;
  /** Longest sleep while caught up; default 1000 ms. */
  pollIntervalMs?: number;
  /** Pause after progress so the next batch carries more; default 0. */
  lingerMs?: number;
  /** Shortest time between two passes' starts; default 0. */
  minPassIntervalMs?: number;
  logger?: FollowerLogger;
}

/** How far one follower is behind what it may read. */
export interface FollowerLag {
  name: string;
  lagEvents: number;
  /** Each partition with its events not yet read. */
  partitions: (FollowerPosition & { unread: number })[];
}

const maxAttempts = 5;

/**
 * Each position with the events between its cursor and head. SQLite numbers each partition's
 * events one by one, so the difference is the count; PostgreSQL numbers the whole log from one
 * sequence, so the events in between are counted.
 */
export async function withUnread<P extends PartitionRef & { cursor: number; head: number }>(database: Database, positions: readonly P[]): Promise<(P & { unread: number })[]> {
  return Promise.all(
    positions.map(async (position) => {
      const { workspaceId, partition, cursor, head } = position;
      const gap = Math.max(0, head - cursor);
      const unread = database.dialect === 'sqlite' || gap === 0 ? gap : await countEventsBetween(database.db, workspaceId, partition, cursor, head);
      return { ...position, unread };
    }),
  );
}

/**
 * The one follower of the event log. Per partition, under a lock so that one worker at a time
 * reads it (PostgreSQL advisory lock; SQLite: the one process owns it), it hands batches to the
 * handler, which commits them with its cursor. A batch that conflicts with another transaction
 * is retried; one that fails for another reason is walked one event at a time and the event that
 * fails on its own is set aside with the reason, so it stalls neither its partition nor the others.
 *
 * @example
 * const follower = new LogFollower({ name: 'journeys', database, handler, setAside: policy });
 * follower.start();
 * ingest.onAppend(() => follower.wake());
 */
export class LogFollower {
  readonly name: string;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly clock: Clock;
  private readonly loop: FollowerLoop;
  private stopping = false;
  private readonly running = new Set<string>();

  constructor(private readonly options: LogFollowerOptions) {
    this.name = options.name;
    this.batchSize = options.batchSize ?? 1000;
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.clock = options.clock ?? systemClock;
    this.loop = new FollowerLoop(() => this.runOnce(), {
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      lingerMs: options.lingerMs ?? 0,
      minPassIntervalMs: options.minPassIntervalMs ?? 0,
      onError: (error) => options.logger?.error({ err: error, follower: this.name }, `${this.name} pass failed; retrying after the poll interval`),
    });
  }

  start(): void {
    this.stopping = false;
    this.loop.start();
  }

  /** Stops after the batch in flight has committed. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop.stop();
    this.stopping = false;
  }

  wake(): void {
    this.loop.wake();
  }

  /** One pass: one batch in every partition with something to read. */
  async runOnce(): Promise<PassResult> {
    // PostgreSQL workers with leases read only their own partitions; otherwise each partition is
    // tried under its named lock.
    const leases = leasesOf(this.options.database);
    const pending = (await this.options.handler.positions()).filter((position) => position.cursor < position.head && (leases === undefined || leases.owns(position.partition)));
    const total: PassResult = { moved: 0, full: false, linger: false };
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let position = pending[next++]; position !== undefined && !this.stopping; position = pending[next++]) {
        const name = `${this.name}:${position.workspaceId}:${position.partition}`;
        const step = leases === undefined ? await this.options.database.tryWithLock(name, () => this.stepOrIsolate(position)) : await this.runOwned(name, position);
        if (step === undefined) continue;
        total.moved += step.moved;
        total.full ||= step.full;
        total.linger ||= step.linger;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, pending.length) }, worker));
    await this.options.handler.afterPass?.();
    return total;
  }

  /** Reads until every partition's cursor has reached the head it had when checked; returns log positions moved. */
  async drain(): Promise<number> {
    let moved = 0;
    for (;;) {
      const pass = await this.runOnce();
      moved += pass.moved;
      if (pass.moved > 0) continue;
      if ((await this.lag()).lagEvents === 0) return moved;
      // Another worker holds a partition; give it time to commit.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /**
   * Whether this process may read `partition` now: with leases (PostgreSQL workers), whether it
   * holds the lease; otherwise true (the partition's named lock is taken around each batch).
   */
  mayRead(partition: number): boolean {
    return leasesOf(this.options.database)?.owns(partition) ?? true;
  }

  /**
   * Inside a batch's transaction: false when a lease that moved (expired while this process
   * hung, or released to a worker that joined) fences the batch out; the row stays locked for
   * share until commit, so the lease does not move under a batch that is writing. True without leases.
   */
  async fence(trx: Tx, partition: number): Promise<boolean> {
    const leases = leasesOf(this.options.database);
    return leases === undefined || leases.holds(trx, partition);
  }

  /** Events not yet read, over every partition. */
  async lag(): Promise<FollowerLag> {
    const positions = await this.options.handler.positions();
    const partitions = this.options.handler.unread === undefined ? await withUnread(this.options.database, positions) : await this.options.handler.unread(positions);
    return { name: this.name, lagEvents: partitions.reduce((sum, position) => sum + position.unread, 0), partitions };
  }

  /** A leased partition: no store lock, only one batch of it at a time in this process (a pass and a drain may overlap). */
  private async runOwned(name: string, position: FollowerPosition): Promise<StepResult | undefined> {
    if (this.running.has(name)) return undefined;
    this.running.add(name);
    try {
      return await this.stepOrIsolate(position);
    } finally {
      this.running.delete(name);
    }
  }

  private async stepOrIsolate(position: FollowerPosition): Promise<StepResult> {
    try {
      return await this.stepWithRetries(position, this.batchSize);
    } catch (error) {
      if (isRetryable(error)) throw error;
      return this.isolateFailure(position, error);
    }
  }

  private async stepWithRetries(position: FollowerPosition, limit: number): Promise<StepResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.options.handler.step(position, limit);
      } catch (error) {
        if (!isRetryable(error) || attempt >= maxAttempts) throw error;
        // Expected when partitions touch the same person at once: a short line, not a stack.
        this.options.logger?.warn?.(
          { workspaceId: position.workspaceId, partition: position.partition, attempt, reason: reasonOf(error) },
          `${this.name} batch conflicted with a concurrent one; retrying`,
        );
      }
    }
  }

  /**
   * A batch failed for a reason a retry does not fix. If the store itself is failing, give up
   * until the next pass. Otherwise walk the batch one event at a time and set aside the event
   * that fails on its own (kept in the log, listed with the rejected events).
   */
  private async isolateFailure(position: FollowerPosition, error: unknown): Promise<StepResult> {
    const { database } = this.options;
    if (!(await ping(database))) throw error;
    const result: StepResult = { moved: 0, full: false, linger: false };
    while (result.moved < this.batchSize) {
      let step: StepResult;
      try {
        step = await this.stepWithRetries(position, 1);
      } catch (single) {
        if (isRetryable(single) || !(await ping(database))) throw single;
        await this.setAside(position, single);
        result.moved += 1;
        return result;
      }
      if (step.moved === 0) break;
      result.moved += step.moved;
      result.linger ||= step.linger;
    }
    return result;
  }

  private async setAside(position: FollowerPosition, error: unknown): Promise<void> {
    const { database, handler, setAside } = this.options;
    const event = await database.transaction(async (trx) => {
      const poison = await handler.skipNext(trx, position, this.clock.now());
      if (poison !== undefined) await recordSetAside(trx, position.workspaceId, [setAsideRow(setAside, poison, error)]);
      return poison;
    });
    const { workspaceId, partition } = position;
    this.options.logger?.error({ workspaceId, partition, seq: event?.seq, reason: reasonOf(error) }, `event set aside: ${this.name} could not apply it`);
  }
}
