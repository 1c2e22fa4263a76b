import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bgbbConditionalExpected, bgbbExpected, bgbbLogLikelihood, bgbbLogLikelihoodGradient, bgbbPAlive, bgbbPmf, fitBgBb, type BgBbRow } from './bgbb.js';
import { fitSbg, sbgLogLikelihood, sbgRetention, sbgSurvival } from './sbg.js';
import { sharedData } from '../../../test/helpers/shared-data.js';

/*
 * REFERENCE-NUMBERS.md sections 1.4 (BG/BB on the donations data) and 1.5 (sBG on the
 * Regular / High End cohorts), to their printed precision unless a tolerance is stated.
 */
const DATA = sharedData();
const rows: (BgBbRow & { xStar: number })[] = fs
  .readFileSync(`${DATA}/donations-bgbb/btyd_donations_rf_matrix_with_holdout.csv`, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(',').map(Number))
  .map(([x = 0, tx = 0, n = 0, weight = 0, xStar = 0]) => ({ x, tx, n, weight, xStar }));
const supporters = rows.reduce((sum, row) => sum + (row.weight ?? 0), 0);
const btyd = { alpha: 1.203507, beta: 0.7497667, gamma: 0.6567568, delta: 2.783887 };
const paper = { alpha: 1.204, beta: 0.75, gamma: 0.657, delta: 2.783 };

function expectPrinted(actual: number, printed: string): void {
  const decimals = printed.split('.')[1]?.length ?? 0;
  expect(Math.abs(actual - Number(printed)), `${actual} vs ${printed}`).toBeLessThanOrEqual(0.5 * 10 ** -decimals * (1 + 1e-9));
}

function expectRelative(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual / expected - 1), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

describe('BG/BB on the donations data (Fader, Hardie & Shang 2010)', () => {
  const fit = fitBgBb(rows);
  if (fit.status !== 'fitted') throw new Error(`fit failed: ${JSON.stringify(fit)}`);

  it('fits within 1% of the paper (and 1e-3 of BTYD) with LL -33225.58', () => {
    expect(supporters).toBe(11_104);
    expect(fit.optimizer.converged).toBe(true);
    for (const key of ['alpha', 'beta', 'gamma', 'delta'] as const) {
      expectRelative(fit.params[key], paper[key], 0.01);
      expectRelative(fit.params[key], btyd[key], 1e-3);
    }
    expectPrinted(fit.logLikelihood, '-33225.58');
    expectPrinted(bgbbLogLikelihood(btyd, rows), '-33225.58');
  });

  it('has an analytic gradient equal to central differences', () => {
    const at = { alpha: 1.5, beta: 0.6, gamma: 0.8, delta: 2 };
    const analytic = bgbbLogLikelihoodGradient(at, rows);
    (['alpha', 'beta', 'gamma', 'delta'] as const).forEach((key, k) => {
      const h = 1e-5;
      const shift = (sign: number) => bgbbLogLikelihood({ ...at, [key]: at[key] * Math.exp(sign * h) }, rows);
      const numeric = (shift(1) - shift(-1)) / (2 * h);
      expect(Math.abs((analytic[k] ?? 0) - numeric)).toBeLessThan(1e-4 * Math.max(1, Math.abs(numeric)));
    });
  });

  it('reproduces P(alive in 2002) of paper Table 6 and the Hardie spreadsheet figures', () => {
    expectPrinted(bgbbPAlive(paper, 1, 0, 0, 6), '0.11');
    expectPrinted(bgbbPAlive(paper, 1, 2, 4, 6), '0.59');
    expectPrinted(bgbbPAlive(paper, 1, 6, 6, 6), '0.93');
    let nextFive = 0;
    for (const row of rows) nextFive += (row.weight ?? 0) * bgbbConditionalExpected(fit.params, 5, row.x, row.tx, row.n);
    expectPrinted(nextFive, '12884.2');
    expectPrinted(bgbbPmf(fit.params, 6, 0) * supporters, '3454.9');
    expectPrinted(bgbbPmf(fit.params, 6, 6) * supporters, '1253.1');
    let total = 0;
    for (let x = 0; x <= 6; x += 1) total += bgbbPmf(fit.params, 6, x);
    expect(Math.abs(total - 1)).toBeLessThan(1e-12);
  });

  /*
   * As with the CDNOW walkthrough, the BTYD figures were printed from a run a little off its
   * printed parameters: at those they agree within 2e-4 relative; one parameter set within 6e-5
   * of them (solved for here) reproduces all fourteen within 3e-7 relative.
   */
  const walkthroughRun = { alpha: 1.2035350482316653, beta: 0.7497309156245778, gamma: 0.6567811382987172, delta: 2.7837985293579415 };
  const annual = [5535.833, 4717.059, 4147.621, 3724.665, 3395.888, 3131.647, 2913.778, 2730.482, 2573.731, 2437.854, 2318.727];
  const checks = (params: typeof btyd, tolerance: number) => {
    expectRelative(bgbbExpected(params, 10), 3.179805, tolerance);
    expectRelative(bgbbConditionalExpected(params, 10, 0, 0, 6), 0.1302169, tolerance);
    expectRelative(bgbbConditionalExpected(params, 10, 4, 5, 6), 3.627858, tolerance);
    annual.forEach((value, i) => expectRelative(supporters * (bgbbExpected(params, i + 1) - bgbbExpected(params, i)), value, tolerance));
  };

  it('reproduces the BTYD walkthrough expectations and annual repeat transactions (2e-4 at the printed parameters)', () => {
    checks(btyd, 2e-4);
    for (const key of ['alpha', 'beta', 'gamma', 'delta'] as const) expectRelative(walkthroughRun[key], btyd[key], 6e-5);
    checks(walkthroughRun, 3e-7);
  });

  it('rejects impossible patterns and too few customers as values', () => {
    expect(fitBgBb([{ x: 3, tx: 2, n: 6, weight: 100 }]).status).toBe('invalid-data');
    expect(fitBgBb([{ x: 1, tx: 1, n: 6, weight: 5 }])).toMatchObject({ status: 'insufficient-data', message: 'not enough history: needs 30 customers, has 5' });
  });
});

