import { normalizeEmail } from '../identity/index.js';
import { isJsonObject } from '../ingest/index.js';
import { deviceTypes, engagementChannels, type ProfileState, argmax } from '../profiles/index.js';
import { assertNever } from '../shared/errors.js';
import { fnv1a } from '../shared/ids.js';
import type { ComputedKey, Condition, EventCondition, LeafCondition, LifecycleStage } from './condition.js';
import { checkoutStartedSpec, statSpecOf, type EventStat } from './event-stats.js';
import { compare, DAY_MS, durationMs, nextFlip, testValue } from './values.js';
import { ownValue } from '../shared/own.js';

/*
 * Pure evaluation of a condition over a snapshot of one profile: no I/O, no clock (the caller
 * passes `now`). The processor, backfill, preview, explain, journeys and experiments all call
 * these, so a profile is in a segment for exactly one reason everywhere.
 */

/** A score value as stored (see src/profiles/profile-scores.ts). */
export type SubjectScore = number | string | boolean | null;

/** Everything a condition can look at, for one profile. */
export interface SegmentSubject {
  profileId: string;
  /** The profile's state (src/profiles/state.ts). */
  state: ProfileState;
  /** Scores by key. */
  scores: Readonly<Record<string, SubjectScore>>;
  /**
   * Event statistics by stat key (`eventStatSpecs(condition)` lists the keys a condition reads;
   * `statsFromEvents` builds them from raw events). A missing key means no matching event.
   */
  events: ReadonlyMap<string, EventStat>;
  /** Ids of the segments the profile is a member of. */
  memberships: ReadonlySet<string>;
}

/** Lifecycle thresholds (documented in docs/modules/segments.md). */
export const lifecycleRules = {
  /** A cart or checkout untouched this long, with no order since, is abandoned. */
  abandonedAfterMs: 60 * 60 * 1000,
  /** ...and stays "abandoned" this long; older abandonment no longer defines the stage. */
  abandonedForMs: 30 * DAY_MS,
  lapsedAfterMs: 90 * DAY_MS,
  churnedAfterMs: 180 * DAY_MS,
  /** Sessions or distinct products viewed that make a visitor an engaged browser. */
  engagedSessions: 2,
  engagedProductViews: 3,
} as const;

function traitOf(state: ProfileState, key: string): unknown {
  const direct = ownValue(state.traits, key);
  if (direct !== undefined) return direct.v;
  if (key === 'name') {
    const parts = [state.traits.firstName?.v, state.traits.lastName?.v].filter((part): part is string => typeof part === 'string' && part.trim() !== '');
    return parts.length > 0 ? parts.join(' ') : undefined;
  }
  const dot = key.indexOf('.');
  if (dot < 0) return undefined;
  let current: unknown = ownValue(state.traits, key.slice(0, dot))?.v;
  for (const part of key.slice(dot + 1).split('.')) {
    if (!isJsonObject(current)) return undefined;
    current = ownValue(current, part);
  }
  return current;
}

const daysSince = (t: number | null, now: number): number | null => (t === null ? null : Math.floor((now - t) / DAY_MS));

function cartValue(state: ProfileState): number {
  const cart = state.cart;
  if (cart === null) return 0;
  return Math.round(cart.items.reduce((sum, item) => sum + (item.price ?? 0) * item.qty, 0) * 100) / 100;
}

/** The value of a computed aggregate; null when it does not exist (no orders, never seen, no cart). */
export function computedValue(state: ProfileState, key: ComputedKey, now: number): number | null {
  switch (key) {
    case 'orders':
      return state.orders;
    case 'revenue':
      return Math.round(state.revenue * 100) / 100;
    case 'averageOrderValue':
      return state.orders === 0 ? null : Math.round((state.revenue / state.orders) * 100) / 100;
    case 'refunds':
      return state.refunds;
    case 'refundAmount':
      return state.refundAmount;
    case 'cancelledOrders':
      return state.cancellations;
    case 'events':
      return state.events;
    case 'sessions':
      return state.sessions;
    case 'pageViews':
      return state.pageViews;
    case 'screenViews':
      return state.screenViews;
    case 'openCartValue':
      return state.cart === null || state.cart.items.length === 0 ? null : cartValue(state);
    case 'openCartItems':
      return state.cart === null ? 0 : state.cart.items.reduce((sum, item) => sum + item.qty, 0);
    case 'daysSinceLastOrder':
      return daysSince(state.lastOrderAt, now);
    case 'daysSinceFirstOrder':
      return daysSince(state.firstOrderAt, now);
    case 'daysSinceLastSeen':
      return daysSince(state.lastSeen, now);
    case 'daysSinceFirstSeen':
      return daysSince(state.firstSeen, now);
    case 'daysSinceCartActivity':
      return state.cart === null || state.cart.items.length === 0 ? null : daysSince(state.cart.t, now);
    default:
      return assertNever(key);
  }
}

