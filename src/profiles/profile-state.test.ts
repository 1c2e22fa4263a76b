import { describe, expect, it } from 'vitest';
import type { TrackingMessage } from '../ingest/message.js';
import { applyEvent, deviceTypeOf } from './apply-event.js';
import { emptyState, mergeStates, type ProfileState } from './state.js';
import { classifyTouch, touchPointOf } from './traffic-source.js';
import { normalizeTraits } from './traits.js';
import { profileView } from './view.js';

const T0 = Date.parse('2024-03-01T10:00:00.000Z');
const MIN = 60_000;

let counter = 0;
function msg(fields: Partial<TrackingMessage>, at: number): { timestamp: number; message: TrackingMessage } {
  counter += 1;
  const iso = new Date(at).toISOString();
  return { timestamp: at, message: { type: 'track', messageId: `m${counter}`, anonymousId: 'a1', context: {}, timestamp: iso, receivedAt: iso, ...fields } };
}
const track = (event: string, properties: Record<string, unknown>, at: number, context: Record<string, unknown> = {}) => msg({ type: 'track', event, properties, context }, at);
const page = (at: number, context: Record<string, unknown> = {}) => msg({ type: 'page', properties: {}, context }, at);
const identify = (traits: Record<string, unknown>, at: number) => msg({ type: 'identify', userId: 'u1', traits }, at);

function fold(events: ReturnType<typeof msg>[]): ProfileState {
  return events.reduce((state, event) => applyEvent(state, event), emptyState());
}

describe('traits', () => {
  it('reads a consent map (as the CRM import sends it) into consent, keeping unknown channels out', () => {
    const { traits, consent } = normalizeTraits({ email: 'a@b.co', consent: { email: true, sms: 'unsubscribed', fax: true } });
    expect(consent).toEqual({ email: 'subscribed', sms: 'unsubscribed' });
    expect(traits).toEqual({ email: 'a@b.co' });
  });

  it('normalizes reserved traits and splits consent out', () => {
    const { traits, consent } = normalizeTraits({
      first_name: 'Ann',
      last_name: 'Lee',
      email: ' Ann@Shop.COM ',
      phone: '+1 415 555 2671',
      birthday: '1990-05-17T00:00:00.000Z',
      gender: 'F',
      created_at: 1700000000000,
      address: { city: 'Paris', postal_code: '75001' },
      email_consent: 'unsubscribed',
      smsConsent: true,
      plan: 'gold',
    });
    expect(traits).toEqual({
      firstName: 'Ann',
      lastName: 'Lee',
      email: 'ann@shop.com',
      phone: '+14155552671',
      birthday: '1990-05-17',
      gender: 'female',
      createdAt: '2023-11-14T22:13:20.000Z',
      address: { city: 'Paris', postalCode: '75001' },
      plan: 'gold',
    });
    expect(consent).toEqual({ email: 'unsubscribed', sms: 'subscribed' });
  });

  it('takes the latest value per trait by event time, whatever the arrival order, and fills name', () => {
    const late = identify({ firstName: 'Annie', lastName: 'Lee' }, T0 + 10 * MIN);
    const early = identify({ firstName: 'Ann', plan: 'free' }, T0);
    const view = profileView(fold([late, early]));
    expect(view.traits).toEqual({ firstName: 'Annie', lastName: 'Lee', name: 'Annie Lee', plan: 'free' });
  });

  it('reads context.traits on any event', () => {
    const view = profileView(fold([track('Product Viewed', { product_id: 'p1' }, T0, { traits: { email: 'X@Y.com' } })]));
    expect(view.traits.email).toBe('x@y.com');
  });
});

