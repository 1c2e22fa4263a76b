import { normalizeEmail } from '../identity/index.js';
import { roundMoney } from '../shared/money.js';
import { deviceTypes, engagementChannels, type CartItem, type ConsentChannel, type DeviceType, type EngagementChannel, type ProfileState, type TouchPoint } from './state.js';
import { setOwn } from '../shared/own.js';

export interface ChannelConsent {
  status: 'subscribed' | 'unsubscribed' | 'unknown';
  /** ISO time of the last change; null when unknown. */
  at: string | null;
  source: string | null;
}

export interface ProfileConsent {
  email: ChannelConsent;
  sms: ChannelConsent;
  push: ChannelConsent;
  /** Segment consent categories (`context.consent.categoryPreferences`). */
  categories: Record<string, boolean>;
}

export interface Reachability {
  /** A valid email and not unsubscribed (email is opt-out). */
  email: boolean;
  /** An E.164 phone and an explicit SMS opt-in. */
  sms: boolean;
  /** An explicit push opt-in. */
  push: boolean;
}

export interface OpenCart {
  id: string | null;
  items: CartItem[];
  value: number;
  lastActivityAt: string;
}

export interface TrafficSource extends TouchPoint {
  at: string;
}

export interface ComputedTraits {
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  events: number;
  sessions: number;
  pageViews: number;
  screenViews: number;
  orders: number;
  revenue: number;
  averageOrderValue: number | null;
  firstOrderAt: string | null;
  lastOrderAt: string | null;
  refunds: number;
  refundAmount: number;
  cancelledOrders: number;
  /** Null when there is no cart or it is empty. */
  openCart: OpenCart | null;
  recentlyViewed: { productId: string; name: string | null; at: string }[];
  /** Top five, most engaged first. */
  favoriteCategories: { category: string; count: number }[];
  preferredChannel: EngagementChannel | null;
  preferredDevice: DeviceType | null;
  firstTouch: TrafficSource | null;
  lastTouch: TrafficSource | null;
}

/** The read model of a profile state (no storage types, times as ISO strings). */
export interface ProfileView {
  traits: Record<string, unknown>;
  consent: ProfileConsent;
  reachable: Reachability;
  computed: ComputedTraits;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

/** Current trait values; `name` is filled from first and last name when absent. Null values are cleared traits. */
export function currentTraits(state: ProfileState): Record<string, unknown> {
  const traits: Record<string, unknown> = {};
  for (const key of Object.keys(state.traits).sort()) {
    const value = state.traits[key]?.v;
    if (value !== null && value !== undefined) setOwn(traits, key, value);
  }
  if (traits.name === undefined) {
    const parts = [traits.firstName, traits.lastName].filter((part): part is string => typeof part === 'string' && part.trim() !== '');
    if (parts.length > 0) traits.name = parts.join(' ');
  }
  return traits;
}

/** The key with the highest count (the first on ties), or null when every count is zero. */
export function argmax<K extends string>(keys: readonly K[], counts: Partial<Record<K, number>>): K | null {
  let best: K | null = null;
  let bestCount = 0;
  for (const key of keys) {
    const count = counts[key] ?? 0;
    if (count > bestCount) {
      best = key;
      bestCount = count;
    }
  }
  return best;
}

function consentOf(state: ProfileState, channel: ConsentChannel): ChannelConsent {
  const entry = state.consent[channel];
  return entry === undefined ? { status: 'unknown', at: null, source: null } : { status: entry.status, at: iso(entry.t), source: entry.source };
}

/**
 * Derives what the API shows from a stored state: traits, consent, reachability and computed
 * aggregates (average order value, open cart value, top categories, preferred channel...).
 * @example const { reachable, computed } = profileView(state);
 */
export function profileView(state: ProfileState, currency = 'USD'): ProfileView {
  const money = (value: number): number => roundMoney(value, currency);
  const traits = currentTraits(state);
  const consent: ProfileConsent = {
    email: consentOf(state, 'email'),
    sms: consentOf(state, 'sms'),
    push: consentOf(state, 'push'),
    categories: Object.fromEntries(Object.entries(state.categoryPreferences).map(([key, value]) => [key, value.v])),
  };
  const email = typeof traits.email === 'string' ? normalizeEmail(traits.email) : undefined;
  const phone = typeof traits.phone === 'string' && /^\+[1-9]\d{6,14}$/.test(traits.phone);
  const reachable: Reachability = {
    email: email !== undefined && consent.email.status !== 'unsubscribed',
    sms: phone && consent.sms.status === 'subscribed',
    push: consent.push.status === 'subscribed',
  };
  const cart = state.cart;
  const openCart =
    cart === null || cart.items.length === 0
      ? null
      : {
          id: cart.id,
          items: cart.items.map((item) => ({ ...item })),
          value: money(cart.items.reduce((sum, item) => sum + (item.price ?? 0) * item.qty, 0)),
          lastActivityAt: new Date(cart.t).toISOString(),
        };
  const touch = (stamped: ProfileState['firstTouch']): TrafficSource | null => (stamped === null ? null : { ...stamped.v, at: new Date(stamped.t).toISOString() });
  const computed: ComputedTraits = {
    firstSeenAt: iso(state.firstSeen),
    lastSeenAt: iso(state.lastSeen),
    events: state.events,
    sessions: state.sessions,
    pageViews: state.pageViews,
    screenViews: state.screenViews,
    orders: state.orders,
    revenue: money(state.revenue),
    averageOrderValue: state.orders === 0 ? null : money(state.revenue / state.orders),
    firstOrderAt: iso(state.firstOrderAt),
    lastOrderAt: iso(state.lastOrderAt),
    refunds: state.refunds,
    refundAmount: money(state.refundAmount),
    cancelledOrders: state.cancellations,
    openCart,
    recentlyViewed: state.viewed.map((item) => ({ productId: item.id, name: item.name, at: new Date(item.t).toISOString() })),
    favoriteCategories: Object.entries(state.categories)
      .sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : 1))
      .slice(0, 5)
      .map(([category, count]) => ({ category, count })),
    preferredChannel: argmax(engagementChannels, state.engagement),
    preferredDevice: argmax(deviceTypes, state.devices),
    firstTouch: touch(state.firstTouch),
    lastTouch: touch(state.lastTouch ?? state.firstTouch),
  };
  return { traits, consent, reachable, computed };
}