describe('sBG contractual retention (Fader & Hardie 2007)', () => {
  const table = fs
    .readFileSync(`${DATA}/retention-sbg/survival_regular_highend.csv`, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').map(Number));
  const regular = table.map((row) => row[1] ?? 0);
  const highEnd = table.map((row) => row[2] ?? 0);

  it('fits years 1-7: High End 0.668 / 3.806, LL -1611.2 (from -2115.5 at (1, 1)); Regular 0.704 / 1.182', () => {
    const high = fitSbg(highEnd.slice(0, 8));
    const low = fitSbg(regular.slice(0, 8));
    if (high.status !== 'fitted' || low.status !== 'fitted') throw new Error('fit failed');
    expectPrinted(high.params.alpha, '0.668');
    expectPrinted(high.params.beta, '3.806');
    expectPrinted(high.logLikelihood, '-1611.2');
    expectPrinted(high.logLikelihood, '-1611.158');
    expectPrinted(sbgLogLikelihood({ alpha: 1, beta: 1 }, highEnd.slice(0, 8)), '-2115.5');
    expectPrinted(low.params.alpha, '0.704');
    expectPrinted(low.params.beta, '1.182');
    expectPrinted(low.logLikelihood, '-1680.265');
    // Year-12 forecasts against what happened: about 4% and 2% under.
    expectPrinted(1000 * sbgSurvival(high.params, 12), '378.0');
    expectPrinted(1000 * sbgSurvival(low.params, 12), '170.0');
    expect(highEnd[12]).toBe(394);
    expect(regular[12]).toBe(173);
    expect(sbgRetention(low.params, 1)).toBeCloseTo(low.params.beta / (low.params.alpha + low.params.beta), 12);
  });

  it('rejects a growing cohort and says when there is too little to fit', () => {
    expect(fitSbg([100, 120, 90]).status).toBe('invalid-data');
    expect(fitSbg([100, 90])).toMatchObject({ status: 'insufficient-data', message: 'not enough history: needs 2 renewal periods, has 1' });
  });
});
