import { isJsonObject, type JsonObject, type TrackingMessage } from '../ingest/index.js';
import type { Condition, EventCondition, PropertyFilter } from './condition.js';
import { walkCondition } from './condition.js';
import { durationMs, testValue } from './values.js';
import { ownValue } from '../shared/own.js';

/*
 * The minimal per-profile state event conditions need. Conditions compile to "stat specs": an
 * event name, its property filters and the property an aggregate reads (plus the date range of
 * an absolute window). Two conditions that ask about the same events share one stat. A stat
 * keeps all-time totals and first / last times, plus the occurrences inside the longest sliding
 * window any condition asks about (so "in the last 2 days" is exact, and its expiry is known to
 * the millisecond), bounded in size.
 */

export interface EventStatSpec {
  /** Stable identity of the spec: conditions asking the same question share the key. */
  key: string;
  event: string;
  where: PropertyFilter[];
  /** The numeric property an aggregate reads (`products[].price` reads every matching product). */
  property: string | undefined;
  /** Absolute window [from, to] in ms: only events inside are counted. */
  from: number | undefined;
  to: number | undefined;
}

/** One occurrence kept for sliding windows: time, value sum, value count, min and max of its values. */
export type Occurrence = [t: number, sum: number, values: number, min: number, max: number];

export interface EventStat {
  count: number;
  /** Sum, count, min and max of the aggregated property's numeric values (0 / null when none). */
  sum: number;
  values: number;
  min: number | null;
  max: number | null;
  first: number | null;
  last: number | null;
  /** Occurrences within the horizon, oldest first. */
  recent: Occurrence[];
}

/** Occurrences kept per stat; past this the two oldest are folded into one (see `foldOccurrence`). */
export const maxRecentOccurrences = 1000;

export function emptyStat(): EventStat {
  return { count: 0, sum: 0, values: 0, min: null, max: null, first: null, last: null, recent: [] };
}

// Conditions are immutable once parsed, and evaluation asks for a node's spec on every profile.
const specCache = new WeakMap<EventCondition, EventStatSpec>();

/** The stat spec an event condition reads. First / last-time conditions read all-time first / last, so an absolute window is not part of their spec. */
export function statSpecOf(node: EventCondition): EventStatSpec {
  const cached = specCache.get(node);
  if (cached !== undefined) return cached;
  const spec = buildSpec(node);
  specCache.set(node, spec);
  return spec;
}

function buildSpec(node: EventCondition): EventStatSpec {
  const where = node.where ?? [];
  const property = node.aggregate?.property;
  const window = node.window;
  const occurrence = node.occurrence ?? 'any';
  let from: number | undefined;
  let to: number | undefined;
  if (occurrence === 'any' && window !== undefined) {
    if (window.type === 'between') {
      from = Date.parse(window.from);
      to = Date.parse(window.to);
    } else if (window.type === 'since') from = Date.parse(window.from);
    else if (window.type === 'before') to = Date.parse(window.to);
  }
  const key = JSON.stringify([node.event, where, property ?? null, from ?? null, to ?? null]);
  return { key, event: node.event, where, property, from, to };
}

/** The sliding horizon (ms) a condition needs on its stat: 0 when it needs no occurrences. */
export function horizonOf(node: EventCondition): number {
  const window = node.window;
  if ((node.occurrence ?? 'any') !== 'any' || window === undefined) return 0;
  if (window.type === 'last' || window.type === 'older_than') return durationMs(window.amount, window.unit);
  return 0;
}

/** Every stat a condition reads, with the horizon each needs (the longest of its users). Lifecycle stages read `Checkout Started`. */
export function eventStatSpecs(condition: Condition): Map<string, { spec: EventStatSpec; horizonMs: number }> {
  const specs = new Map<string, { spec: EventStatSpec; horizonMs: number }>();
  const add = (spec: EventStatSpec, horizonMs: number) => {
    const existing = specs.get(spec.key);
    if (existing === undefined) specs.set(spec.key, { spec, horizonMs });
    else existing.horizonMs = Math.max(existing.horizonMs, horizonMs);
  };
  walkCondition(condition, (node) => {
    if (node.type === 'event') add(statSpecOf(node), horizonOf(node));
    else if (node.type === 'lifecycle') add(checkoutStartedSpec, 0);
  });
  return specs;
}

export const checkoutStartedSpec: EventStatSpec = statSpecOf({ type: 'event', event: 'Checkout Started' });

/** The name an event condition matches: the track event's name, or `page` / `screen` / `identify`. */
export function eventNameOf(message: Pick<TrackingMessage, 'type' | 'event'>): string {
  return message.type === 'track' ? (message.event ?? '') : message.type;
}

function propertiesOf(message: TrackingMessage): JsonObject {
  if (message.type === 'identify') return isJsonObject(message.traits) ? message.traits : {};
  return isJsonObject(message.properties) ? message.properties : {};
}

/** A dotted property of an object (`a.b`); undefined when absent. */
export function pathValue(object: JsonObject, path: string): unknown {
  if (Object.hasOwn(object, path)) return object[path];
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (!isJsonObject(current)) return undefined;
    current = ownValue(current, part);
  }
  return current;
}

const productPrefix = 'products[].';

function productsOf(properties: JsonObject): JsonObject[] {
  const list = properties.products;
  return Array.isArray(list) ? list.filter(isJsonObject) : [];
}

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/**
 * Whether an event matches a spec, and the aggregated values it carries. Filters on
 * `products[].x` must all hold for one same product; an aggregate over `products[].x` reads the
 * products that match (all of them when there is no product filter).
 * @example matchEvent(spec, message, timestamp) // { values: [42] } or undefined
 */