function computedTime(state: ProfileState, key: ComputedKey): number | null {
  switch (key) {
    case 'daysSinceLastOrder':
      return state.lastOrderAt;
    case 'daysSinceFirstOrder':
      return state.firstOrderAt;
    case 'daysSinceLastSeen':
      return state.lastSeen;
    case 'daysSinceFirstSeen':
      return state.firstSeen;
    case 'daysSinceCartActivity':
      return state.cart === null || state.cart.items.length === 0 ? null : state.cart.t;
    default:
      return null;
  }
}

function stat(subject: SegmentSubject, key: string): EventStat | undefined {
  return subject.events.get(key);
}

/**
 * The funnel stage of a profile, the first that holds of: checkout abandoner (a checkout
 * started after the last order, untouched for an hour, within 30 days), cart abandoner (the same
 * for a non-empty cart), churned (last order 180+ days ago), lapsed (90+ days), repeat buyer (2+
 * orders), first-time buyer, engaged browser (2+ sessions or 3+ products viewed), visitor.
 * @example lifecycleStage(subject, Date.now()) // 'cart_abandoner'
 */
export function lifecycleStage(subject: SegmentSubject, now: number): LifecycleStage {
  const { state } = subject;
  const rules = lifecycleRules;
  const lastOrder = state.lastOrderAt;
  const checkout = stat(subject, checkoutStartedSpec.key)?.last ?? null;
  const abandoned = (t: number | null): boolean => t !== null && (lastOrder === null || t > lastOrder) && now - t >= rules.abandonedAfterMs && now - t < rules.abandonedForMs;
  if (abandoned(checkout)) return 'checkout_abandoner';
  if (state.cart !== null && state.cart.items.length > 0 && abandoned(state.cart.t)) return 'cart_abandoner';
  if (state.orders > 0 && lastOrder !== null) {
    if (now - lastOrder >= rules.churnedAfterMs) return 'churned';
    if (now - lastOrder >= rules.lapsedAfterMs) return 'lapsed';
    return state.orders >= 2 ? 'repeat_buyer' : 'first_time_buyer';
  }
  if (state.sessions >= rules.engagedSessions || state.viewed.length >= rules.engagedProductViews) return 'engaged_browser';
  return 'visitor';
}

/** The profile's bucket 0-99 for a salt: stable across runs and machines. @example randomBucket('p1', 'holdout') // 42 */
export function randomBucket(profileId: string, salt = ''): number {
  return fnv1a(`${salt}:${profileId}`) % 100;
}

function lower(value: string | null | undefined): string | undefined {
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}

/** What an event condition sees in its window: how many, and the aggregate of the values. */
interface WindowFigures {
  count: number;
  sum: number;
  values: number;
  min: number | null;
  max: number | null;
}

