import type { BetaPosterior } from './bayesian.js';
import { seededRandom } from './random.js';

export interface BanditArm {
  /** Units that saw the arm. */
  n: number;
  /** Units that converted. */
  conversions: number;
}

export interface BanditOptions {
  /** Monte Carlo draws; the weight of an arm is the share of draws it wins. */
  draws?: number;
  seed?: number;
  /** Every arm keeps at least this weight, so the posterior of a losing arm still updates. */
  minWeight?: number;
  prior?: BetaPosterior;
}

/**
 * Thompson-sampling allocation (Thompson 1933; Chapelle & Li 2011): each arm's traffic weight is
 * its posterior probability of being best, estimated from seeded Beta draws, then floored at
 * `minWeight` and renormalised.
 * @example thompsonWeights([{ n: 1000, conversions: 100 }, { n: 1000, conversions: 130 }], { seed: 1 }); // ≈ [0.02, 0.98]
 */
export function thompsonWeights(arms: readonly BanditArm[], options: BanditOptions = {}): number[] {
  if (arms.length === 0) return [];
  for (const [index, arm] of arms.entries()) {
    if (!(arm.n >= 0 && arm.conversions >= 0 && arm.conversions <= arm.n)) throw new RangeError(`arm ${index}: need 0 <= conversions <= n, got ${arm.conversions}/${arm.n}`);
  }
  const draws = options.draws ?? 10000;
  const prior = options.prior ?? { alpha: 1, beta: 1 };
  const rng = seededRandom(options.seed ?? 1);
  const wins = new Array<number>(arms.length).fill(0);
  for (let d = 0; d < draws; d++) {
    let best = 0;
    let bestValue = -1;
    arms.forEach((arm, index) => {
      const value = rng.beta(prior.alpha + arm.conversions, prior.beta + arm.n - arm.conversions);
      if (value > bestValue) {
        bestValue = value;
        best = index;
      }
    });
    wins[best] = (wins[best] ?? 0) + 1;
  }
  const floor = Math.min(options.minWeight ?? 0, 1 / arms.length);
  const raw = wins.map((count) => count / draws);
  // Floor, then share what is left in proportion to the raw weights above the floor.
  const spare = 1 - floor * arms.length;
  const total = raw.reduce((sum, value) => sum + value, 0);
  return raw.map((value) => floor + (spare * value) / total);
}
