import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChannelShop, type ChannelShop } from '../../test/helpers/channel-shop.js';
import { dialects, openOtherProcess } from '../../test/helpers/databases.js';
import { manualClock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { CouponService } from './coupon-service.js';

describe.each(dialects)('CouponService (%s)', (dialect) => {
  let shop: ChannelShop;
  const clock = manualClock(Date.parse('2025-06-01T12:00:00Z'));

  beforeEach(async () => {
    shop = await createChannelShop(dialect, { clock, providers: {}, uniform: () => 0.9 });
  });
  afterEach(async () => shop.close());

  it('hands out uploaded codes once each, then says the pool is empty', async () => {
    const pool = await shop.coupons.createPool('ws', { name: 'Uploaded', mode: 'uploaded', rule: { kind: 'fixed', offer: { type: 'fixed', value: 10, currency: 'EUR' } } });
    expect(await shop.coupons.uploadCodes('ws', pool.id, ['A1', ' A2 ', 'A1', ''])).toEqual({ added: 2, skipped: [] });
    expect(await shop.coupons.uploadCodes('ws', pool.id, ['A2', 'A3'])).toEqual({ added: 1, skipped: ['A2'] });
    const first = await shop.coupons.issue('ws', pool.id, { profileId: 'p1', messageId: 'm1', scores: {} });
    const again = await shop.coupons.issue('ws', pool.id, { profileId: 'p1', messageId: 'm1', scores: {} });
    expect(again.code).toBe(first.code);
    const codes = [
      first.code,
      (await shop.coupons.issue('ws', pool.id, { profileId: 'p2', messageId: 'm2', scores: {} })).code,
      (await shop.coupons.issue('ws', pool.id, { profileId: 'p3', messageId: null, scores: {} })).code,
    ];
    expect(new Set(codes)).toEqual(new Set(['A1', 'A2', 'A3']));
    expect(first.description).toBe('€10.00 off');
    await expect(shop.coupons.issue('ws', pool.id, { profileId: 'p4', messageId: 'm4', scores: {} })).rejects.toThrow(/no unissued codes left; upload more/);
  });

  it('chooses the offer by tier and by weighted draw, and expires codes', async () => {
    const tiers = await shop.coupons.createPool('ws', {
      name: 'VIP',
      prefix: 'VIP-',
      rule: { kind: 'tiers', tiers: [{ score: 'predicted_clv', min: 300, offer: { type: 'percent', value: 20 } }], fallback: { type: 'percent', value: 5 } },
      expiresAfterDays: 14,
    });
    const rich = await shop.coupons.issue('ws', tiers.id, { profileId: 'p1', messageId: 'a', scores: { predicted_clv: 450 } });
    const modest = await shop.coupons.issue('ws', tiers.id, { profileId: 'p2', messageId: 'b', scores: { predicted_clv: 40 } });
    expect([rich.offer, modest.offer]).toEqual([
      { type: 'percent', value: 20 },
      { type: 'percent', value: 5 },
    ]);
    expect(rich.expiresAt).toBe('2025-06-15T12:00:00.000Z');
    const mystery = await shop.coupons.createPool('ws', {
      name: 'Mystery',
      rule: {
        kind: 'mystery',
        draws: [
          { weight: 1, offer: { type: 'percent', value: 15 } },
          { weight: 1, offer: { type: 'percent', value: 30 } },
        ],
      },
    });
    expect((await shop.coupons.issue('ws', mystery.id, { profileId: 'p1', messageId: 'c', scores: {} })).offer).toEqual({ type: 'percent', value: 30 });
    expect(await shop.coupons.check('ws', rich.code)).toMatchObject({ valid: true });
    clock.advance(15 * 86_400_000);
    expect(await shop.coupons.check('ws', rich.code)).toEqual({ valid: false, reason: 'expired' });
    expect(await shop.coupons.check('ws', 'NOPE')).toEqual({ valid: false, reason: 'unknown' });
  });

  it('rejects a malformed rule with the path of the problem', async () => {
    const bad = shop.coupons.createPool('ws', { name: 'Bad', rule: { kind: 'fixed', offer: { type: 'percent', value: 150 } } } as never);
    await expect(bad).rejects.toBeInstanceOf(RapportError);
    await expect(bad).rejects.toThrow(/^rule\/offer/);
  });

  it('tracks redemption from Coupon Applied and Order Completed, and reports issued vs redeemed vs revenue', async () => {
    const pool = await shop.coupons.createPool('ws', { name: 'Cart', prefix: 'CART-', rule: { kind: 'fixed', offer: { type: 'percent', value: 10 } } });
    const codes = [];
    for (const profile of ['a', 'b', 'c']) codes.push((await shop.coupons.issue('ws', pool.id, { profileId: profile, messageId: `m-${profile}`, scores: {} })).code);
    await shop.track([
      { type: 'track', userId: 'a', event: 'Coupon Applied', properties: { order_id: 'o1', coupon_id: codes[0] } },
      { type: 'track', userId: 'a', event: 'Order Completed', properties: { order_id: 'o1', revenue: 120.5, coupon: codes[0] } },
      { type: 'track', userId: 'b', event: 'Order Completed', properties: { order_id: 'o2', total: 80, coupon: codes[1] } },
      { type: 'track', userId: 'b', event: 'Order Completed', properties: { order_id: 'o3', revenue: 999, coupon: 'SOMEONE-ELSES' } },
    ]);
    expect(await shop.coupons.followRedemptions(1)).toBe(2);
    expect(await shop.coupons.followRedemptions()).toBe(0);
    expect(await shop.coupons.report('ws')).toEqual([{ poolId: pool.id, name: 'Cart', codes: 3, issued: 3, redeemed: 2, redemptionRate: 2 / 3, revenue: 200.5 }]);
    expect(await shop.coupons.check('ws', codes[0] ?? '')).toEqual({ valid: false, reason: 'redeemed' });
  });

  it('two processes following redemptions at once record each redemption once', async () => {
    const pool = await shop.coupons.createPool('ws', { name: 'Cart', prefix: 'CART-', rule: { kind: 'fixed', offer: { type: 'percent', value: 10 } } });
    const profiles = Array.from({ length: 30 }, (_, index) => `p${index}`);
    const codes: string[] = [];
    for (const profile of profiles) codes.push((await shop.coupons.issue('ws', pool.id, { profileId: profile, messageId: `m-${profile}`, scores: {} })).code);
    await shop.track(codes.map((code, index) => ({ type: 'track', userId: `p${index}`, event: 'Order Completed', properties: { order_id: `o${index}`, revenue: 10, coupon: code } })));
    // The second server: its own connections to the same store, its own follower.
    const database = await openOtherProcess(shop.store);
    try {
      const other = new CouponService({ database, clock });
      // One pass each (a service counts the redemptions of all its passes together).
      const counts = await Promise.all([shop.coupons.followRedemptions(5), other.followRedemptions(5)]);
      expect(counts.reduce((sum, count) => sum + count, 0)).toBe(codes.length);
      expect((await shop.coupons.report('ws'))[0]).toMatchObject({ redeemed: codes.length, revenue: 10 * codes.length });
    } finally {
      await database.close();
    }
  });
});