describe('consent and reachability', () => {
  it('email is opt-out: a valid email is reachable until unsubscribed', () => {
    const state = fold([identify({ email: 'ann@shop.com' }, T0)]);
    expect(profileView(state).reachable).toEqual({ email: true, sms: false, push: false });
    applyEvent(state, track('Unsubscribed', { channel: 'email' }, T0 + MIN));
    const view = profileView(state);
    expect(view.reachable.email).toBe(false);
    expect(view.consent.email).toEqual({ status: 'unsubscribed', at: new Date(T0 + MIN).toISOString(), source: 'Unsubscribed' });
  });

  it('sms needs an E.164 phone and an opt-in; push needs an opt-in', () => {
    const state = fold([identify({ phone: '+44 20 7946 0958', sms_consent: 'subscribed' }, T0), track('Subscribed', { channel: 'push' }, T0 + MIN)]);
    expect(profileView(state).reachable).toEqual({ email: false, sms: true, push: true });
    const national = fold([identify({ phone: '020 7946 0958', sms_consent: true }, T0)]);
    expect(profileView(national).reachable.sms).toBe(false);
  });

  it('keeps Segment consent category preferences, latest per category', () => {
    const state = fold([
      track('Product Viewed', {}, T0 + MIN, { consent: { categoryPreferences: { Advertising: false, Analytics: true } } }),
      track('Product Viewed', {}, T0, { consent: { categoryPreferences: { Advertising: true } } }),
    ]);
    expect(profileView(state).consent.categories).toEqual({ Advertising: false, Analytics: true });
  });
});

describe('e-commerce aggregates', () => {
  const events = [
    track('Product Viewed', { product_id: 'p1', name: 'Shoe', category: 'Shoes' }, T0),
    track('Product Viewed', { product_id: 'p2', name: 'Hat', category: 'Hats' }, T0 + MIN),
    track('Product Viewed', { product_id: 'p1', name: 'Shoe', category: 'Shoes' }, T0 + 2 * MIN),
    track('Product Added', { cart_id: 'c1', product_id: 'p1', name: 'Shoe', category: 'Shoes', price: 50, quantity: 2 }, T0 + 3 * MIN),
    track('Order Completed', { order_id: 'o1', revenue: 100, total: 110, products: [{ product_id: 'p1', price: 50, quantity: 2, category: 'Shoes' }] }, T0 + 4 * MIN),
    track('Order Completed', { order_id: 'o2', total: 30 }, T0 + 60 * MIN),
    track(
      'Order Completed',
      {
        order_id: 'o3',
        products: [
          { product_id: 'p2', price: 10, quantity: 2 },
          { product_id: 'p3', price: 5 },
        ],
      },
      T0 + 61 * MIN,
    ),
    track('Order Refunded', { order_id: 'o2', total: 30 }, T0 + 62 * MIN),
    track('Order Cancelled', { order_id: 'o3' }, T0 + 63 * MIN),
    track('Product Added', { cart_id: 'c2', product_id: 'p2', name: 'Hat', price: 10 }, T0 + 64 * MIN),
    track('Product Added', { cart_id: 'c2', product_id: 'p4', name: 'Sock', price: 3, quantity: 3 }, T0 + 65 * MIN),
    track('Product Removed', { cart_id: 'c2', product_id: 'p4', quantity: 1 }, T0 + 66 * MIN),
  ];

  it('rounds money aggregates to the shop currency: KWD keeps 3 decimals, JPY none, USD 2', () => {
    const orders = [0.1, 0.2, 1234.4555].map((revenue, i) => track('Order Completed', { order_id: `m${i}`, revenue }, T0 + i * MIN));
    expect(profileView(fold(orders), 'KWD').computed).toMatchObject({ revenue: 1234.756, averageOrderValue: 411.585 });
    expect(profileView(fold(orders), 'JPY').computed).toMatchObject({ revenue: 1235, averageOrderValue: 412 });
    expect(profileView(fold(orders)).computed).toMatchObject({ revenue: 1234.76, averageOrderValue: 411.59 });
  });

  it('counts orders, revenue (revenue ?? total ?? products), AOV, refunds and cancellations', () => {
    const { computed } = profileView(fold(events));
    expect(computed.orders).toBe(3);
    expect(computed.revenue).toBe(155);
    expect(computed.averageOrderValue).toBeCloseTo(51.67, 2);
    expect(computed.firstOrderAt).toBe(new Date(T0 + 4 * MIN).toISOString());
    expect(computed.lastOrderAt).toBe(new Date(T0 + 61 * MIN).toISOString());
    expect(computed.refunds).toBe(1);
    expect(computed.refundAmount).toBe(30);
    expect(computed.cancelledOrders).toBe(1);
  });

  it('keeps the open cart: cleared by the order, then rebuilt from adds and removes', () => {
    const { openCart } = profileView(fold(events)).computed;
    expect(openCart).toEqual({
      id: 'c2',
      items: [
        { id: 'p2', qty: 1, price: 10, name: 'Hat', category: null },
        { id: 'p4', qty: 2, price: 3, name: 'Sock', category: null },
      ],
      value: 16,
      lastActivityAt: new Date(T0 + 66 * MIN).toISOString(),
    });
    expect(profileView(fold(events.slice(0, 5))).computed.openCart).toBeNull();
  });

  it('replaces the cart from Cart Viewed and ignores an older order', () => {
    const state = fold([track('Cart Viewed', { cart_id: 'c9', products: [{ product_id: 'x', price: 2, quantity: 4 }] }, T0 + 10 * MIN), track('Order Completed', { order_id: 'old', total: 5 }, T0)]);
    expect(profileView(state).computed.openCart?.value).toBe(8);
  });

  it('lists recently viewed products newest first without duplicates, and top categories', () => {
    const { computed } = profileView(fold(events));
    expect(computed.recentlyViewed.map((item) => item.productId)).toEqual(['p1', 'p2']);
    expect(computed.favoriteCategories).toEqual([
      { category: 'Shoes', count: 4 },
      { category: 'Hats', count: 1 },
    ]);
  });

  it('keeps at most 20 recently viewed products', () => {
    const views = Array.from({ length: 25 }, (_, i) => track('Product Viewed', { product_id: `p${i}` }, T0 + i * 1000));
    const { recentlyViewed } = profileView(fold(views)).computed;
    expect(recentlyViewed).toHaveLength(20);
    expect(recentlyViewed[0]?.productId).toBe('p24');
  });
});

