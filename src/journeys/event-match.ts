import { isJsonObject, type JsonObject, type TrackingMessage } from '../ingest/index.js';
import { type PropertyFilter, eventNameOf, pathValue, testValue, type ValueTest } from '../segments/index.js';

/*
 * Matching events against the filters of triggers, waits, goals and exit rules. Pure.
 */

/** The properties of a track event (traits of an identify). */
export function propertiesOf(message: TrackingMessage): JsonObject {
  if (message.type === 'identify') return isJsonObject(message.traits) ? message.traits : {};
  return isJsonObject(message.properties) ? message.properties : {};
}

/** The event's name as journeys see it: the track event name, or `identify`, `page`, ... */
export function eventName(message: TrackingMessage): string {
  return eventNameOf(message);
}

/**
 * A property as a string key (cart ids, order ids); undefined when absent or not scalar.
 * @example keyValue({ cart: { id: 7 } }, 'cart.id') // '7'
 */
export function keyValue(properties: JsonObject, path: string): string | undefined {
  const value = pathValue(properties, path);
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Whether every filter holds on the properties.
 * @example matchesFilters([{ property: 'total', op: 'gte', value: 50 }], { total: 80 }, now) // true
 */
export function matchesFilters(filters: readonly PropertyFilter[] | undefined, properties: JsonObject, now: number): boolean {
  if (filters === undefined) return true;
  return filters.every((filter) => {
    const { property, ...test } = filter;
    return testValue(test satisfies ValueTest, pathValue(properties, property), now);
  });
}

/**
 * Revenue an order-like event carries (`revenue`, else `total`, else `value`); 0 when none.
 * @example revenueOf({ total: '42.5' }) // 42.5
 */
export function revenueOf(properties: JsonObject): number {
  for (const key of ['revenue', 'total', 'value']) {
    const value = properties[key];
    const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    if (Number.isFinite(number)) return number;
  }
  return 0;
}
