import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Random } from '../../demo/random.js';
import { bgnbdPAlive, fitBgNbd, type BgNbdParams } from './bgnbd.js';
import { clvTiers } from './clv.js';
import { fitProblem } from './fit.js';
import { runPipeline, type ProfileBehaviour } from './pipeline.js';
import { scoreCustomers } from './score.js';
import { sampleGamma } from './simulate.js';
import { toColumns, type CustomerSummary } from './summary.js';

const DAY_MS = 86_400_000;
const NOW = Date.parse('2026-12-07T05:00:00Z');

/** The demo shop of January–March 2024 (1,000 customers, seed 3) summarized in days on 2026-12-07: where the old single-start fit ran off to r 2e-16, α 4e-322, a 2e163 ("line-search-failed"). */
function demoSummary(): CustomerSummary[] {
  const text = readFileSync(new URL('../../../test/fixtures/demo-2024-seen-2026-summary.csv', import.meta.url), 'utf8');
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [x, tx, T] = line.split(',').map(Number);
      return { x: x ?? 0, tx: tx ?? 0, T: T ?? 0 };
    });
}

/** Repeat buyers who all bought on a regular beat up to today: nothing tells the model anyone ever drops out. */
function regularBuyers(): CustomerSummary[] {
  const rows: CustomerSummary[] = [];
  for (let i = 0; i < 40; i += 1) rows.push({ x: 5 + (i % 3), tx: 100 + i, T: 100 + i });
  for (let i = 0; i < 40; i += 1) rows.push({ x: 0, tx: 0, T: 1 + i });
  return rows;
}

describe('BG/NBD fits that hold on the data they meet', () => {
  it('converges on the demo shop where the old fit diverged, with sane parameters', () => {
    const fit = fitBgNbd(toColumns(demoSummary()));
    if (fit.status !== 'fitted') throw new Error(JSON.stringify(fit));
    expect(fitProblem('BG/NBD', fit)).toBeNull();
    expect(fit.optimizer.converged).toBe(true);
    expect(fit.params.r).toBeGreaterThan(0.01);
    expect(fit.params.r).toBeLessThan(10);
    expect(fit.params.alpha).toBeGreaterThan(0.1);
    expect(fit.params.a).toBeLessThan(1000);
    expect(fit.logLikelihood).toBeLessThan(0);
  });

  it('gives the same fit whatever the time unit: α scales, r, a, b and the likelihood (up to Σx·ln 7) do not', () => {
    const days = demoSummary();
    const weeks = days.map((row) => ({ x: row.x, tx: row.tx / 7, T: row.T / 7 }));
    const inDays = fitBgNbd(toColumns(days));
    const inWeeks = fitBgNbd(toColumns(weeks));
    if (inDays.status !== 'fitted' || inWeeks.status !== 'fitted') throw new Error('fit failed');
    for (const key of ['r', 'a', 'b'] as const) expect(Math.abs(inWeeks.params[key] / inDays.params[key] - 1)).toBeLessThan(1e-4);
    expect(Math.abs((inWeeks.params.alpha * 7) / inDays.params.alpha - 1)).toBeLessThan(1e-4);
    const totalX = days.reduce((sum, row) => sum + row.x, 0);
    expect(Math.abs(inWeeks.logLikelihood - (inDays.logLikelihood + totalX * Math.log(7)))).toBeLessThan(1e-4);
  });

  it('reports parameters running to a bound as degenerate instead of overflowing', () => {
    const fit = fitBgNbd(toColumns(regularBuyers()));
    if (fit.status !== 'fitted') throw new Error(JSON.stringify(fit));
    for (const value of Object.values(fit.params)) expect(Number.isFinite(value)).toBe(true);
    expect(fitProblem('BG/NBD', fit)).toMatch(/^BG\/NBD fit is degenerate: \w+ = .* is (near zero|huge)/);
  });

  it('reports a fit stopped before converging', () => {
    const fit = fitBgNbd(toColumns(demoSummary()), { optimizer: { maxIterations: 1 } });
    if (fit.status !== 'fitted') throw new Error('fit failed');
    expect(fitProblem('BG/NBD', fit)).toBe('BG/NBD fit did not converge (optimizer stopped with "max-iterations" after 1 iterations)');
  });
});

describe('a refresh whose fit is unusable writes nothing', () => {
  function behaviour(rows: readonly CustomerSummary[]): ProfileBehaviour[] {
    return rows.map((row, i) => {
      const first = NOW - row.T * DAY_MS;
      const orders = Array.from({ length: row.x + 1 }, (_, k) => ({ at: first + (row.x === 0 ? 0 : (k * row.tx) / row.x) * DAY_MS, amount: 20 + (i % 7), products: [] }));
      return { profileId: `p${i}`, orders, activity: [] };
    });
  }

  it('fails with the reason and no score rows when BG/NBD is degenerate', () => {
    const { report, scores } = runPipeline({ profiles: behaviour(regularBuyers()), inventory: [], now: NOW });
    expect(report.failure).toMatch(/^BG\/NBD fit is degenerate: .*; no scores were written and the previous scores stay$/);
    expect(scores).toEqual([]);
    expect(report.scores).toEqual({ written: 0, keys: [] });
    expect(report.clv.gammaGamma.status).toBe('skipped');
  });

  it('fails when the fit runs out of iterations', () => {
    const { report, scores } = runPipeline({ profiles: behaviour(demoSummary()), inventory: [], now: NOW, options: { fitMaxIterations: 1 } });
    expect(report.failure).toMatch(/did not converge/);
    expect(scores).toEqual([]);
  });
});

