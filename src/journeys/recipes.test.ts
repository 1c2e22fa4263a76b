import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from '../../test/helpers/databases.js';
import { journeyHarness, type JourneyHarness } from '../../test/helpers/journeys.js';
import * as recipes from './recipes.js';
import { pickArm } from './models/advance.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 2, 12, 0); // Monday 2 March 2026, 12:00 UTC
const iso = (ms: number): string => new Date(ms).toISOString();

describe.each(dialects)('recipes end to end on %s', (dialect) => {
  let h: JourneyHarness;
  afterEach(async () => {
    await h.stop();
  });

  async function start(definition: ReturnType<typeof recipes.abandonedCart>): Promise<string> {
    const journey = await h.journeys.service.create('ws1', definition);
    await h.journeys.service.activate('ws1', journey.id);
    await h.settle();
    return journey.id;
  }

  it('abandoned cart: reminder at 1 h, coupon at 24 h, scarcity at 48 h; buying the cart ends it', async () => {
    h = await journeyHarness(dialect, T0);
    const id = await start(recipes.abandonedCart());
    await h.identify('ann', { email: 'ann@example.com' });
    await h.identify('bob', { email: 'bob@example.com' });
    await h.identify('cat', { email: 'cat@example.com' });
    await h.track('ann', 'Product Added', { cart_id: 'c1', product_id: 'p1', price: 20 });
    await h.track('bob', 'Product Added', { cart_id: 'c2', product_id: 'p2', price: 30 });
    await h.track('cat', 'Product Added', { cart_id: 'c3', product_id: 'p2', price: 30 });
    // A second add to the same cart does not start a second run.
    await h.track('ann', 'Product Added', { cart_id: 'c1', product_id: 'p3', price: 5 });
    // Cat keeps shopping: the hour restarts from her last add.
    await h.advance(30 * 60_000);
    await h.track('cat', 'Product Added', { cart_id: 'c3', product_id: 'p4', price: 8 });
    await h.advance(90 * 60_000);
    // Bob buys his cart between the reminder and the coupon.
    await h.track('bob', 'Order Completed', { cart_id: 'c2', order_id: 'o1', revenue: 30 });
    await h.advance(3 * DAY);
    const ann = await h.profileOf('ann');
    const bob = await h.profileOf('bob');
    expect(h.sends(ann)).toEqual([`cart-reminder@${iso(T0 + HOUR)}`, `cart-coupon@${iso(T0 + DAY)}`, `cart-flash-sale@${iso(T0 + 2 * DAY)}`]);
    expect(h.sends(bob)).toEqual([`cart-reminder@${iso(T0 + HOUR)}`]);
    expect(h.sends(await h.profileOf('cat'))[0]).toBe(`cart-reminder@${iso(T0 + 90 * 60_000)}`);
    expect(h.sender.sent.find((request) => request.templateId === 'cart-coupon')?.coupon).toEqual({ poolId: 'cart-10-off' });
    const report = await h.journeys.service.report('ws1', id);
    expect(report).toMatchObject({ entered: 3, completed: 2, inProgress: 0, exited: { goal: 1 }, sent: 7 });
    expect(report.conversions.goal).toEqual({ runs: 1, revenue: 30 });
    expect(report.nodes.find((node) => node.nodeId === 'reminder')).toMatchObject({ reached: 3, sends: { sent: 3 } });
    expect(report.nodes.find((node) => node.nodeId === 'coupon')).toMatchObject({ reached: 2, sends: { sent: 2 } });
  });

  it('browse abandonment: a nudge two hours after a view, unless the customer added to cart', async () => {
    h = await journeyHarness(dialect, T0);
    await start(recipes.browseAbandonment());
    await h.identify('ann', { email: 'ann@example.com' });
    await h.identify('bob', { email: 'bob@example.com' });
    await h.identify('nomail', { name: 'No Mail' });
    await h.track('ann', 'Product Viewed', { product_id: 'p1' });
    await h.track('bob', 'Product Viewed', { product_id: 'p1' });
    await h.track('nomail', 'Product Viewed', { product_id: 'p1' });
    await h.advance(HOUR);
    await h.track('bob', 'Product Added', { product_id: 'p1', cart_id: 'c' });
    await h.advance(5 * HOUR);
    expect(h.sends()).toEqual([`browse-nudge@${iso(T0 + 2 * HOUR)}`]);
    expect(h.sender.sent[0]?.profileId).toBe(await h.profileOf('ann'));
    // Re-entry only after 7 days.
    await h.track('ann', 'Product Viewed', { product_id: 'p2' });
    await h.advance(3 * HOUR);
    expect(h.sends()).toHaveLength(1);
    await h.advance(7 * DAY);
    await h.track('ann', 'Product Viewed', { product_id: 'p3' });
    await h.advance(3 * HOUR);
    expect(h.sends()).toHaveLength(2);
  });

  it('welcome series: held to the send window, adds to the list, incentive only for non-buyers', async () => {
    const late = Date.UTC(2026, 2, 2, 22, 0);
    h = await journeyHarness(dialect, late);
    await start(recipes.welcomeSeries());
    await h.track('ann', 'Email Captured', {}, { context: { traits: { email: 'ann@example.com' } } });
    await h.track('bob', 'Email Captured', {}, { context: { traits: { email: 'bob@example.com' } } });
    await h.advance(12 * HOUR);
    await h.track('bob', 'Order Completed', { order_id: 'o1', revenue: 50 });
    await h.advance(8 * DAY);
    const morning = Date.UTC(2026, 2, 3, 8, 0);
    expect(h.sends(await h.profileOf('ann'))).toEqual([`welcome-1@${iso(morning)}`, `welcome-incentive@${iso(morning + 2 * DAY)}`, `welcome-bestsellers@${iso(morning + 7 * DAY)}`]);
    expect(h.sends(await h.profileOf('bob'))).toEqual([`welcome-1@${iso(morning)}`]);
    const { listMembers } = await import('./store/journeys-activity.js');
    expect((await listMembers(h.store.database.db, 'ws1', 'newsletter')).sort()).toEqual([await h.profileOf('ann'), await h.profileOf('bob')].sort());
  });

  it('birthday: 9 am in each customer’s own time zone, set by the activation scan and by a later identify', async () => {
    h = await journeyHarness(dialect, T0);
    await h.identify('ann', { email: 'ann@example.com', birthday: '1990-03-03', timezone: 'Europe/Paris' });
    await start(recipes.birthday());
    await h.identify('bob', { email: 'bob@example.com', birthday: '1985-03-10', timezone: 'America/New_York' });
    await h.advance(10 * DAY);
    // Paris is UTC+1 in early March; New York is on daylight time (UTC-4) from 8 March 2026.
    expect(h.sends(await h.profileOf('ann'))).toEqual([`birthday@${iso(Date.UTC(2026, 2, 3, 8))}`]);
    expect(h.sends(await h.profileOf('bob'))).toEqual([`birthday@${iso(Date.UTC(2026, 2, 10, 13))}`]);
    expect(h.sender.sent[0]?.coupon).toEqual({ poolId: 'birthday-gift' });
  });

  it('anniversary: a year after the first order', async () => {
    h = await journeyHarness(dialect, T0);
    await h.identify('ann', { email: 'ann@example.com' });
    await h.track('ann', 'Order Completed', { order_id: 'o1', revenue: 10 });
    await start(recipes.anniversary());
    h.clock.set(T0 + 363 * DAY);
    await h.advance(3 * DAY);
    expect(h.sends()).toEqual([`anniversary@${iso(Date.UTC(2027, 2, 2, 10))}`]);
  });

  it('price drop: fans out to who viewed or carted the product, after quiet hours', async () => {
    const evening = Date.UTC(2026, 2, 2, 20, 0);
    h = await journeyHarness(dialect, evening);
    await start(recipes.priceDrop());
    await h.catalog.upsertProducts('ws1', [
      { id: 'p1', name: 'Jacket', price: 100, currency: 'EUR' },
      { id: 'p2', name: 'Hat', price: 20, currency: 'EUR' },
    ]);
    for (const user of ['ann', 'bob', 'carl']) await h.identify(user, { email: `${user}@example.com` });
    await h.track('ann', 'Product Viewed', { product_id: 'p1' });
    await h.track('bob', 'Product Added', { product_id: 'p1', cart_id: 'c' });
    await h.track('carl', 'Product Viewed', { product_id: 'p2' });
    await h.advance(2 * HOUR);
    await h.catalog.upsertProducts('ws1', [{ id: 'p1', name: 'Jacket', price: 80, currency: 'EUR' }]);
    // A 1% drop is below the recipe's 5% threshold.
    await h.catalog.upsertProducts('ws1', [{ id: 'p2', name: 'Hat', price: 19.8, currency: 'EUR' }]);
    await h.advance(DAY);
    const next8 = Date.UTC(2026, 2, 3, 8, 0);
    expect(h.sends(await h.profileOf('ann'))).toEqual([`price-drop@${iso(next8)}`]);
    expect(h.sends(await h.profileOf('bob'))).toEqual([`price-drop@${iso(next8)}`]);
    expect(h.sends(await h.profileOf('carl'))).toEqual([]);
    expect(h.sender.sent[0]?.data?.trigger).toMatchObject({ kind: 'catalog', event: 'Price Dropped', properties: { product_id: 'p1', price: 80, previous_price: 100 } });
  });

  it('back in stock: email on restock, push a day later unless the customer bought', async () => {
    h = await journeyHarness(dialect, T0);
    await start(recipes.backInStock());
    await h.catalog.upsertProducts('ws1', [{ id: 'p1', name: 'Boots', price: 100, inventory: 0 }]);
    for (const user of ['ann', 'bob']) await h.identify(user, { email: `${user}@example.com` });
    await h.track('ann', 'Product Added to Wishlist', { product_id: 'p1' });
    await h.track('bob', 'Product Viewed', { product_id: 'p1' });
    await h.advance(HOUR);
    await h.catalog.upsertProducts('ws1', [{ id: 'p1', name: 'Boots', price: 100, inventory: 5 }]);
    await h.advance(HOUR);
    await h.track('bob', 'Order Completed', { order_id: 'o1', revenue: 100 });
    await h.advance(2 * DAY);
    expect(h.sends(await h.profileOf('ann'))).toEqual([`back-in-stock@${iso(T0 + HOUR)}`, `back-in-stock-push@${iso(T0 + HOUR + DAY)}`]);
    expect(h.sends(await h.profileOf('bob'))).toEqual([`back-in-stock@${iso(T0 + HOUR)}`]);
  });

  it('replenishment: when the product typically runs out, at 10 am', async () => {
    h = await journeyHarness(dialect, T0);
    await start(recipes.replenishment());
    await h.catalog.upsertProducts('ws1', [
      { id: 'coffee', name: 'Coffee 1kg', price: 20, attributes: { repurchase_days: 30 } },
      { id: 'filters', name: 'Filters', price: 5, attributes: { repurchase_days: 90 } },
      { id: 'mug', name: 'Mug', price: 12 },
    ]);
    await h.identify('ann', { email: 'ann@example.com' });
    await h.identify('bob', { email: 'bob@example.com' });
    await h.track('ann', 'Order Completed', { order_id: 'o1', revenue: 25, products: [{ product_id: 'coffee' }, { product_id: 'filters' }] });
    await h.track('bob', 'Order Completed', { order_id: 'o2', revenue: 12, products: [{ product_id: 'mug' }] });
    await h.advance(40 * DAY);
    expect(h.sends()).toEqual([`replenish@${iso(Date.UTC(2026, 3, 2, 10))}`]);
    const report = await h.journeys.service.report('ws1', (await h.journeys.service.list('ws1'))[0]?.id ?? '');
    expect(report.exited).toEqual({ missing_date: 1 });
  });

  it('post-purchase: check-in after 3 days, review after 10, none after a refund', async () => {
    h = await journeyHarness(dialect, T0);
    await start(recipes.postPurchase());
    for (const user of ['ann', 'bob']) await h.identify(user, { email: `${user}@example.com` });
    await h.track('ann', 'Order Completed', { order_id: 'o1', revenue: 40 });
    await h.track('bob', 'Order Completed', { order_id: 'o2', revenue: 40 });
    await h.advance(5 * DAY);
    await h.track('bob', 'Order Refunded', { order_id: 'o2' });
    await h.advance(10 * DAY);
    expect(h.sends(await h.profileOf('ann'))).toEqual([`post-purchase-checkin@${iso(T0 + 3 * DAY)}`, `review-request@${iso(T0 + 10 * DAY)}`]);
    expect(h.sends(await h.profileOf('bob'))).toEqual([`post-purchase-checkin@${iso(T0 + 3 * DAY)}`]);
  });

  it('win-back: the daily audience picks customers lapsed 90+ days; an order is the goal', async () => {
    h = await journeyHarness(dialect, T0);
    for (const user of ['old', 'recent', 'never']) await h.identify(user, { email: `${user}@example.com` });
    await h.track('old', 'Order Completed', { order_id: 'o1', revenue: 10 });
    await h.track('recent', 'Order Completed', { order_id: 'o2', revenue: 10 });
    await start(recipes.winBack({ startAt: iso(Date.UTC(2026, 2, 3, 10)) }));
    h.clock.set(T0 + 60 * DAY);
    await h.track('recent', 'Order Completed', { order_id: 'o3', revenue: 10 });
    await h.advanceTo(Date.UTC(2026, 5, 1, 10));
    // old: last order 2 March 12:00; 31 May 10:00 is 89.9 days later, so the 1 June run finds them.
    const offerAt = Date.UTC(2026, 5, 1, 10);
    expect(h.sends(await h.profileOf('old'))).toEqual([`win-back-offer@${iso(offerAt)}`]);
    await h.advance(2 * DAY);
    await h.track('old', 'Order Completed', { order_id: 'o4', revenue: 60 });
    await h.advance(10 * DAY);
    expect(h.sends(await h.profileOf('old'))).toEqual([`win-back-offer@${iso(offerAt)}`]);
    expect(h.sends(await h.profileOf('recent'))).toEqual([]);
    expect(h.sends(await h.profileOf('never'))).toEqual([]);
    const report = await h.journeys.service.report('ws1', (await h.journeys.service.list('ws1'))[0]?.id ?? '');
    expect(report.exited).toEqual({ goal: 1 });
    expect(report.conversions.goal.revenue).toBe(60);
    expect(report.conversions.order).toEqual({ runs: 1, conversions: 1, revenue: 60 });
  });

  it('re-engagement gift: dormant subscribers get a gift; those still away split A/B for an SMS', async () => {
    h = await journeyHarness(dialect, T0);
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    for (const user of users) await h.identify(user, { email: `${user}@example.com`, phone: '+33612345678' });
    await h.identify('active', { email: 'active@example.com' });
    const definition = recipes.reEngagementGift({ startAt: iso(Date.UTC(2026, 2, 9, 10)) });
    const id = await start(definition);
    h.clock.set(T0 + 59 * DAY);
    await h.track('active', 'Product Viewed', { product_id: 'p' });
    // The Monday run on 4 May (63 days after 2 March) finds everyone but "active".
    await h.advanceTo(Date.UTC(2026, 4, 4, 11));
    // u1 comes back within the 5 days: no SMS whatever its arm.
    await h.track('u1', 'page', {}, { type: 'page', name: 'Home' });
    await h.advanceTo(Date.UTC(2026, 4, 10, 11));
    const gifts = h.sender.sent.filter((request) => request.templateId === 're-engagement-gift');
    expect(gifts).toHaveLength(users.length);
    expect(gifts.every((request) => request.coupon?.poolId === 'gift-card-5')).toBe(true);
    const node = definition.nodes.find((candidate) => candidate.id === 'ab');
    if (node?.type !== 'ab') throw new Error('no ab node');
    const expectedSms = [];
    for (const user of users.slice(1)) {
      const profileId = await h.profileOf(user);
      if (pickArm(node, profileId, id)?.name === 'sms') expectedSms.push(profileId);
    }
    const sms = h.sender.sent.filter((request) => request.channel === 'sms').map((request) => request.profileId);
    expect(sms.sort()).toEqual(expectedSms.sort());
    expect(sms.every((profileId) => h.sender.sent.find((request) => request.channel === 'sms' && request.profileId === profileId)?.source?.variant === 'ab:sms')).toBe(true);
    const report = await h.journeys.service.report('ws1', id);
    expect(report.arms.map((arm) => arm.entered).reduce((a, b) => a + b, 0)).toBe(users.length - 1);
  });

  it('12 days: one message a day for twelve days, each with its own mystery pool', async () => {
    h = await journeyHarness(dialect, T0);
    for (const user of ['ann', 'bob']) await h.identify(user, { email: `${user}@example.com` });
    await h.identify('nomail', { name: 'x' });
    const first = Date.UTC(2026, 2, 3, 9);
    await start(recipes.twelveDays({ startAt: iso(first) }));
    await h.advance(14 * DAY);
    expect(h.sender.sent).toHaveLength(24);
    const ann = await h.profileOf('ann');
    expect(h.sends(ann)).toEqual(Array.from({ length: 12 }, (_, day) => `twelve-days@${iso(first + day * DAY)}`));
    const pools = h.sender.sent.filter((request) => request.profileId === ann).map((request) => [request.coupon?.poolId, request.data?.day]);
    expect(pools).toEqual(Array.from({ length: 12 }, (_, day) => [`mystery-day-${day + 1}`, day + 1]));
  });
});
