import os from 'node:os';
import type { Database, Tx } from '../storage/database.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { randomId } from '../shared/ids.js';
import { heldPartitions, holdsLease, leaseRound, releaseLeases } from './store/leases.js';

export interface PartitionLeasesOptions {
  database: Database;
  /** The log's partitions (numbered 0 to partitions - 1). */
  partitions: number;
  /** This process's name in the lease table; default host, pid and a random suffix. */
  owner?: string;
  /** How long a lease lasts unrenewed, and a silent worker counts as alive; default 10 s. */
  ttlMs?: number;
  /** How often leases are renewed and shares recounted; default 2 s. */
  renewMs?: number;
  /**
   * `manage` (default) renews, claims and releases; `follow` only reads which partitions the
   * owner holds (the processor thread, whose host process manages the leases).
   */
  role?: 'manage' | 'follow';
  /** When rounds succeed and fail, for `health` (the leases themselves go by the database's clock). */
  clock?: Clock;
  onError?(error: unknown): void;
}

/** What `health` answers (the shape of a module's health check). */
export type LeaseHealth = { ok: true } | { ok: false; reason: string };

const registry = new WeakMap<Database, PartitionLeases>();

/** The leases followers of `database` go by, when a worker registered them (PostgreSQL workers). */
export function leasesOf(database: Database): PartitionLeases | undefined {
  return registry.get(database);
}

/**
 * Partition ownership by lease (PostgreSQL). Each partition has at most one owner whose lease
 * has not expired; a manager renews its leases every `renewMs`, releases partitions above its
 * fair share (partitions / live workers, rounded up) and claims free or expired ones up to it.
 * A worker that joins takes its share within two renewals (the others release first); one that
 * dies stops renewing, and its partitions move after at most `ttlMs` plus a renewal.
 * Followers run only the partitions `owns` lists, and a batch checks `holds` inside its
 * transaction (a fence: the row is locked for share until it commits, so a lease is not
 * released or taken over under a batch that is writing).
 *
 * @example
 * const leases = new PartitionLeases({ database, partitions: 8 });
 * await leases.start();
 */
export class PartitionLeases {
  readonly owner: string;
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private held = new Set<number>();
  private readonly clock: Clock;
  /** When the last round succeeded (start: when the manager was made), and the last round's error. */
  private renewedAt: number;
  private lastError: unknown;
  /** Since when a round has found this worker holding nothing while there are no more workers than partitions. */
  private emptySince: number | undefined;
  private workers = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly options: PartitionLeasesOptions) {
    this.owner = options.owner ?? `${os.hostname()}:${process.pid}:${randomId('w', 6)}`;
    this.ttlMs = options.ttlMs ?? 10_000;
    this.renewMs = options.renewMs ?? 2000;
    this.clock = options.clock ?? systemClock;
    this.renewedAt = this.clock.now();
    // Registered at once: followers that start before the first renewal read nothing rather
    // than falling back to store locks.
    registry.set(options.database, this);
  }

  /** Whether this process holds the partition's lease (as of the last renewal). */
  owns(partition: number): boolean {
    return this.held.has(partition);
  }

  /** The partitions held, ascending. */
  partitions(): number[] {
    return [...this.held].sort((a, b) => a - b);
  }

  /**
   * Whether this manager can do its work (readiness; in memory, no query): not when its leases
   * have gone unrenewed for half their TTL (the store or the lease table is unreachable: the
   * leases are about to expire, and other workers take the partitions over), nor when it has
   * held no partition for longer than a take-over takes (TTL and two renewals) while there are
   * no more workers than partitions. A follower (the processor thread) always answers ok: its
   * host manages the leases.
   * @example if (!leases.health().ok) reply.status(503);
   */
  health(): LeaseHealth {
    if (this.options.role === 'follow') return { ok: true };
    const now = this.clock.now();
    const unrenewed = now - this.renewedAt;
    if (unrenewed > this.ttlMs / 2) {
      const cause = this.lastError === undefined ? 'a renewal is still waiting for the store' : `last error: ${this.lastError instanceof Error ? this.lastError.message : String(this.lastError)}`;
      return { ok: false, reason: `partition leases not renewed for ${Math.round(unrenewed / 1000)} s (TTL ${Math.round(this.ttlMs / 1000)} s; ${cause})` };
    }
    if (this.emptySince !== undefined && now - this.emptySince > this.ttlMs + 2 * this.renewMs) {
      return { ok: false, reason: `holds none of the ${this.options.partitions} partitions' leases for ${Math.round((now - this.emptySince) / 1000)} s while ${this.workers} workers share them` };
    }
    return { ok: true };
  }

  /** Takes a first share and renews on a timer. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.renewMs);
    this.timer.unref();
  }

  /** Stops renewing and (as manager) gives the partitions and the heartbeat up at once, so others take over without waiting for expiry. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    if (registry.get(this.options.database) === this) registry.delete(this.options.database);
    this.held = new Set();
    if (this.options.role === 'follow') return;
    await releaseLeases(this.options.database.db, this.owner);
  }

  /** Inside a batch's transaction: true when this process still holds the partition, and keeps the lease from moving until commit. */
  async holds(trx: Tx, partition: number): Promise<boolean> {
    return holdsLease(trx, this.owner, partition);
  }

  /** One renewal round (the timer calls it; tests call it to step). */
  async tick(): Promise<void> {
    const round = (this.options.role === 'follow' ? this.follow() : this.manage()).catch((error: unknown) => {
      // Unrenewed leases expire on their own; keep what the last round said until then.
      this.options.onError?.(error);
    });
    this.ticking = round;
    await round;
  }

  private async follow(): Promise<void> {
    this.held = await heldPartitions(this.options.database.db, this.owner);
  }

  private async manage(): Promise<void> {
    try {
      const round = await leaseRound(this.options.database.db, { owner: this.owner, partitions: this.options.partitions, ttlMs: this.ttlMs });
      const now = this.clock.now();
      this.held = round.held;
      this.workers = round.workers;
      this.renewedAt = now;
      this.lastError = undefined;
      const shouldHold = round.workers <= this.options.partitions;
      this.emptySince = round.held.size > 0 || !shouldHold ? undefined : (this.emptySince ?? now);
    } catch (error) {
      this.lastError = error;
      throw error;
    }
  }
}