describe('sessions, channels, devices and traffic sources', () => {
  it('starts a session after 30 minutes of inactivity and counts engagement per channel', () => {
    const state = fold([
      page(T0),
      page(T0 + 10 * MIN),
      page(T0 + 41 * MIN),
      msg({ type: 'screen', name: 'Home', context: { app: { name: 'shop' }, device: { type: 'ios' } } }, T0 + 200 * MIN),
      track('Email Opened', {}, T0 + 300 * MIN),
      track('Email Link Clicked', {}, T0 + 301 * MIN),
      track('Email Opened', {}, T0 + 302 * MIN),
    ]);
    const { computed } = profileView(state);
    expect(computed.sessions).toBe(3);
    expect(computed.pageViews).toBe(3);
    expect(computed.screenViews).toBe(1);
    expect(computed.preferredChannel).toBe('email');
    expect(computed.preferredDevice).toBe('mobile');
  });

  it('detects devices from the user agent', () => {
    expect(deviceTypeOf({ userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148' })).toBe('mobile');
    expect(deviceTypeOf({ userAgent: 'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)' })).toBe('tablet');
    expect(deviceTypeOf({ userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120' })).toBe('desktop');
    expect(deviceTypeOf({})).toBeUndefined();
  });

  it('classifies traffic sources', () => {
    expect(classifyTouch('google', 'cpc', null)).toBe('paid');
    expect(classifyTouch('newsletter', 'email', null)).toBe('email');
    expect(classifyTouch('facebook', null, null)).toBe('social');
    expect(classifyTouch(null, null, 'www.google.com')).toBe('organic');
    expect(classifyTouch(null, null, 'l.instagram.com')).toBe('social');
    expect(classifyTouch(null, null, 'blog.example.org')).toBe('referral');
    expect(classifyTouch(null, null, null)).toBe('direct');
    expect(touchPointOf({ page: { url: 'https://shop.com/a', referrer: 'https://shop.com/' } })).toBeUndefined();
    expect(touchPointOf({ page: { url: 'https://shop.com/?utm_source=google&utm_medium=cpc&utm_campaign=spring' } })).toMatchObject({
      kind: 'paid',
      source: 'google',
      campaign: 'spring',
    });
  });

  it('keeps the first touch and the last non-direct touch', () => {
    const state = fold([
      page(T0 + 100 * MIN, { page: { url: 'https://shop.com/?utm_source=news&utm_medium=email' } }),
      page(T0 + 200 * MIN, { page: { url: 'https://shop.com/' } }),
      page(T0, { campaign: { source: 'google', medium: 'cpc', name: 'brand' }, page: { url: 'https://shop.com/' } }),
    ]);
    const { computed } = profileView(state);
    expect(computed.firstTouch).toMatchObject({ kind: 'paid', source: 'google', campaign: 'brand' });
    expect(computed.lastTouch).toMatchObject({ kind: 'email', source: 'news', at: new Date(T0 + 100 * MIN).toISOString() });
  });
});

describe('mergeStates', () => {
  const a = [
    identify({ email: 'ann@shop.com', plan: 'free' }, T0),
    page(T0 + MIN, { page: { url: 'https://shop.com/?utm_source=google&utm_medium=cpc' } }),
    track('Product Added', { product_id: 'p1', price: 5 }, T0 + 2 * MIN),
    track('Order Completed', { total: 20, products: [{ category: 'Hats' }] }, T0 + 3 * MIN),
    track('Product Viewed', { product_id: 'p9', category: 'Hats' }, T0 + 4 * MIN),
  ];
  const b = [
    identify({ plan: 'gold', email_consent: false }, T0 + 5 * MIN),
    track('Product Viewed', { product_id: 'p1', category: 'Shoes' }, T0 + 6 * MIN),
    track('Order Completed', { revenue: 7 }, T0 - 60 * MIN),
    track('Product Added', { product_id: 'p2', price: 1 }, T0 + 7 * MIN),
    track('Email Opened', {}, T0 + 8 * MIN),
  ];

  it('is commutative', () => {
    expect(mergeStates(fold(a), fold(b))).toEqual(mergeStates(fold(b), fold(a)));
    expect(JSON.stringify(mergeStates(fold(a), fold(b)))).toBe(JSON.stringify(mergeStates(fold(b), fold(a))));
  });

  it('sums counters, takes latest traits and min/max times', () => {
    const merged = profileView(mergeStates(fold(a), fold(b)));
    expect(merged.traits).toMatchObject({ plan: 'gold', email: 'ann@shop.com' });
    expect(merged.reachable.email).toBe(false);
    expect(merged.computed.orders).toBe(2);
    expect(merged.computed.revenue).toBe(27);
    expect(merged.computed.firstOrderAt).toBe(new Date(T0 - 60 * MIN).toISOString());
    expect(merged.computed.recentlyViewed.map((item) => item.productId)).toEqual(['p1', 'p9']);
    expect(merged.computed.openCart?.items.map((item) => item.id)).toEqual(['p2']);
    expect(merged.computed.events).toBe(10);
  });

  it('agrees with applying every event to one profile for order-independent fields', () => {
    const together = profileView(fold([...a, ...b]));
    const merged = profileView(mergeStates(fold(a), fold(b)));
    expect(merged.traits).toEqual(together.traits);
    expect(merged.consent).toEqual(together.consent);
    expect({ ...merged.computed, sessions: 0, openCart: null }).toEqual({ ...together.computed, sessions: 0, openCart: null });
  });

  it('has the empty state as identity', () => {
    expect(mergeStates(fold(a), emptyState())).toEqual(mergeStates(emptyState(), fold(a)));
    expect(profileView(mergeStates(fold(a), emptyState()))).toEqual(profileView(fold(a)));
  });
});
