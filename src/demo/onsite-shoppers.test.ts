import { describe, expect, it } from 'vitest';
import type { DemoMessage } from './generator.js';
import { armOf, withOnsite, type DemoCampaign } from './onsite-shoppers.js';
import { Random } from './random.js';

const campaign: DemoCampaign = {
  id: 'osc_1',
  type: 'floating_icon',
  salt: 'osc_1',
  holdout: 0.1,
  trigger: 'page_load',
  variants: [
    { key: 'a', weight: 1 },
    { key: 'b', weight: 1 },
  ],
};
const session = (i: number): DemoMessage[] => [
  { type: 'page', messageId: `m${i}`, anonymousId: `anon-${i}`, timestamp: '2026-11-02T10:00:00.000Z', name: 'Home' },
  { type: 'track', messageId: `o${i}`, anonymousId: `anon-${i}`, timestamp: '2026-11-02T10:05:00.000Z', event: 'Order Completed', properties: { revenue: 10 } },
];

describe('demo shoppers on on-site campaigns', () => {
  it('assign like the SDK: sticky per visitor, the holdout share held out', () => {
    const arms = Array.from({ length: 4000 }, (_, i) => armOf(campaign, `anon-${i}`));
    expect(armOf(campaign, 'anon-7')).toBe(arms[7]);
    const holdout = arms.filter((arm) => arm === undefined).length / arms.length;
    expect(holdout).toBeGreaterThan(0.08);
    expect(holdout).toBeLessThan(0.12);
    expect(arms.filter((arm) => arm === 'a').length).toBeGreaterThan(1600);
  });

  it('log one exposure per session and convert the holdout less by the seed uplift', () => {
    const random = new Random(7);
    let shown = 0;
    let shownOrders = 0;
    let held = 0;
    let heldOrders = 0;
    for (let i = 0; i < 6000; i++) {
      const messages = withOnsite(session(i), [campaign], random);
      const viewed = messages.filter((message) => message.event === 'Experience Viewed');
      expect(viewed).toHaveLength(1);
      const orders = messages.filter((message) => message.event === 'Order Completed').length;
      if (viewed[0]?.properties?.holdout === true) {
        held++;
        heldOrders += orders;
      } else {
        shown++;
        shownOrders += orders;
      }
    }
    expect(shownOrders / shown).toBe(1);
    // Floating icon: +58% in the seed, so the holdout keeps 1 / 1.58 ≈ 63% of its orders.
    expect(heldOrders / held).toBeGreaterThan(0.55);
    expect(heldOrders / held).toBeLessThan(0.72);
  });
});