export function matchEvent(spec: EventStatSpec, message: TrackingMessage, timestamp: number): { values: number[] } | undefined {
  if (eventNameOf(message) !== spec.event) return undefined;
  if (spec.from !== undefined && timestamp < spec.from) return undefined;
  if (spec.to !== undefined && timestamp > spec.to) return undefined;
  const properties = propertiesOf(message);
  const productFilters: PropertyFilter[] = [];
  for (const filter of spec.where) {
    if (filter.property.startsWith(productPrefix)) productFilters.push(filter);
    else if (!testValue(filter, pathValue(properties, filter.property), timestamp)) return undefined;
  }
  let products: JsonObject[] | undefined;
  if (productFilters.length > 0) {
    products = productsOf(properties).filter((product) => productFilters.every((filter) => testValue(filter, pathValue(product, filter.property.slice(productPrefix.length)), timestamp)));
    if (products.length === 0) return undefined;
  }
  const values: number[] = [];
  const property = spec.property;
  if (property !== undefined) {
    if (property.startsWith(productPrefix)) {
      const field = property.slice(productPrefix.length);
      for (const product of products ?? productsOf(properties)) {
        const value = numeric(pathValue(product, field));
        if (value !== undefined) values.push(value);
      }
    } else {
      const value = numeric(pathValue(properties, property));
      if (value !== undefined) values.push(value);
    }
  }
  return { values };
}

/**
 * Folds one matching event into a stat, in place. `now` and `horizonMs` bound the kept
 * occurrences to those a sliding window can still see. Events arrive in any time order (late
 * events, merges), so the occurrence list is kept sorted.
 * @example foldOccurrence(stat, event.timestamp, [42], now, 2 * 86_400_000);
 */
export function foldOccurrence(stat: EventStat, t: number, values: readonly number[], now: number, horizonMs: number): EventStat {
  stat.count += 1;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    sum += value;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (values.length > 0) {
    stat.sum += sum;
    stat.values += values.length;
    stat.min = stat.min === null ? min : Math.min(stat.min, min);
    stat.max = stat.max === null ? max : Math.max(stat.max, max);
  }
  stat.first = stat.first === null ? t : Math.min(stat.first, t);
  stat.last = stat.last === null ? t : Math.max(stat.last, t);
  if (horizonMs > 0 && t > now - horizonMs) {
    const occurrence: Occurrence = [t, sum, values.length, values.length > 0 ? min : 0, values.length > 0 ? max : 0];
    const recent = stat.recent;
    let index = recent.length;
    while (index > 0 && (recent[index - 1]?.[0] ?? 0) > t) index -= 1;
    recent.splice(index, 0, occurrence);
    pruneRecent(stat, now, horizonMs);
  }
  return stat;
}

/**
 * Drops occurrences no window can see any more, and keeps the list bounded: past
 * `maxRecentOccurrences` the two oldest merge into one at the later time, which keeps counts
 * and sums exact and delays only that oldest occurrence's expiry.
 */
export function pruneRecent(stat: EventStat, now: number, horizonMs: number): void {
  const recent = stat.recent;
  let drop = 0;
  while (drop < recent.length && (recent[drop]?.[0] ?? 0) <= now - horizonMs) drop += 1;
  if (drop > 0) recent.splice(0, drop);
  while (recent.length > maxRecentOccurrences) {
    const [a, b] = recent;
    if (a === undefined || b === undefined) break;
    const merged: Occurrence = [b[0], a[1] + b[1], a[2] + b[2], a[2] === 0 ? b[3] : b[2] === 0 ? a[3] : Math.min(a[3], b[3]), a[2] === 0 ? b[4] : b[2] === 0 ? a[4] : Math.max(a[4], b[4])];
    recent.splice(0, 2, merged);
  }
}

/** Stat specs grouped by the event name they count: what `foldEvents` looks events up in. */
export type SpecsByEvent = ReadonlyMap<string, readonly { spec: EventStatSpec; horizonMs: number }[]>;

/**
 * Folds events into a profile's stats, in place: each event into every stat whose spec it
 * matches. The one fold, used live (the processor's batches), for rebuilds and for previews.
 * Returns whether any stat changed.
 * @example const changed = foldEvents(stats, set.specsByEvent, batchEvents, now);
 */
export function foldEvents(stats: Map<string, EventStat>, specsByEvent: SpecsByEvent, events: Iterable<{ timestamp: number; message: TrackingMessage }>, now: number): boolean {
  let changed = false;
  for (const event of events) {
    const candidates = specsByEvent.get(eventNameOf(event.message));
    if (candidates === undefined) continue;
    for (const { spec, horizonMs } of candidates) {
      const match = matchEvent(spec, event.message, event.timestamp);
      if (match === undefined) continue;
      let stat = stats.get(spec.key);
      if (stat === undefined) {
        stat = emptyStat();
        stats.set(spec.key, stat);
      }
      foldOccurrence(stat, event.timestamp, match.values, now, horizonMs);
      changed = true;
    }
  }
  return changed;
}

/**
 * Builds the stats of one profile from its events (backfill, preview, tests): the same folding
 * the processor does event by event.
 * @example const stats = statsFromEvents(eventStatSpecs(condition), events, now);
 */
export function statsFromEvents(
  specs: ReadonlyMap<string, { spec: EventStatSpec; horizonMs: number }>,
  events: Iterable<{ timestamp: number; message: TrackingMessage }>,
  now: number,
): Map<string, EventStat> {
  const byEvent = new Map<string, { spec: EventStatSpec; horizonMs: number }[]>();
  for (const entry of specs.values()) {
    const list = byEvent.get(entry.spec.event);
    if (list === undefined) byEvent.set(entry.spec.event, [entry]);
    else list.push(entry);
  }
  const stats = new Map<string, EventStat>();
  foldEvents(stats, byEvent, events, now);
  return stats;
}
