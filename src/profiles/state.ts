/*
 * The unified profile state: one compact JSON document per profile, updated event by event and
 * merged when two profiles turn out to be one person. Every field is built so that the result
 * does not depend on the order events arrive across partitions: values carry their event time
 * and the later one wins (ties broken by content), counters add up, first/last take min/max.
 * `mergeStates` is therefore commutative.
 */

import { consentChannels, engagementChannels, type ConsentChannel, type EngagementChannel } from '../shared/channel.js';
import { ownValue, setOwn } from '../shared/own.js';

/** A value with the event time that set it. */
export interface Stamped<T> {
  v: T;
  t: number;
}

export type { ConsentChannel } from '../shared/channel.js';

export interface ConsentEntry {
  status: 'subscribed' | 'unsubscribed';
  /** Event time of the change. */
  t: number;
  /** Where it came from: `traits` or the event name (`Subscribed`, `Unsubscribed`). */
  source: string;
}

export interface CartItem {
  id: string;
  qty: number;
  price: number | null;
  name: string | null;
  category: string | null;
}

export interface CartState {
  id: string | null;
  items: CartItem[];
  /** Time of the last cart activity (add, remove, view, or the order that emptied it). */
  t: number;
}

export interface ViewedProduct {
  id: string;
  t: number;
  name: string | null;
}

export type TouchKind = 'organic' | 'paid' | 'email' | 'social' | 'direct' | 'referral';

export interface TouchPoint {
  kind: TouchKind;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  term: string | null;
  content: string | null;
  referrer: string | null;
}

export { type EngagementChannel, engagementChannels } from '../shared/channel.js';

export type DeviceType = 'mobile' | 'tablet' | 'desktop';
export const deviceTypes: readonly DeviceType[] = ['mobile', 'desktop', 'tablet'];

export interface ProfileState {
  v: 1;
  traits: Record<string, Stamped<unknown>>;
  consent: Partial<Record<ConsentChannel, ConsentEntry>>;
  /** Segment `context.consent.categoryPreferences`, per category. */
  categoryPreferences: Record<string, Stamped<boolean>>;
  firstSeen: number | null;
  lastSeen: number | null;
  events: number;
  pageViews: number;
  screenViews: number;
  sessions: number;
  /** Time of the latest on-site/in-app activity: a gap of 30 minutes after it starts a session. */
  activeAt: number | null;
  orders: number;
  revenue: number;
  firstOrderAt: number | null;
  lastOrderAt: number | null;
  refunds: number;
  refundAmount: number;
  cancellations: number;
  cart: CartState | null;
  /** Newest first, deduplicated by product id, at most `maxViewed`. */
  viewed: ViewedProduct[];
  /** Interest counts from views, adds and purchases, at most `maxCategories` entries. */
  categories: Record<string, number>;
  engagement: Partial<Record<EngagementChannel, number>>;
  /** Sessions per device type. */
  devices: Partial<Record<DeviceType, number>>;
  firstTouch: Stamped<TouchPoint> | null;
  /** The latest touch that was not direct. */
  lastTouch: Stamped<TouchPoint> | null;
}

export const maxViewed = 20;
export const maxCategories = 50;
export const maxCartItems = 100;
export const sessionGapMs = 30 * 60 * 1000;

export function emptyState(): ProfileState {
  return {
    v: 1,
    traits: {},
    consent: {},
    categoryPreferences: {},
    firstSeen: null,
    lastSeen: null,
    events: 0,
    pageViews: 0,
    screenViews: 0,
    sessions: 0,
    activeAt: null,
    orders: 0,
    revenue: 0,
    firstOrderAt: null,
    lastOrderAt: null,
    refunds: 0,
    refundAmount: 0,
    cancellations: 0,
    cart: null,
    viewed: [],
    categories: {},
    engagement: {},
    devices: {},
    firstTouch: null,
    lastTouch: null,
  };
}

/** Total order on JSON values, used only to break ties between equal times deterministically. */
function compareContent(a: unknown, b: unknown): number {
  const left = JSON.stringify(a) ?? '';
  const right = JSON.stringify(b) ?? '';
  return left < right ? -1 : left > right ? 1 : 0;
}

/** The later of two stamped values; equal times pick by content so either order gives one answer. */
export function later<T>(a: Stamped<T>, b: Stamped<T>): Stamped<T> {
  if (a.t !== b.t) return a.t > b.t ? a : b;
  return compareContent(a.v, b.v) >= 0 ? a : b;
}

export function earlier<T>(a: Stamped<T>, b: Stamped<T>): Stamped<T> {
  if (a.t !== b.t) return a.t < b.t ? a : b;
  return compareContent(a.v, b.v) <= 0 ? a : b;
}

