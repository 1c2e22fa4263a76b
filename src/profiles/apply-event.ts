import { isJsonObject, type JsonObject, type TrackingMessage } from '../ingest/index.js';
import { touchPointOf } from './traffic-source.js';
import { normalizeTraits, parseConsent } from './traits.js';
import {
  earlier,
  later,
  maxCartItems,
  maxCategories,
  capCounts,
  maxTime,
  maxViewed,
  mergeViewed,
  minTime,
  sessionGapMs,
  type CartItem,
  type ConsentChannel,
  type DeviceType,
  type EngagementChannel,
  type ProfileState,
} from './state.js';
import { ownValue, setOwn } from '../shared/own.js';

/** What `applyEvent` reads from a log entry (a `LogEntry` fits). */
export interface ProfileEvent {
  /** Event time, ms since the epoch. */
  timestamp: number;
  message: TrackingMessage;
}

export interface ApplyOptions {
  /** Region for phone traits written without `+`. */
  defaultPhoneRegion?: string | undefined;
}

/** Engagement events of owned channels; they are not on-site activity and start no session. */
const engagementEvents: Readonly<Record<string, EngagementChannel>> = {
  'Email Opened': 'email',
  'Email Link Clicked': 'email',
  'SMS Link Clicked': 'sms',
  'Push Notification Opened': 'push',
  'Push Notification Tapped': 'push',
};

function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