function windowFigures(node: EventCondition, subject: SegmentSubject, now: number): WindowFigures {
  const found = stat(subject, statSpecOf(node).key);
  if (found === undefined) return { count: 0, sum: 0, values: 0, min: null, max: null };
  const window = node.window;
  if (window === undefined || window.type === 'between' || window.type === 'since' || window.type === 'before') {
    // Absolute windows are part of the stat's spec, so its totals are the window's.
    return { count: found.count, sum: found.sum, values: found.values, min: found.min, max: found.max };
  }
  const edge = now - durationMs(window.amount, window.unit);
  const recent = found.recent;
  const first = firstAfter(recent, edge);
  // Counting needs no walk: the occurrences are sorted by time.
  if (node.aggregate === undefined) {
    const inside = recent.length - first;
    return window.type === 'last' ? { count: inside, sum: 0, values: 0, min: null, max: null } : { count: found.count - inside, sum: 0, values: 0, min: null, max: null };
  }
  let count = 0;
  let sum = 0;
  let values = 0;
  let min: number | null = null;
  let max: number | null = null;
  for (let index = first; index < recent.length; index++) {
    const occurrence = recent[index];
    if (occurrence === undefined) continue;
    const [, s, n, lo, hi] = occurrence;
    count += 1;
    sum += s;
    values += n;
    if (n > 0) {
      min = min === null ? lo : Math.min(min, lo);
      max = max === null ? hi : Math.max(max, hi);
    }
  }
  if (window.type === 'last') return { count, sum, values, min, max };
  // older_than: everything ever, minus the occurrences still inside the recent window.
  return { count: found.count - count, sum: found.sum - sum, values: found.values - values, min: found.min, max: found.max };
}

/** Index of the first occurrence later than `edge` in a time-sorted list (its length when none). */
function firstAfter(recent: readonly (readonly [number, ...number[]])[], edge: number): number {
  let low = 0;
  let high = recent.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((recent[middle]?.[0] ?? 0) > edge) high = middle;
    else low = middle + 1;
  }
  return low;
}

function inWindow(node: EventCondition, t: number | null, now: number): boolean {
  const window = node.window;
  if (t === null) return false;
  if (window === undefined) return true;
  switch (window.type) {
    case 'last':
      return t > now - durationMs(window.amount, window.unit);
    case 'older_than':
      return t <= now - durationMs(window.amount, window.unit);
    case 'between':
      return t >= Date.parse(window.from) && t <= Date.parse(window.to);
    case 'since':
      return t >= Date.parse(window.from);
    case 'before':
      return t <= Date.parse(window.to);
    default:
      return assertNever(window);
  }
}

/** One leaf's verdict and what it saw (explain prints `actual`). */
export interface LeafObservation {
  ok: boolean;
  actual: unknown;
}

function observeEvent(node: EventCondition, subject: SegmentSubject, now: number): LeafObservation {
  const occurrence = node.occurrence ?? 'any';
  if (occurrence !== 'any') {
    const found = stat(subject, statSpecOf(node).key);
    const t = (occurrence === 'first' ? found?.first : found?.last) ?? null;
    return { ok: inWindow(node, t, now), actual: { [occurrence]: t === null ? null : new Date(t).toISOString() } };
  }
  const figures = windowFigures(node, subject, now);
  if (node.performed === false) return { ok: figures.count === 0, actual: { count: figures.count } };
  const count = node.count ?? { op: 'at_least', value: 1 };
  let ok = count.op === 'at_least' ? figures.count >= count.value : count.op === 'at_most' ? figures.count <= count.value : figures.count === count.value;
  // "at most / exactly 0" asks for absence; an aggregate over nothing would never hold.
  const actual: Record<string, unknown> = { count: figures.count };
  const aggregate = node.aggregate;
  if (aggregate !== undefined) {
    let value: number | null;
    switch (aggregate.fn) {
      case 'sum':
        value = figures.values === 0 ? null : figures.sum;
        break;
      case 'avg':
        value = figures.values === 0 ? null : figures.sum / figures.values;
        break;
      case 'min':
        value = figures.min;
        break;
      case 'max':
        value = figures.max;
        break;
      default:
        value = assertNever(aggregate.fn);
    }
    actual[aggregate.fn] = value === null ? null : Math.round(value * 1e6) / 1e6;
    ok = ok && value !== null && compare(aggregate.op, value, aggregate.value);
  }
  return { ok, actual };
}

/**
 * One leaf's verdict with what it observed.
 * @example observeLeaf({ type: 'computed', key: 'orders', op: 'gte', value: 2 }, subject, now) // { ok: true, actual: 3 }
 */
