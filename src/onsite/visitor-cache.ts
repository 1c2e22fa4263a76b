import type { Clock } from '../shared/clock.js';

export interface VisitorCacheLimits {
  /** Most entries kept (least recently used go first). */
  maxEntries: number;
  /** Most bytes kept, as estimated by the caller per entry. */
  maxBytes: number;
  /**
   * Longest an entry is used. The version catches every write of the profile by the processor;
   * this bounds what changes without one: scores written by jobs, segment memberships that expire
   * with time, segments redefined or uploaded.
   */
  ttlMs: number;
}

interface Entry<T> {
  version: number;
  at: number;
  bytes: number;
  value: T;
}

/**
 * A bounded least-recently-used map of what the visitor endpoint derives from a profile (the
 * profile's view, its segment ids, the module's own rows of the person), keyed by workspace and profile id and valid only for the
 * profile version it was read at: the caller reads the version first (one indexed read) and
 * gets nothing back once the processor has written the profile since (the person's own identify,
 * a merge, a cart change).
 * @example const cache = new VisitorCache<Facts>(clock, { maxEntries: 10_000, maxBytes: 16 << 20, ttlMs: 10_000 });
 * cache.set('ws', 'prf_1', 7, facts, 2_000); cache.get('ws', 'prf_1', 7); // facts
 */
export class VisitorCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private bytes = 0;

  constructor(
    private readonly clock: Clock,
    private readonly limits: VisitorCacheLimits,
  ) {}

  /** The value read at exactly this version, if kept and younger than the TTL. */
  get(workspaceId: string, profileId: string, version: number): T | undefined {
    const key = keyOf(workspaceId, profileId);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const age = this.clock.now() - entry.at;
    if (entry.version !== version || age >= this.limits.ttlMs || age < 0) {
      this.remove(key, entry);
      return undefined;
    }
    // Re-inserting moves the key to the end: Map order is the recency order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value` as read at `version`; an entry larger than a tenth of the budget is not kept. */
  set(workspaceId: string, profileId: string, version: number, value: T, bytes: number): void {
    const key = keyOf(workspaceId, profileId);
    const previous = this.entries.get(key);
    if (previous !== undefined) this.remove(key, previous);
    if (bytes > this.limits.maxBytes / 10) return;
    this.entries.set(key, { version, at: this.clock.now(), bytes, value });
    this.bytes += bytes;
    this.evict();
  }

  private evict(): void {
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.bytes <= this.limits.maxBytes) break;
      this.remove(oldest, entry);
    }
  }

  /** Records a kept entry's new size (its value grew in place); drops it if over budget. */
  resize(workspaceId: string, profileId: string, version: number, bytes: number): void {
    const key = keyOf(workspaceId, profileId);
    const entry = this.entries.get(key);
    if (entry === undefined || entry.version !== version) return;
    this.bytes += bytes - entry.bytes;
    entry.bytes = bytes;
    if (bytes > this.limits.maxBytes / 10) this.remove(key, entry);
    this.evict();
  }

  /** Forgets these profiles (an erasure, a conversion or queued message written by this process). */
  drop(workspaceId: string, profileIds: readonly string[]): void {
    for (const profileId of profileIds) {
      const key = keyOf(workspaceId, profileId);
      const entry = this.entries.get(key);
      if (entry !== undefined) this.remove(key, entry);
    }
  }

  /** Entries and estimated bytes held. */
  size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private remove(key: string, entry: Entry<T>): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}

// NUL cannot occur in a workspace id, so no two (workspace, profile) pairs share a key.
const keyOf = (workspaceId: string, profileId: string): string => `${workspaceId}\u0000${profileId}`;
