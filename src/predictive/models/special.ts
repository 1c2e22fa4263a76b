/*
 * Special functions the buy-till-you-die models need, written out because they are small and
 * their accuracy is what the published reference values test: log-gamma, digamma, the Gauss
 * hypergeometric series 2F1 and stable log-space sums.
 */

/** Lanczos coefficients (g = 7, n = 9): about 15 correct digits for Re(x) > 0. */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * ln Γ(x) for x > 0 (Lanczos approximation; Stirling series above 15 where it is exact to
 * double precision and cheaper).
 * @example logGamma(5) // ln 24
 */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  if (x > 15) {
    const inv = 1 / x;
    const inv2 = inv * inv;
    // Stirling with terms up to 1/x^9: error below 1e-16 relative for x > 15.
    const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))));
    return (x - 0.5) * Math.log(x) - x + HALF_LOG_TWO_PI + series;
  }
  const z = x - 1;
  let sum = LANCZOS[0] ?? 1;
  for (let i = 1; i < 9; i += 1) sum += (LANCZOS[i] ?? 0) / (z + i);
  const t = z + 7.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * ψ(x) = d/dx ln Γ(x) for x > 0: recurrence up to x ≥ 12, then the asymptotic series (error below 1e-14).
 * @example digamma(1) // -0.5772156649 (minus the Euler–Mascheroni constant)
 */
export function digamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  let result = 0;
  let y = x;
  while (y < 12) {
    result -= 1 / y;
    y += 1;
  }
  const inv = 1 / y;
  const inv2 = inv * inv;
  result += Math.log(y) - 0.5 * inv - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))));
  return result;
}

/**
 * ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b).
 * @example Math.exp(logBeta(2, 3)) // 1/12
 */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/**
 * ln(e^a + e^b) without overflow or underflow; either may be -Infinity.
 * @example logAddExp(Math.log(2), Math.log(3)) // ln 5
 */
export function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/**
 * ln(e^a − e^b) for a ≥ b; -Infinity when they are equal.
 * @example logSubExp(Math.log(5), Math.log(3)) // ln 2
 */
export function logSubExp(a: number, b: number): number {
  if (b === Number.NEGATIVE_INFINITY) return a;
  if (b >= a) return Number.NEGATIVE_INFINITY;
  return a + Math.log1p(-Math.exp(b - a));
}

/** Result of a series evaluation: the value and whether the series converged in its term budget. */
export interface SeriesResult {
  /** ln of the (positive) sum. */
  log: number;
  converged: boolean;
  terms: number;
}

/**
 * ln 2F1(a, b; c; z) for a, b, c > 0 and 0 ≤ z < 1 by the power series, summed with a running
 * scale so terms that grow before they shrink (large a·b·z, as for frequent buyers) neither
 * overflow nor lose precision. All terms are positive here, so there is no cancellation.
 * @example Math.exp(logHyp2f1(1, 1, 2, 0.5).log) // -ln(1-0.5)/0.5 = 1.386...
 */
export function logHyp2f1(a: number, b: number, c: number, z: number, maxTerms = 200_000): SeriesResult {
  if (z === 0) return { log: 0, converged: true, terms: 1 };
  if (!(z > 0 && z < 1)) return { log: Number.NaN, converged: false, terms: 0 };
  let term = 1;
  let sum = 1;
  let logScale = 0;
  for (let n = 0; n < maxTerms; n += 1) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    sum += term;
    if (sum > 1e250) {
      // Rescale so the running sum stays representable; the log of the scale is kept aside.
      logScale += Math.log(sum);
      term /= sum;
      sum = 1;
    }
    // The ratio of successive terms tends to z < 1, so once it is below 1 and the term is
    // negligible, the tail (bounded by a geometric series) is too.
    const ratio = ((a + n + 1) * (b + n + 1) * z) / ((c + n + 1) * (n + 2));
    if (ratio < 1 && term < sum * 1e-17 * (1 - ratio)) return { log: logScale + Math.log(sum), converged: true, terms: n + 2 };
  }
  return { log: logScale + Math.log(sum), converged: false, terms: maxTerms };
}