export function observeLeaf(node: LeafCondition, subject: SegmentSubject, now: number): LeafObservation {
  const { state } = subject;
  switch (node.type) {
    case 'trait': {
      const actual = traitOf(state, node.key);
      return { ok: testValue(node, actual, now), actual: actual ?? null };
    }
    case 'score': {
      const actual = subject.scores[node.key];
      return { ok: testValue(node, actual, now), actual: actual ?? null };
    }
    case 'event':
      return observeEvent(node, subject, now);
    case 'computed': {
      const actual = computedValue(state, node.key, now);
      if (node.op === 'exists' || node.op === 'not_exists') return { ok: (actual !== null) === (node.op === 'exists'), actual };
      if (actual === null) return { ok: false, actual };
      if (node.op === 'between') return { ok: actual >= node.min && actual <= node.max, actual };
      return { ok: 'value' in node && compare(node.op, actual, node.value), actual };
    }
    case 'lifecycle': {
      const stage = lifecycleStage(subject, now);
      return { ok: node.stages.includes(stage), actual: stage };
    }
    case 'preferred_channel': {
      const channel = argmax(engagementChannels, state.engagement);
      return { ok: channel !== null && node.channels.includes(channel), actual: channel };
    }
    case 'reachable': {
      const consent = state.consent[node.channel]?.status ?? 'unknown';
      let address = true;
      if (node.channel === 'email') {
        const email = traitOf(state, 'email');
        address = typeof email === 'string' && normalizeEmail(email) !== undefined;
      } else if (node.channel === 'sms') {
        const phone = traitOf(state, 'phone');
        address = typeof phone === 'string' && /^\+[1-9]\d{6,14}$/.test(phone);
      }
      const optIn = node.channel !== 'email' || node.requireOptIn === true;
      const ok = address && (optIn ? consent === 'subscribed' : consent !== 'unsubscribed');
      return { ok, actual: { address, consent } };
    }
    case 'location': {
      const country = traitOf(state, 'address.country') ?? traitOf(state, 'country');
      const city = traitOf(state, 'address.city') ?? traitOf(state, 'city');
      const matches = (list: string[] | undefined, value: unknown) => list === undefined || (typeof value === 'string' && list.some((entry) => entry.toLowerCase() === value.toLowerCase()));
      return { ok: matches(node.countries, country) && matches(node.cities, city), actual: { country: country ?? null, city: city ?? null } };
    }
    case 'device': {
      const device = argmax(deviceTypes, state.devices);
      return { ok: device !== null && node.devices.includes(device), actual: device };
    }
    case 'traffic_source': {
      const touch = node.touch === 'first' ? state.firstTouch : (state.lastTouch ?? state.firstTouch);
      const actual = touch === null ? null : touch.v[node.field];
      const value = lower(actual);
      return { ok: value !== undefined && node.values.some((entry) => entry.toLowerCase() === value), actual };
    }
    case 'segment': {
      const member = subject.memberships.has(node.segmentId);
      return { ok: node.member === false ? !member : member, actual: member };
    }
    case 'random_bucket': {
      const bucket = randomBucket(subject.profileId, node.salt);
      return { ok: bucket >= node.from && bucket < node.to, actual: bucket };
    }
    default:
      return assertNever(node);
  }
}

/**
 * Whether a profile snapshot satisfies a condition at `now`. Pure; `and` / `or` stop at the
 * first deciding child.
 * @example evaluateCondition({ type: 'computed', key: 'orders', op: 'gte', value: 2 }, subject, Date.now())
 */
export function evaluateCondition(condition: Condition, subject: SegmentSubject, now: number): boolean {
  switch (condition.type) {
    case 'and':
      return condition.conditions.every((child) => evaluateCondition(child, subject, now));
    case 'or':
      return condition.conditions.some((child) => evaluateCondition(child, subject, now));
    case 'not':
      return !evaluateCondition(condition.condition, subject, now);
    default:
      return observeLeaf(condition, subject, now).ok;
  }
}

/** One node of an explanation: its path in the tree, its verdict, and for leaves what it saw. */
export interface ConditionExplanation {
  path: string;
  type: Condition['type'];
  result: boolean;
  /** Leaves: the observed value (a trait, a count, a stage...). */
  actual?: unknown;
  /** Leaves: the condition itself, to read next to `actual`. */
  condition?: LeafCondition;
  children?: ConditionExplanation[];
}

/**
 * "Why is this customer (not) in this segment": every node with its verdict, leaves with what
 * they observed. Evaluates every child (no short-circuit), so each condition is explained.
 * @example explainCondition(segment.condition, subject, Date.now()).children?.map((c) => [c.path, c.result, c.actual])
 */