export function minTime(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

export function maxTime(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

function laterOrNull<T>(a: Stamped<T> | null, b: Stamped<T> | null): Stamped<T> | null {
  if (a === null) return b;
  if (b === null) return a;
  return later(a, b);
}

function earlierOrNull<T>(a: Stamped<T> | null, b: Stamped<T> | null): Stamped<T> | null {
  if (a === null) return b;
  if (b === null) return a;
  return earlier(a, b);
}

function mergeStampedRecords<T>(a: Record<string, Stamped<T>>, b: Record<string, Stamped<T>>): Record<string, Stamped<T>> {
  const result: Record<string, Stamped<T>> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = ownValue(result, key);
    setOwn(result, key, existing === undefined ? value : later(existing, value));
  }
  return sortKeys(result);
}

function sumRecords(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const result: Record<string, number> = { ...a };
  for (const [key, value] of Object.entries(b)) setOwn(result, key, (ownValue(result, key) ?? 0) + value);
  return sortKeys(result);
}

/** Adds counters of a fixed key set, keeping that set's order. */
function sumKnown<K extends string>(keys: readonly K[], a: Partial<Record<K, number>>, b: Partial<Record<K, number>>): Partial<Record<K, number>> {
  const result: Partial<Record<K, number>> = {};
  for (const key of keys) {
    const sum = (a[key] ?? 0) + (b[key] ?? 0);
    if (sum !== 0) result[key] = sum;
  }
  return result;
}

/** Same entries in sorted key order, so equal states serialize to equal JSON. */
export function sortKeys<V>(record: Record<string, V>): Record<string, V> {
  const sorted: Record<string, V> = {};
  for (const key of Object.keys(record).sort()) {
    const value = record[key];
    if (value !== undefined) setOwn(sorted, key, value);
  }
  return sorted;
}

/** Keeps the `limit` largest counts (ties by name), so merging capped maps stays order-independent. */
export function capCounts(counts: Record<string, number>, limit: number): Record<string, number> {
  const entries = Object.entries(counts);
  if (entries.length <= limit) return sortKeys(counts);
  entries.sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : ka > kb ? 1 : 0));
  return sortKeys(Object.fromEntries(entries.slice(0, limit)));
}

/** Union of two newest-first lists, one entry per product (its latest view), newest first. */
export function mergeViewed(a: readonly ViewedProduct[], b: readonly ViewedProduct[]): ViewedProduct[] {
  const byId = new Map<string, ViewedProduct>();
  for (const item of [...a, ...b]) {
    const existing = byId.get(item.id);
    if (existing === undefined) byId.set(item.id, item);
    else byId.set(item.id, later({ v: existing, t: existing.t }, { v: item, t: item.t }).v);
  }
  return [...byId.values()].sort((x, y) => y.t - x.t || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)).slice(0, maxViewed);
}

function mergeConsent(a: Partial<Record<ConsentChannel, ConsentEntry>>, b: Partial<Record<ConsentChannel, ConsentEntry>>): Partial<Record<ConsentChannel, ConsentEntry>> {
  const result: Partial<Record<ConsentChannel, ConsentEntry>> = {};
  for (const channel of consentChannels) {
    const x = a[channel];
    const y = b[channel];
    const pick = x === undefined ? y : y === undefined ? x : later({ v: x, t: x.t }, { v: y, t: y.t }).v;
    if (pick !== undefined) result[channel] = pick;
  }
  return result;
}

/**
 * The state of one person seen as two profiles. Commutative: `mergeStates(a, b)` equals
 * `mergeStates(b, a)`. Sessions add up, so two overlapping sessions on two devices count twice.
 * The open cart is the more recently active one.
 * @example const survivor = mergeStates(winnerState, loserState);
 */
export function mergeStates(a: ProfileState, b: ProfileState): ProfileState {
  const chosen = a.cart === null ? b.cart : b.cart === null ? a.cart : later({ v: a.cart, t: a.cart.t }, { v: b.cart, t: b.cart.t }).v;
  // A copy: applyEvent updates cart items in place, and the inputs must stay as they were.
  const cart = chosen === null ? null : { ...chosen, items: chosen.items.map((item) => ({ ...item })) };
  return {
    v: 1,
    traits: mergeStampedRecords(a.traits, b.traits),
    consent: mergeConsent(a.consent, b.consent),
    categoryPreferences: mergeStampedRecords(a.categoryPreferences, b.categoryPreferences),
    firstSeen: minTime(a.firstSeen, b.firstSeen),
    lastSeen: maxTime(a.lastSeen, b.lastSeen),
    events: a.events + b.events,
    pageViews: a.pageViews + b.pageViews,
    screenViews: a.screenViews + b.screenViews,
    sessions: a.sessions + b.sessions,
    activeAt: maxTime(a.activeAt, b.activeAt),
    orders: a.orders + b.orders,
    revenue: a.revenue + b.revenue,
    firstOrderAt: minTime(a.firstOrderAt, b.firstOrderAt),
    lastOrderAt: maxTime(a.lastOrderAt, b.lastOrderAt),
    refunds: a.refunds + b.refunds,
    refundAmount: a.refundAmount + b.refundAmount,
    cancellations: a.cancellations + b.cancellations,
    cart,
    viewed: mergeViewed(a.viewed, b.viewed),
    categories: capCounts(sumRecords(a.categories, b.categories), maxCategories),
    engagement: sumKnown(engagementChannels, a.engagement, b.engagement),
    devices: sumKnown(deviceTypes, a.devices, b.devices),
    firstTouch: earlierOrNull(a.firstTouch, b.firstTouch),
    lastTouch: laterOrNull(a.lastTouch, b.lastTouch),
  };
}
