import { describe, expect, it } from 'vitest';
import { analyseExperiment, viewResults, type VariantMetricData } from './analysis.js';
import { parseExperiment } from './definition.js';
import { seededRandom } from './stats/random.js';

function definition(overrides: Record<string, unknown> = {}) {
  return parseExperiment({
    key: 'exp',
    name: 'Exp',
    variants: [
      { key: 'control', weight: 0.5 },
      { key: 'treatment', weight: 0.5 },
    ],
    metrics: [
      { id: 'purchase', name: 'Purchase rate', kind: 'conversion', event: 'Order Completed' },
      { id: 'refunds', name: 'Refund rate', kind: 'conversion', event: 'Refund Requested', guardrail: true, higherIsBetter: false },
    ],
    analysis: { method: 'frequentist', minUnitsPerVariant: 100 },
    ...overrides,
  });
}

const rate = (n: number, sum: number): VariantMetricData => ({ aggregate: { kind: 'proportion', n, sum } });

describe('analyseExperiment', () => {
  it('declares a winner with a plain-language verdict and promotes it by rule', () => {
    const results = analyseExperiment({
      definition: definition({ autoPromote: { rule: 'significant' } }),
      units: [5000, 5000],
      metrics: new Map([
        ['purchase', [rate(5000, 500), rate(5000, 600)]],
        ['refunds', [rate(5000, 50), rate(5000, 52)]],
      ]),
    });
    expect(results.verdict.status).toBe('winner');
    // Relative effect 0.2, delta-method se √(0.1056/(5000·0.01) + 0.09·0.0144/(5000·0.0001)) = 0.0686: z 2.92, p 0.0036.
    expect(results.verdict.text).toBe('treatment raises Purchase rate by 20.0% (95% CI +6.6% to +33.4%, p = 0.0036) compared with control.');
    expect(results.promote).toBe('treatment');
    // 5,000 per variant detect about 17% at 80% power: more than the 5% target.
    expect(results.warnings.map((warning) => warning.code)).toEqual(['underpowered']);
  });

  it('blocks a winner whose guardrail got significantly worse', () => {
    const results = analyseExperiment({
      definition: definition({ autoPromote: { rule: 'significant' } }),
      units: [5000, 5000],
      metrics: new Map([
        ['purchase', [rate(5000, 500), rate(5000, 600)]],
        ['refunds', [rate(5000, 50), rate(5000, 120)]],
      ]),
    });
    expect(results.verdict.status).toBe('guardrail_failed');
    expect(results.verdict.text).toMatch(/but guardrail Refund rate is significantly worse in treatment \(140\.0%\); do not ship it as is\.$/);
    expect(results.promote).toBeNull();
  });

  it('calls out a sample-ratio mismatch before anything else', () => {
    const results = analyseExperiment({ definition: definition(), units: [1000, 1200], metrics: new Map([['purchase', [rate(1000, 100), rate(1200, 180)]]]) });
    expect(results.srm.mismatch).toBe(true);
    expect(results.srm.pValue).toBeCloseTo(0.000020079, 9);
    expect(results.verdict.status).toBe('srm');
    expect(results.verdict.text).toMatch(/^Results are not trustworthy: sample ratio mismatch: the split 1000\/1200/);
  });

  it('reports a loser, an underpowered test, and Holm-adjusted p-values', () => {
    const results = analyseExperiment({
      definition: definition({
        variants: [
          { key: 'control', weight: 0.34 },
          { key: 'b', weight: 0.33 },
          { key: 'c', weight: 0.33 },
        ],
      }),
      units: [3400, 3300, 3300],
      metrics: new Map([['purchase', [rate(3400, 340), rate(3300, 240), rate(3300, 335)]]]),
    });
    expect(results.verdict.status).toBe('loser');
    expect(results.verdict.text).toMatch(/^b lowers Purchase rate by 27\.3% .*; keep control\.$/);
    const [, b, c] = results.metrics[0]?.variants ?? [];
    if (b?.comparison == null || !b.comparison.ok || c?.comparison == null || !c.comparison.ok) throw new Error('missing comparisons');
    // Holm over two comparisons: the smaller p doubles, the larger is max(p, 2 × smaller).
    const [small, large] = [b.comparison.pValue ?? 1, c.comparison.pValue ?? 1].sort((x, y) => x - y);
    expect(b.comparison.adjustedPValue).toBeCloseTo(Math.min(1, 2 * (small ?? 1)), 12);
    expect(c.comparison.adjustedPValue).toBeCloseTo(Math.max(large ?? 1, 2 * (small ?? 1)), 12);
    expect(results.warnings.find((warning) => warning.code === 'underpowered')?.message).toMatch(
      /^underpowered: with 3300 units per variant the smallest effect on Purchase rate this can detect \(80% power\) is 20\.7%; detecting 5\.0% needs about 56512 units per variant$/,
    );
  });

  it('shows each comparison in the numbers of the method that made the verdict, never a chance to win beside a p-value', () => {
    // Few units, a big relative lift: the Beta-Beta chance to win is near 1 while Welch says p ≈ 0.3 ("no detectable difference").
    const frequentist = definition({ analysis: { method: 'frequentist', minUnitsPerVariant: 10 } });
    const input = {
      definition: frequentist,
      units: [40, 40],
      metrics: new Map([
        ['purchase', [rate(40, 1), rate(40, 4)]],
        ['refunds', [rate(40, 1), rate(40, 1)]],
      ]),
    };
    const results = analyseExperiment(input);
    expect(results.verdict.status).toBe('no_difference_yet');
    const view = viewResults(frequentist, results, 'configured');
    const comparison = view.metrics[0]?.variants[1]?.comparison;
    if (comparison == null || !comparison.ok) throw new Error('no comparison');
    expect(comparison.numbers.method).toBe('frequentist');
    expect(JSON.stringify(view.metrics)).not.toMatch(/chanceToWin|"risk"/);
    expect(comparison.says).toMatch(/^treatment raises Purchase rate by 300\.0% \(95% CI .* p = 0\.\d+\) compared with control; could still be chance: no detectable difference yet$/);
    const all = viewResults(frequentist, results, 'all').metrics[0]?.variants[1]?.comparison;
    if (all == null || !all.ok) throw new Error('no comparison');
    expect(all.otherMethods?.[0]?.method).toBe('bayesian');

    const bayesian = definition({ analysis: { method: 'bayesian', minUnitsPerVariant: 10 } });
    const bayesView = viewResults(bayesian, analyseExperiment({ ...input, definition: bayesian }), 'configured');
    const bayesComparison = bayesView.metrics[0]?.variants[1]?.comparison;
    if (bayesComparison == null || !bayesComparison.ok) throw new Error('no comparison');
    expect(bayesComparison.numbers).toEqual({ method: 'bayesian', chanceToWin: expect.any(Number), risk: expect.any(Array) });
    // The sample-ratio check keeps its own p-value; no comparison carries one.
    expect(JSON.stringify(bayesView.metrics)).not.toMatch(/pValue/);
    expect(bayesComparison.says).toMatch(/chance to beat control\) compared with control/);
  });

  it('uses the exact Beta-Beta chance to win under the Bayesian method and promotes by chance-to-win', () => {
    const results = analyseExperiment({
      definition: definition({ analysis: { method: 'bayesian', minUnitsPerVariant: 50 }, autoPromote: { rule: 'chance-to-win', threshold: 0.6 } }),
      units: [100, 100],
      metrics: new Map([
        ['purchase', [rate(100, 49), rate(100, 51)]],
        ['refunds', [rate(100, 5), rate(100, 5)]],
      ]),
    });
    const comparison = results.metrics[0]?.variants[1]?.comparison;
    if (comparison == null || !comparison.ok) throw new Error('no comparison');
    // Reference case: 49/100 vs 51/100, Beta(1,1) priors.
    expect(comparison.chanceToWin).toBeCloseTo(0.6107705226877711, 12);
    expect(comparison.estimate).toBeCloseTo(0.04082, 5);
    expect(results.verdict.status).toBe('no_difference_yet');
    expect(results.promote).toBe('treatment');
  });

  it('applies CUPED when asked and reports the variance it removed', () => {
    const rng = seededRandom(5);
    const data: VariantMetricData[] = [0, 0.3].map((lift) => {
      const c = { n: 0, sum: 0, sumSquares: 0, preSum: 0, preSumSquares: 0, crossSum: 0 };
      for (let i = 0; i < 3000; i++) {
        const x = Math.max(0, 20 + 8 * rng.normal());
        const y = x + lift + 2 * rng.normal();
        c.n += 1;
        c.sum += y;
        c.sumSquares += y * y;
        c.preSum += x;
        c.preSumSquares += x * x;
        c.crossSum += x * y;
      }
      return { aggregate: { kind: 'mean', n: c.n, sum: c.sum, sumSquares: c.sumSquares }, covariate: c };
    });
    const base = { metrics: [{ id: 'rpv', kind: 'revenue', event: 'Order Completed' }], analysis: { method: 'frequentist', cuped: true, difference: 'absolute' } };
    const adjusted = analyseExperiment({ definition: definition(base), units: [3000, 3000], metrics: new Map([['rpv', data]]) });
    const plain = analyseExperiment({ definition: definition({ ...base, analysis: { method: 'frequentist', difference: 'absolute' } }), units: [3000, 3000], metrics: new Map([['rpv', data]]) });
    expect(adjusted.metrics[0]?.cuped?.varianceReduction).toBeGreaterThan(0.9);
    const a = adjusted.metrics[0]?.variants[1]?.comparison;
    const p = plain.metrics[0]?.variants[1]?.comparison;
    if (a == null || !a.ok || p == null || !p.ok) throw new Error('missing comparisons');
    expect(a.standardError).toBeLessThan(p.standardError / 3);
    expect(a.significant).toBe(true);
    expect(p.significant).toBe(false);
  });
});