export function explainCondition(condition: Condition, subject: SegmentSubject, now: number, path = ''): ConditionExplanation {
  const at = (field: string) => (path === '' ? field : `${path}.${field}`);
  switch (condition.type) {
    case 'and':
    case 'or': {
      const children = condition.conditions.map((child, index) => explainCondition(child, subject, now, at(`conditions[${index}]`)));
      const result = condition.type === 'and' ? children.every((child) => child.result) : children.some((child) => child.result);
      return { path, type: condition.type, result, children };
    }
    case 'not': {
      const child = explainCondition(condition.condition, subject, now, at('condition'));
      return { path, type: 'not', result: !child.result, children: [child] };
    }
    default: {
      const observation = observeLeaf(condition, subject, now);
      return { path, type: condition.type, result: observation.ok, actual: observation.actual, condition };
    }
  }
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function after(now: number, ...candidates: (number | null | undefined)[]): number | undefined {
  let best: number | undefined;
  for (const candidate of candidates) if (candidate !== null && candidate !== undefined && candidate > now && (best === undefined || candidate < best)) best = candidate;
  return best;
}

function leafNextChange(node: LeafCondition, subject: SegmentSubject, now: number): number | undefined {
  const { state } = subject;
  switch (node.type) {
    case 'trait':
      return nextFlip(node, traitOf(state, node.key), now);
    case 'score':
      return nextFlip(node, subject.scores[node.key], now);
    case 'computed': {
      const t = computedTime(state, node.key);
      if (t === null) return undefined;
      // Whole days since t step up at t + k days.
      return t + (Math.floor((now - t) / DAY_MS) + 1) * DAY_MS;
    }
    case 'lifecycle': {
      const rules = lifecycleRules;
      const checkout = stat(subject, checkoutStartedSpec.key)?.last ?? null;
      const cart = state.cart !== null && state.cart.items.length > 0 ? state.cart.t : null;
      const order = state.lastOrderAt;
      const plus = (t: number | null, ms: number) => (t === null ? null : t + ms);
      return after(
        now,
        plus(checkout, rules.abandonedAfterMs),
        plus(checkout, rules.abandonedForMs),
        plus(cart, rules.abandonedAfterMs),
        plus(cart, rules.abandonedForMs),
        plus(order, rules.lapsedAfterMs),
        plus(order, rules.churnedAfterMs),
      );
    }
    case 'event': {
      const window = node.window;
      if (window === undefined || (window.type !== 'last' && window.type !== 'older_than')) return undefined;
      const d = durationMs(window.amount, window.unit);
      const found = stat(subject, statSpecOf(node).key);
      if (found === undefined) return undefined;
      if ((node.occurrence ?? 'any') !== 'any') return after(now, found.first === null ? null : found.first + d, found.last === null ? null : found.last + d);
      // The oldest occurrence still inside leaves a `last` window (and enters an `older_than`
      // one) at t + d; a future-dated occurrence enters at t. The list is sorted by time.
      const inside = found.recent[firstAfter(found.recent, now - d)];
      const future = found.recent[firstAfter(found.recent, now)];
      return after(now, inside === undefined ? undefined : inside[0] + d, future?.[0]);
    }
    case 'preferred_channel':
    case 'reachable':
    case 'location':
    case 'device':
    case 'traffic_source':
    case 'segment':
    case 'random_bucket':
      return undefined;
    default:
      return assertNever(node);
  }
}

/**
 * The earliest time after `now` at which the condition's value may change with no new event,
 * trait or score: when a sliding window drops an occurrence, a "days since" steps, a lifecycle
 * threshold passes or an anniversary window opens or closes. Undefined: it never changes by
 * itself. Re-evaluating at that time and rescheduling gives exact exits without sweeps.
 * @example const due = nextChangeAt(condition, subject, now); // schedule a re-check at `due`
 */
export function nextChangeAt(condition: Condition, subject: SegmentSubject, now: number): number | undefined {
  switch (condition.type) {
    case 'and':
    case 'or': {
      let best: number | undefined;
      for (const child of condition.conditions) best = earliest(best, nextChangeAt(child, subject, now));
      return best;
    }
    case 'not':
      return nextChangeAt(condition.condition, subject, now);
    default:
      return leafNextChange(condition, subject, now);
  }
}