describe('scores agree with each other', () => {
  const params = fc.record({
    r: fc.double({ min: 0.05, max: 5, noNaN: true }),
    alpha: fc.double({ min: 0.5, max: 200, noNaN: true }),
    a: fc.double({ min: 0.05, max: 20, noNaN: true }),
    b: fc.double({ min: 0.05, max: 50, noNaN: true }),
  });
  const history = fc.record({ x: fc.integer({ min: 0, max: 30 }), T: fc.double({ min: 1, max: 1000, noNaN: true }), txShare: fc.double({ min: 0, max: 1, noNaN: true }) });

  function churn(bg: BgNbdParams, x: number, tx: number, T: number): number {
    return scoreCustomers(bg, null, toColumns([{ x, tx, T }]), { unit: 'day' }).churnRisk[0] ?? Number.NaN;
  }

  it('churn risk is at least 1 − P(alive) and grows as the last order recedes', () => {
    fc.assert(
      fc.property(params, history, fc.double({ min: 0, max: 1, noNaN: true }), (bg, h, earlier) => {
        const tx = h.x === 0 ? 0 : h.T * h.txShare;
        const risk = churn(bg, h.x, tx, h.T);
        expect(risk).toBeGreaterThanOrEqual(1 - bgnbdPAlive(bg, h.x, tx, h.T) - 1e-12);
        expect(risk).toBeLessThanOrEqual(1);
        // Same customer, last order further back: never a lower risk.
        if (h.x > 0) expect(churn(bg, h.x, tx * earlier, h.T)).toBeGreaterThanOrEqual(risk - 1e-9);
      }),
    );
  });

  it('a customer who ordered today has a lower churn risk than one whose last order was long ago', () => {
    fc.assert(
      fc.property(params, fc.integer({ min: 1, max: 30 }), fc.double({ min: 60, max: 1000, noNaN: true }), (bg, x, T) => {
        expect(churn(bg, x, T, T)).toBeLessThan(churn(bg, x, T / 10, T));
      }),
    );
  });

  it('a CLV tier never contradicts its value', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e6, noNaN: true })), { maxLength: 200 }), (values) => {
        const tiers = clvTiers(values);
        const rank = { low: 0, medium: 1, high: 2 } as const;
        values.forEach((value, i) => {
          if (value === 0) expect(tiers[i]).toBe('low');
          values.forEach((other, j) => {
            if (value > other) expect(rank[tiers[i] ?? 'low']).toBeGreaterThanOrEqual(rank[tiers[j] ?? 'low']);
          });
        });
      }),
    );
    expect(clvTiers([0, 0, 0])).toEqual(['low', 'low', 'low']);
  });

  it('on a demo-sized shop, customers who ordered in the last week have low churn risk and every "high" tier has a positive CLV', () => {
    // A shop drawn as BG/NBD says (λ ~ Gamma(0.6, 40 days), 20% drop-out after each order), first orders over 180 days like the demo.
    const random = new Random(5);
    const uniform = () => random.next();
    const profiles: ProfileBehaviour[] = Array.from({ length: 1500 }, (_, c) => {
      const rate = sampleGamma(uniform, 0.6, 40);
      const orders = [];
      let at = NOW - uniform() * 180 * DAY_MS;
      while (at <= NOW) {
        orders.push({ at, amount: 15 + 40 * uniform(), products: [] });
        at -= (Math.log(1 - uniform()) / rate) * DAY_MS;
        if (uniform() < 0.2) break;
      }
      return { profileId: `p${c}`, orders, activity: [] };
    });
    const { report, scores } = runPipeline({ profiles, inventory: [], now: NOW });
    expect(report.failure).toBeNull();
    const byProfile = new Map<string, Record<string, unknown>>();
    for (const row of scores.find((group) => group.source === 'predictive:clv')?.rows ?? []) byProfile.set(row.profileId, { ...byProfile.get(row.profileId), [row.key]: row.value });
    const risks = [...byProfile.values()].map((values) => Number(values.churn_risk)).sort((p, q) => p - q);
    const median = risks[Math.floor(risks.length / 2)] ?? 0;
    let recent = 0;
    for (const profile of profiles) {
      const values = byProfile.get(profile.profileId);
      if (values === undefined) continue;
      if (values.clv_tier !== 'low') expect(Number(values.predicted_clv)).toBeGreaterThan(0);
      const last = profile.orders[profile.orders.length - 1]?.at ?? 0;
      if (NOW - last < 7 * DAY_MS && profile.orders.length > 1) {
        recent += 1;
        expect(Number(values.churn_risk)).toBeLessThan(median);
      }
    }
    expect(recent).toBeGreaterThan(0);
  });
});