function str(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function products(properties: JsonObject): JsonObject[] {
  const list = properties.products;
  return Array.isArray(list) ? list.filter(isJsonObject) : [];
}

function productId(product: JsonObject): string | null {
  return str(product.product_id) ?? str(product.sku) ?? str(product.id);
}

/** Sum of price × quantity (quantity defaults to 1). */
function productsValue(list: readonly JsonObject[]): number | undefined {
  let total = 0;
  let any = false;
  for (const product of list) {
    const price = num(product.price);
    if (price === undefined) continue;
    total += price * (num(product.quantity) ?? 1);
    any = true;
  }
  return any ? total : undefined;
}

function toCartItem(product: JsonObject, qty: number): CartItem | undefined {
  const id = productId(product);
  if (id === null) return undefined;
  return { id, qty, price: num(product.price) ?? null, name: str(product.name), category: str(product.category) };
}

function countCategory(state: ProfileState, category: string | null): void {
  if (category === null) return;
  state.categories[category] = (state.categories[category] ?? 0) + 1;
  if (Object.keys(state.categories).length > maxCategories * 2) state.categories = capCounts(state.categories, maxCategories);
}

/** mobile / tablet / desktop from `context.device.type`, else from the user agent. */
export function deviceTypeOf(context: JsonObject): DeviceType | undefined {
  const device = isJsonObject(context.device) ? context.device : undefined;
  const type = typeof device?.type === 'string' ? device.type.toLowerCase() : '';
  if (type === 'tablet' || type === 'ipad') return 'tablet';
  if (['mobile', 'phone', 'ios', 'android', 'smartphone'].includes(type)) return 'mobile';
  if (['desktop', 'computer', 'pc', 'mac', 'windows', 'linux'].includes(type)) return 'desktop';
  const agent = typeof context.userAgent === 'string' ? context.userAgent : undefined;
  if (agent === undefined) return undefined;
  if (/iPad|Tablet|PlayBook|Silk|Android(?!.*Mobile)/i.test(agent)) return 'tablet';
  if (/Mobi|iPhone|iPod|Android|Windows Phone/i.test(agent)) return 'mobile';
  return 'desktop';
}

function setConsent(state: ProfileState, channel: ConsentChannel, status: 'subscribed' | 'unsubscribed', t: number, source: string): void {
  const next = { status, t, source };
  const current = state.consent[channel];
  state.consent[channel] = current === undefined ? next : later({ v: current, t: current.t }, { v: next, t }).v;
}

function applyTraits(state: ProfileState, raw: JsonObject, t: number, options: ApplyOptions): void {
  const { traits, consent } = normalizeTraits(raw, options.defaultPhoneRegion);
  for (const [key, v] of Object.entries(traits)) {
    const current = ownValue(state.traits, key);
    setOwn(state.traits, key, current === undefined ? { v, t } : later(current, { v, t }));
  }
  for (const [channel, status] of Object.entries(consent)) {
    if (channel === 'email' || channel === 'sms' || channel === 'push') setConsent(state, channel, status, t, 'traits');
  }
}

function applyCategoryPreferences(state: ProfileState, context: JsonObject, t: number): void {
  const consent = isJsonObject(context.consent) ? context.consent : undefined;
  const preferences = isJsonObject(consent?.categoryPreferences) ? consent.categoryPreferences : undefined;
  if (preferences === undefined) return;
  for (const [category, allowed] of Object.entries(preferences)) {
    if (typeof allowed !== 'boolean') continue;
    const current = state.categoryPreferences[category];
    state.categoryPreferences[category] = current === undefined ? { v: allowed, t } : later(current, { v: allowed, t });
  }
}

function consentChannelOf(value: unknown): ConsentChannel | undefined {
  if (typeof value !== 'string') return undefined;
  const channel = value.trim().toLowerCase();
  if (channel === 'email' || channel === 'e-mail') return 'email';
  if (channel === 'sms' || channel === 'text' || channel === 'mobile') return 'sms';
  if (channel === 'push' || channel === 'web_push' || channel === 'webpush' || channel === 'web-push') return 'push';
  return undefined;
}

function applyActivity(state: ProfileState, message: TrackingMessage, t: number): void {
  const startsSession = state.activeAt === null || t - state.activeAt > sessionGapMs;
  state.activeAt = maxTime(state.activeAt, t);
  const touch = touchPointOf(message.context);
  if (touch !== undefined && (touch.kind !== 'direct' || startsSession)) {
    const stamped = { v: touch, t };
    state.firstTouch = state.firstTouch === null ? stamped : earlier(state.firstTouch, stamped);
    if (touch.kind !== 'direct') state.lastTouch = state.lastTouch === null ? stamped : later(state.lastTouch, stamped);
  }
  if (!startsSession) return;
  state.sessions += 1;
  const channel: EngagementChannel = message.type === 'screen' || isJsonObject(message.context.app) ? 'app' : 'web';
  state.engagement[channel] = (state.engagement[channel] ?? 0) + 1;
  const device = deviceTypeOf(message.context);
  if (device !== undefined) state.devices[device] = (state.devices[device] ?? 0) + 1;
}

function applyCommerce(state: ProfileState, event: string, properties: JsonObject, t: number): void {
  switch (event) {
    case 'Product Viewed': {
      const id = productId(properties);
      if (id !== null) {
        const newest = state.viewed[0];
        // The usual case, a view newer than every earlier one, needs no full merge.
        if (newest === undefined || t > newest.t) {
          state.viewed = [{ id, t, name: str(properties.name) }, ...state.viewed.filter((item) => item.id !== id)].slice(0, maxViewed);
        } else {
          state.viewed = mergeViewed([{ id, t, name: str(properties.name) }], state.viewed);
        }
      }
      countCategory(state, str(properties.category));
      return;
    }
    case 'Product Added': {
      const item = toCartItem(properties, num(properties.quantity) ?? 1);
      countCategory(state, str(properties.category));
      if (item === undefined) return;
      const cart = state.cart ?? { id: null, items: [], t };
      const existing = cart.items.find((entry) => entry.id === item.id);
      if (existing !== undefined) {
        existing.qty += item.qty;
        existing.price = item.price ?? existing.price;
        existing.name = item.name ?? existing.name;
        existing.category = item.category ?? existing.category;
      } else if (cart.items.length < maxCartItems) {
        cart.items.push(item);
      }
      state.cart = { id: str(properties.cart_id) ?? cart.id, items: cart.items, t: Math.max(cart.t, t) };
      return;
    }
    case 'Product Removed': {
      const id = productId(properties);
      if (state.cart === null || id === null) return;
      const qty = num(properties.quantity) ?? Number.POSITIVE_INFINITY;
      const items = state.cart.items.map((entry) => (entry.id === id ? { ...entry, qty: entry.qty - qty } : entry)).filter((entry) => entry.qty > 0);
      state.cart = { id: str(properties.cart_id) ?? state.cart.id, items, t: Math.max(state.cart.t, t) };
      return;
    }
    case 'Cart Viewed': {
      const list = products(properties);
      // A view is a snapshot of the cart; an older snapshot than what we know is ignored.
      if (list.length === 0 || (state.cart !== null && state.cart.t > t)) return;
      const items: CartItem[] = [];
      for (const product of list.slice(0, maxCartItems)) {
        const item = toCartItem(product, num(product.quantity) ?? 1);
        if (item !== undefined) items.push(item);
      }
      state.cart = { id: str(properties.cart_id) ?? state.cart?.id ?? null, items, t };
      return;
    }
    case 'Order Completed': {
      const list = products(properties);
      state.orders += 1;
      state.revenue += num(properties.revenue) ?? num(properties.total) ?? productsValue(list) ?? 0;
      state.firstOrderAt = minTime(state.firstOrderAt, t);
      state.lastOrderAt = maxTime(state.lastOrderAt, t);
      for (const product of list) countCategory(state, str(product.category));
      // An order completed before the latest cart activity belongs to an older cart.
      if (state.cart !== null && t >= state.cart.t) state.cart = { id: null, items: [], t };
      return;
    }
    case 'Order Refunded':
      state.refunds += 1;
      state.refundAmount += num(properties.total) ?? num(properties.revenue) ?? productsValue(products(properties)) ?? 0;
      return;
    case 'Order Cancelled':
      state.cancellations += 1;
      return;
    default:
      return;
  }
}

/**
 * Folds one event into a profile state. For speed (the processor applies tens of thousands of
 * events per second) it updates `state` in place and returns it; callers that need the old
 * value pass a copy (`structuredClone`).
 * @example const state = applyEvent(emptyState(), { timestamp: Date.parse(msg.timestamp), message: msg });
 */
export function applyEvent(state: ProfileState, event: ProfileEvent, options: ApplyOptions = {}): ProfileState {
  const { message } = event;
  const t = event.timestamp;
  state.events += 1;
  state.firstSeen = minTime(state.firstSeen, t);
  state.lastSeen = maxTime(state.lastSeen, t);

  if (isJsonObject(message.context.traits)) applyTraits(state, message.context.traits, t, options);
  if (message.type === 'identify' && isJsonObject(message.traits)) applyTraits(state, message.traits, t, options);
  applyCategoryPreferences(state, message.context, t);

  const properties = isJsonObject(message.properties) ? message.properties : {};
  switch (message.type) {
    case 'page':
      state.pageViews += 1;
      applyActivity(state, message, t);
      return state;
    case 'screen':
      state.screenViews += 1;
      applyActivity(state, message, t);
      return state;
    case 'track': {
      const name = message.event ?? '';
      const engagement = ownValue(engagementEvents, name);
      if (engagement !== undefined) {
        state.engagement[engagement] = (state.engagement[engagement] ?? 0) + 1;
        return state;
      }
      if (name === 'Subscribed' || name === 'Unsubscribed') {
        const channel = consentChannelOf(properties.channel);
        const status = parseConsent(name.toLowerCase());
        if (channel !== undefined && status !== undefined) setConsent(state, channel, status, t, name);
      }
      applyActivity(state, message, t);
      applyCommerce(state, name, properties, t);
      return state;
    }
    case 'identify':
    case 'group':
    case 'alias':
      return state;
  }
}
