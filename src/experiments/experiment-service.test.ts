import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { IngestService } from '../ingest/ingest-service.js';
import { manualClock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { findEvents } from '../log/store/event-log.js';
import { EXPOSURE_EVENT, ExperimentService } from './experiment-service.js';

const HOUR = 3600_000;
const START = Date.UTC(2026, 10, 1);

function input(overrides: Record<string, unknown> = {}) {
  return {
    key: 'hello-bar',
    name: 'Hello bar',
    variants: [
      { key: 'control', weight: 0.5 },
      { key: 'bar', name: 'With hello bar', weight: 0.5 },
    ],
    metrics: [
      { id: 'purchase', name: 'Purchase rate', kind: 'conversion', event: 'Order Completed', windowHours: 24 },
      { id: 'revenue', name: 'Revenue per visitor', kind: 'revenue', event: 'Order Completed', valueProperty: 'revenue', windowHours: 24 },
      {
        id: 'aov',
        name: 'Average order value',
        kind: 'ratio',
        numerator: { event: 'Order Completed', valueProperty: 'revenue' },
        denominator: { event: 'Order Completed' },
        windowHours: 24,
      },
      { id: 'big-orders', kind: 'count', event: 'Order Completed', filters: [{ property: 'revenue', op: 'gte', value: 100 }], windowHours: 24 },
      { id: 'refunds', kind: 'conversion', event: 'Refund Requested', guardrail: true, higherIsBetter: false, windowHours: 24 },
    ],
    analysis: { method: 'frequentist', minUnitsPerVariant: 50, correction: 'none' },
    ...overrides,
  };
}

describe.each(dialects)('experiments (%s)', (dialect) => {
  let store: TestStore;
  let clock: ReturnType<typeof manualClock>;
  let ingest: IngestService;
  let experiments: ExperimentService;
  beforeEach(async () => {
    store = await createTestStore(dialect);
    clock = manualClock(START);
    ingest = new IngestService({ database: store.database, partitions: 4, clock });
    experiments = new ExperimentService({ database: store.database, clock, ingest });
  });
  afterEach(async () => {
    await store.drop();
  });

  it('assigns deterministically, logs one exposure per unit and keeps units sticky when weights change', async () => {
    const created = await experiments.create('w', input());
    expect(created.status).toBe('draft');
    expect(await experiments.assign('w', { anonymousId: 'a-1' })).toEqual([]);
    await experiments.start('w', 'hello-bar');

    const first = new Map<string, string>();
    for (let i = 0; i < 300; i++) {
      const [assignment] = await experiments.assign('w', { anonymousId: `a-${i}` });
      expect(assignment?.inExperiment).toBe(true);
      first.set(`a-${i}`, assignment?.variant ?? '');
    }
    const bar = [...first.values()].filter((variant) => variant === 'bar').length;
    expect(bar).toBeGreaterThan(110);
    expect(bar).toBeLessThan(190);
    // Asking again changes nothing and logs nothing new.
    const again = await experiments.assign('w', { anonymousId: 'a-7' });
    expect(again[0]).toMatchObject({ variant: first.get('a-7'), reason: 'sticky' });
    const exposures = await findEvents(store.database.db, 'w', { event: EXPOSURE_EVENT });
    expect(exposures).toHaveLength(300);
    expect(exposures[0]?.message.properties).toMatchObject({ experiment_id: 'hello-bar' });

    // New weights: exposed units stay, new units follow the new split.
    await experiments.update(
      'w',
      'hello-bar',
      input({
        variants: [
          { key: 'control', weight: 0.1 },
          { key: 'bar', weight: 0.9 },
        ],
      }),
    );
    clock.advance(2000);
    for (let i = 0; i < 300; i += 37) expect((await experiments.assign('w', { anonymousId: `a-${i}` }))[0]?.variant).toBe(first.get(`a-${i}`));
    let newBar = 0;
    for (let i = 1000; i < 1100; i++) if ((await experiments.assign('w', { anonymousId: `a-${i}` }))[0]?.variant === 'bar') newBar += 1;
    expect(newBar).toBeGreaterThan(78);
  });

  it('computes metrics from the event log within the window after exposure and reaches a verdict', async () => {
    await experiments.create('w', input({ autoPromote: { rule: 'significant' } }));
    await experiments.start('w', 'hello-bar');
    const variantOf = new Map<string, string>();
    for (let i = 0; i < 600; i++) {
      const [assignment] = await experiments.assign('w', { anonymousId: `u-${i}` });
      variantOf.set(`u-${i}`, assignment?.variant ?? '');
    }
    const expected = { control: { units: 0, buyers: 0, revenue: 0, orders: 0, big: 0 }, bar: { units: 0, buyers: 0, revenue: 0, orders: 0, big: 0 } };
    const items: unknown[] = [];
    let index = 0;
    for (const [unit, variant] of variantOf) {
      const totals = variant === 'bar' ? expected.bar : expected.control;
      totals.units += 1;
      index += 1;
      // Control buys 1 in 10, the hello bar 1 in 3; buyers order once or twice.
      const buys = variant === 'bar' ? index % 3 === 0 : index % 10 === 0;
      if (buys) {
        totals.buyers += 1;
        const orders = index % 2 === 0 ? 2 : 1;
        for (let o = 0; o < orders; o++) {
          const revenue = 40 + ((index * 7 + o * 13) % 90);
          totals.revenue += revenue;
          totals.orders += 1;
          if (revenue >= 100) totals.big += 1;
          items.push({ type: 'track', event: 'Order Completed', anonymousId: unit, messageId: `o-${unit}-${o}`, timestamp: new Date(START + HOUR * (1 + o)).toISOString(), properties: { revenue } });
        }
      }
      // Outside the window (30 h later) and before exposure: never counted.
      items.push({ type: 'track', event: 'Order Completed', anonymousId: unit, messageId: `late-${unit}`, timestamp: new Date(START + 30 * HOUR).toISOString(), properties: { revenue: 999 } });
      items.push({ type: 'track', event: 'Order Completed', anonymousId: unit, messageId: `early-${unit}`, timestamp: new Date(START - HOUR).toISOString(), properties: { revenue: 999 } });
    }
    for (let start = 0; start < items.length; start += 2000) await ingest.ingest({ workspaceId: 'w', sourceId: null, receivedAt: START }, { items: items.slice(start, start + 2000) });
    clock.set(START + 48 * HOUR);

    const results = await experiments.results('w', 'hello-bar');
    expect(results.units.map((entry) => entry.units)).toEqual([expected.control.units, expected.bar.units]);
    const metric = (id: string) => results.metrics.find((entry) => entry.metric === id);
    const purchase = metric('purchase');
    expect(purchase?.variants.map((variant) => variant.value)).toEqual([expected.control.buyers / expected.control.units, expected.bar.buyers / expected.bar.units]);
    // Revenue per visitor is money: shown to the cent.
    expect(metric('revenue')?.variants[1]?.value).toBe(Math.round((expected.bar.revenue / expected.bar.units) * 100) / 100);
    expect(metric('aov')?.variants[0]?.value).toBeCloseTo(expected.control.revenue / expected.control.orders, 10);
    expect(metric('big-orders')?.variants[1]?.value).toBeCloseTo(expected.bar.big / expected.bar.units, 10);
    const comparison = purchase?.variants[1]?.comparison;
    if (comparison == null || !comparison.ok) throw new Error('no comparison');
    expect(comparison.significant).toBe(true);
    expect(comparison.direction).toBe('better');
    // The experiment is frequentist: its p-value made the verdict, and no Bayesian chance to win stands beside it.
    expect(comparison.numbers).toEqual({ method: 'frequentist', pValue: expect.any(Number), adjustedPValue: expect.any(Number) });
    expect(JSON.stringify(results)).not.toMatch(/chanceToWin|"risk"/);
    expect(comparison.says).toBe('bar raises Purchase rate by 248.3% (95% CI +119.4% to +377.2%, p = 0.00017) compared with control; a real difference at 95% confidence');
    const all = await experiments.results('w', 'hello-bar', { methods: 'all' });
    const allComparison = all.metrics.find((entry) => entry.metric === 'purchase')?.variants[1]?.comparison;
    if (allComparison == null || !allComparison.ok) throw new Error('no comparison');
    expect(allComparison.otherMethods).toEqual([{ method: 'bayesian', chanceToWin: expect.any(Number), risk: expect.any(Array) }]);
    expect(allComparison.otherMethods?.[0]).toMatchObject({ chanceToWin: expect.closeTo(1, 2) });
    expect(results.verdict.status).toBe('winner');
    expect(results.verdict.text).toBe('bar raises Purchase rate by 248.3% (95% CI +119.4% to +377.2%, p = 0.00017) compared with control.');
    // Refunds never happened: zero variance is reported, not NaN.
    expect(metric('refunds')?.variants[1]?.comparison).toMatchObject({ ok: false, reason: 'zero_variance' });
    expect(JSON.stringify(results)).not.toMatch(/NaN|null,"comparison":\{"ok":true,"estimate":null/);
    // The rule was met: promoted, and every unit now gets the winner outside the experiment.
    expect(results.promoted).toBe('bar');
    expect((await experiments.get('w', 'hello-bar')).status).toBe('completed');
    clock.advance(5000);
    expect((await experiments.assign('w', { anonymousId: 'newcomer' }))[0]).toMatchObject({ variant: 'bar', inExperiment: false, reason: 'promoted' });
  });

  it('runs a Thompson-sampling bandit: rebalancing moves new traffic to the better variant', async () => {
    await experiments.create('w', input({ key: 'bandit', allocation: 'thompson' }));
    await expect(experiments.create('w', input({ key: 'bad-bandit', allocation: 'thompson', primaryMetric: 'revenue' }))).rejects.toThrow(/needs a conversion primary metric/);
    await experiments.start('w', 'bandit');
    const items: unknown[] = [];
    for (let i = 0; i < 400; i++) {
      const [assignment] = await experiments.assign('w', { anonymousId: `b-${i}` });
      // The hello bar converts 30%, the control 5%.
      if (i % 20 === 0 || (assignment?.variant === 'bar' && i % 10 < 3)) {
        items.push({ type: 'track', event: 'Order Completed', anonymousId: `b-${i}`, messageId: `bo-${i}`, timestamp: new Date(START + HOUR).toISOString(), properties: { revenue: 10 } });
      }
    }
    await ingest.ingest({ workspaceId: 'w', sourceId: null, receivedAt: START }, { items });
    clock.set(START + 2 * HOUR);
    const { weights, experiment } = await experiments.rebalance('w', 'bandit');
    expect(weights).toEqual([0.05, 0.95]);
    expect(experiment.definition.variants.map((variant) => variant.weight)).toEqual([0.05, 0.95]);
    const results = await experiments.results('w', 'bandit');
    expect(results.srm.mismatch).toBe(false);
    clock.advance(2000);
    let bar = 0;
    for (let i = 1000; i < 1200; i++) if ((await experiments.assign('w', { anonymousId: `b-${i}` }))[0]?.variant === 'bar') bar += 1;
    expect(bar).toBeGreaterThan(175);
    await expect(experiments.rebalance('w', 'hello-bar')).rejects.toThrow(/no experiment|fixed allocation/);
  });

  it('scans the window before exposure for CUPED', async () => {
    await experiments.create(
      'w',
      input({
        key: 'cuped',
        metrics: [{ id: 'orders', kind: 'count', event: 'Order Completed', windowHours: 24 }],
        analysis: { method: 'frequentist', cuped: true, minUnitsPerVariant: 10, difference: 'absolute' },
      }),
    );
    await experiments.start('w', 'cuped');
    const items: unknown[] = [];
    for (let i = 0; i < 120; i++) {
      const unit = `c-${i}`;
      await experiments.assign('w', { anonymousId: unit });
      // Heavy buyers stay heavy: i % 4 orders in the day before exposure and again in the day after.
      for (let o = 0; o < i % 4; o++) {
        items.push({ type: 'track', event: 'Order Completed', anonymousId: unit, messageId: `pre-${unit}-${o}`, timestamp: new Date(START - (o + 1) * HOUR).toISOString(), properties: {} });
        items.push({ type: 'track', event: 'Order Completed', anonymousId: unit, messageId: `post-${unit}-${o}`, timestamp: new Date(START + (o + 1) * HOUR).toISOString(), properties: {} });
      }
      // One extra order after exposure every fifth unit: noise CUPED cannot remove.
      if (i % 5 === 0) items.push({ type: 'track', event: 'Order Completed', anonymousId: unit, messageId: `x-${unit}`, timestamp: new Date(START + 5 * HOUR).toISOString(), properties: {} });
    }
    await ingest.ingest({ workspaceId: 'w', sourceId: null, receivedAt: START }, { items });
    clock.set(START + 48 * HOUR);
    const results = await experiments.results('w', 'cuped');
    const metric = results.metrics[0];
    // Post = pre + noise, so θ is near 1 and most of the variance goes.
    expect(metric?.cuped?.theta).toBeGreaterThan(0.9);
    expect(metric?.cuped?.varianceReduction).toBeGreaterThan(0.7);
    const comparison = metric?.variants[1]?.comparison;
    if (comparison == null || !comparison.ok) throw new Error('no comparison');
    expect(Number.isFinite(comparison.standardError)).toBe(true);
  });

  it('reports not enough data for an experiment nobody saw yet', async () => {
    await experiments.create('w', input());
    await experiments.start('w', 'hello-bar');
    const results = await experiments.results('w', 'hello-bar');
    expect(results.verdict.status).toBe('not_enough_data');
    expect(results.verdict.text).toMatch(/Not enough data yet: too early: control has 0 exposed units/);
    expect(results.metrics[0]?.variants[1]?.comparison).toMatchObject({ ok: false, reason: 'empty_variant' });
    expect(results.srm.pValue).toBe(1);
  });

  it('rejects bad definitions with clear errors', async () => {
    const failure = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        if (error instanceof RapportError) return error;
      }
      throw new Error('expected a RapportError');
    };
    const weights = await failure(
      experiments.create(
        'w',
        input({
          variants: [
            { key: 'a', weight: 0.5 },
            { key: 'b', weight: 0.6 },
          ],
        }),
      ),
    );
    expect(weights.message).toMatch(/variant weights must sum to 1, they sum to 1\.1/);
    const metric = await failure(experiments.create('w', input({ primaryMetric: 'nope' })));
    expect(metric.message).toMatch(/unknown metric "nope"/);
    const shape = await failure(experiments.create('w', input({ variants: [{ key: 'only', weight: 1 }] })));
    expect(shape.issues[0]?.field).toBe('variants');
    await experiments.create('w', input());
    expect((await failure(experiments.create('w', input()))).code).toBe('conflict');
    expect((await failure(experiments.results('w', 'missing'))).code).toBe('not_found');
  });

  it('keeps layered experiments mutually exclusive and holds out a global control group', async () => {
    await experiments.create('w', input({ key: 'left', layer: { name: 'homepage', start: 0, end: 0.5 } }));
    await experiments.create('w', input({ key: 'right', layer: { name: 'homepage', start: 0.5, end: 1 } }));
    await experiments.create('w', input({ key: 'clash', layer: { name: 'homepage', start: 0.4, end: 0.6 } }));
    await experiments.start('w', 'left');
    await experiments.start('w', 'right');
    const clash = await experiments.start('w', 'clash').catch((error: unknown) => error);
    expect(clash).toBeInstanceOf(RapportError);
    expect(String(clash)).toMatch(/already runs in layer "homepage" on \[0(\.5)?, (0\.5|1)\)/);
    for (let i = 0; i < 100; i++) {
      const assignments = await experiments.assign('w', { anonymousId: `l-${i}` });
      expect(assignments.filter((assignment) => assignment.inExperiment)).toHaveLength(1);
    }

    await experiments.create('w', {
      ...input({ key: 'holdout', kind: 'holdout' }),
      variants: [
        { key: 'held-out', weight: 0.1 },
        { key: 'exposed', weight: 0.9 },
      ],
    });
    await experiments.start('w', 'holdout');
    let held = 0;
    for (let i = 0; i < 300; i++) {
      const assignments = await experiments.assign('w', { anonymousId: `h-${i}`, experiments: ['left', 'right'] });
      if (assignments.every((assignment) => assignment.reason === 'holdout')) held += 1;
    }
    expect(held).toBeGreaterThan(10);
    expect(held).toBeLessThan(60);
    await experiments.create('w', { ...input({ key: 'holdout-2', kind: 'holdout' }) });
    await expect(experiments.start('w', 'holdout-2')).rejects.toThrow(/one global holdout/);
  });
});
