import { topK } from '../select.js';

/*
 * Time-decayed counts, updated one event at a time (trending, best-sellers). Each event at time
 * t adds w * 2^((t - t0) / halfLife) relative to a reference time t0, so older events need no
 * rewrite as time passes: the ranking at any later moment is the ranking of the stored values,
 * and the decayed count now is value * 2^(-(now - t0) / halfLife). The reference moves forward
 * (one pass over the values) before the exponent could overflow.
 */

const MAX_EXPONENT = 600;

/**
 * A decayed counter over item indexes; `halfLife` Infinity keeps plain counts (best-sellers of all time).
 * @example const trending = new DecayedCounter(86_400_000, 0); trending.add(3, Date.now()); trending.top(10, Date.now());
 */
export class DecayedCounter {
  private values = new Map<number, number>();
  private reference: number;
  private cache: { at: number; k: number; items: number[] } | undefined;

  constructor(
    readonly halfLife: number,
    start: number,
    /** How long a computed top list is reused (ms); live updates show within this delay. */
    private readonly cacheMs = 1000,
  ) {
    this.reference = start;
  }

  /** Counts one interaction with `item` at time `t`. */
  add(item: number, t: number, weight = 1): void {
    if (!Number.isFinite(t) || !Number.isFinite(weight)) return;
    let exponent = Number.isFinite(this.halfLife) ? (t - this.reference) / this.halfLife : 0;
    if (exponent > MAX_EXPONENT) {
      this.rebase(t);
      exponent = 0;
    }
    this.values.set(item, (this.values.get(item) ?? 0) + weight * Math.pow(2, exponent));
  }

  /** The decayed count of an item at `now`. */
  valueAt(item: number, now: number): number {
    const value = this.values.get(item) ?? 0;
    return Number.isFinite(this.halfLife) ? value * Math.pow(2, -(now - this.reference) / this.halfLife) : value;
  }

  /** Raw value for ranking (proportional to the decayed count at any fixed moment). */
  rankValue(item: number): number {
    return this.values.get(item) ?? 0;
  }

  get size(): number {
    return this.values.size;
  }

  /**
   * The `k` items with the highest decayed count, best first; `accept` filters. An unfiltered top
   * list is cached for `cacheMs`.
   */
  top(k: number, now: number, accept?: (item: number) => boolean): number[] {
    if (accept === undefined && this.cache !== undefined && this.cache.k >= k && now - this.cache.at < this.cacheMs && now >= this.cache.at) {
      return this.cache.items.slice(0, k);
    }
    const keys = Int32Array.from(this.values.keys());
    const items = topK(0, (item) => this.values.get(item) ?? 0, k, keys, accept);
    if (accept === undefined) this.cache = { at: now, k, items };
    return items;
  }

  /** The counter as plain data (a model snapshot); `DecayedCounter.restore` builds it back. */
  snapshot(): { halfLife: number; reference: number; items: number[]; values: number[] } {
    return { halfLife: this.halfLife, reference: this.reference, items: [...this.values.keys()], values: [...this.values.values()] };
  }

  /** A counter equal to the one `snapshot()` described. */
  static restore(state: { halfLife: number; reference: number; items: readonly number[]; values: readonly number[] }): DecayedCounter {
    const counter = new DecayedCounter(state.halfLife, state.reference);
    state.items.forEach((item, position) => counter.values.set(item, state.values[position] ?? 0));
    return counter;
  }

  /** Forgets the cached top list (after a bulk load). */
  invalidate(): void {
    this.cache = undefined;
  }

  private rebase(t: number): void {
    const factor = Math.pow(2, -(t - this.reference) / this.halfLife);
    for (const [item, value] of this.values) {
      const scaled = value * factor;
      // Values decayed to nothing are dropped so the map does not grow forever.
      if (scaled < 1e-9) this.values.delete(item);
      else this.values.set(item, scaled);
    }
    this.reference = t;
    this.cache = undefined;
  }
}
