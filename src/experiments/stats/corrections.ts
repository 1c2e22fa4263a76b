/*
 * Multiple-comparison corrections of p-values, as R's p.adjust: Holm (family-wise error) and
 * Benjamini-Hochberg (false discovery rate). Adjusted values are capped at 1 and keep the
 * input order.
 */

/** @example holm([0.01, 0.04, 0.03, 0.005]); // [0.03, 0.06, 0.06, 0.02] */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, index) => ({ p, index })).sort((x, y) => x.p - y.p);
  const adjusted = new Array<number>(m).fill(1);
  let running = 0;
  order.forEach(({ p, index }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[index] = running;
  });
  return adjusted;
}

/** @example benjaminiHochberg([0.01, 0.04, 0.03, 0.005]); // [0.02, 0.04, 0.04, 0.02] */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, index) => ({ p, index })).sort((x, y) => y.p - x.p);
  const adjusted = new Array<number>(m).fill(1);
  let running = 1;
  order.forEach(({ p, index }, position) => {
    const rank = m - position;
    running = Math.min(running, (m / rank) * p);
    adjusted[index] = Math.min(1, running);
  });
  return adjusted;
}
