import { assertNever } from '../shared/errors.js';
import type { TimeUnit, TraitCondition } from './condition.js';

/*
 * The value tests shared by trait, score and event-property conditions, and the times at which
 * a date test flips by itself (so membership can be re-checked at that exact moment).
 */

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A test on one value: the op and its operands, without what names the value. */
export type ValueTest = DistributiveOmit<TraitCondition, 'type' | 'key'>;

export const DAY_MS = 86_400_000;

const unitMs: Readonly<Record<TimeUnit, number>> = { minutes: 60_000, hours: 3_600_000, days: DAY_MS, weeks: 7 * DAY_MS };

/** @example durationMs(2, 'days') // 172800000 */
export function durationMs(amount: number, unit: TimeUnit): number {
  return amount * unitMs[unit];
}

/** A number from a number or a numeric string; undefined otherwise (never NaN). */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** Epoch ms from an ISO string or epoch-ms number; undefined when it is not a date. */
export function toTime(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const time = Date.parse(value);
  return Number.isFinite(time) ? time : undefined;
}

function truthy(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (['true', 'yes', '1', 'y'].includes(text)) return true;
    if (['false', 'no', '0', 'n'].includes(text)) return false;
  }
  return undefined;
}

/** Equality as marketers mean it: strings case-insensitive, numbers equal to numeric strings. */
function same(actual: unknown, expected: unknown): boolean {
  if (typeof expected === 'string' && typeof actual === 'string') return actual.toLowerCase() === expected.toLowerCase();
  if (typeof expected === 'number') return toNumber(actual) === expected;
  if (typeof expected === 'boolean') return truthy(actual) === expected;
  return actual === expected;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.toLowerCase();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).toLowerCase();
  return undefined;
}

const startOfDay = (t: number): number => Math.floor(t / DAY_MS) * DAY_MS;

/**
 * The anniversaries of a date (same month and day, UTC) around `now`, with their year count.
 * Feb 29 falls on Mar 1 in other years (Date.UTC rolls it over).
 */
function anniversaries(date: number, now: number): { at: number; years: number }[] {
  const original = new Date(date);
  const year = new Date(now).getUTCFullYear();
  const result: { at: number; years: number }[] = [];
  for (const candidate of [year - 1, year, year + 1]) {
    const at = Date.UTC(candidate, original.getUTCMonth(), original.getUTCDate());
    result.push({ at, years: candidate - original.getUTCFullYear() });
  }
  return result;
}

function anniversaryHolds(date: number, now: number, withinDays: number, years: number | undefined): boolean {
  const today = startOfDay(now);
  return anniversaries(date, now).some((entry) => entry.at >= today && entry.at <= today + withinDays * DAY_MS && (years === undefined ? entry.years >= 1 : entry.years === years));
}

/**
 * Whether a value passes a test. A missing value (undefined or null) passes only the negative
 * tests: `not_exists`, `not_equals`, `not_in`, `not_contains`. A list value passes a positive
 * test when one element does.
 * @example testValue({ op: 'gte', value: 3 }, '4', Date.now()) // true
 */
export function testValue(test: ValueTest, value: unknown, now: number): boolean {
  const missing = value === undefined || value === null;
  switch (test.op) {
    case 'exists':
      return !missing;
    case 'not_exists':
      return missing;
    case 'not_equals':
      return missing || !anyOf(value, (item) => same(item, test.value));
    case 'not_in':
      return missing || !anyOf(value, (item) => test.values.some((expected) => same(item, expected)));
    case 'not_contains': {
      if (missing) return true;
      const needle = test.value.toLowerCase();
      return !anyOf(value, (item) => text(item)?.includes(needle) === true);
    }
    default:
      break;
  }
  if (missing) return false;
  switch (test.op) {
    case 'equals':
      return anyOf(value, (item) => same(item, test.value));
    case 'in':
      return anyOf(value, (item) => test.values.some((expected) => same(item, expected)));
    case 'contains': {
      const needle = test.value.toLowerCase();
      return anyOf(value, (item) => text(item)?.includes(needle) === true);
    }
    case 'starts_with': {
      const prefix = test.value.toLowerCase();
      return anyOf(value, (item) => text(item)?.startsWith(prefix) === true);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return anyOf(value, (item) => {
        const number = toNumber(item);
        return number !== undefined && compare(test.op, number, test.value);
      });
    case 'between':
      return anyOf(value, (item) => {
        const number = toNumber(item);
        return number !== undefined && number >= test.min && number <= test.max;
      });
    case 'is_true':
      return truthy(value) === true;
    case 'is_false':
      return truthy(value) === false;
    case 'date_before':
    case 'date_after': {
      const time = toTime(value);
      const bound = Date.parse(test.date);
      if (time === undefined) return false;
      return test.op === 'date_before' ? time < bound : time > bound;
    }
    case 'date_within_last': {
      const time = toTime(value);
      return time !== undefined && time <= now && time >= now - durationMs(test.amount, test.unit);
    }
    case 'date_within_next': {
      const time = toTime(value);
      return time !== undefined && time >= now && time <= now + durationMs(test.amount, test.unit);
    }
    case 'date_older_than': {
      const time = toTime(value);
      return time !== undefined && time < now - durationMs(test.amount, test.unit);
    }
    case 'anniversary': {
      const time = toTime(value);
      return time !== undefined && anniversaryHolds(time, now, test.withinDays, test.years);
    }
    default:
      return assertNever(test.op);
  }
}

function anyOf(value: unknown, predicate: (item: unknown) => boolean): boolean {
  return Array.isArray(value) ? value.some(predicate) : predicate(value);
}

/** `a op b` for the numeric comparisons. */
export function compare(op: 'gt' | 'gte' | 'lt' | 'lte' | 'equals', a: number, b: number): boolean {
  switch (op) {
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'equals':
      return a === b;
    default:
      return assertNever(op);
  }
}

/**
 * The earliest time after `now` at which a date test on this value may flip with nothing else
 * changing; undefined when it never does by itself (every non-date test).
 * @example nextFlip({ op: 'date_within_last', amount: 2, unit: 'days' }, '2026-01-01T00:00:00Z', now)
 */
export function nextFlip(test: ValueTest, value: unknown, now: number): number | undefined {
  const candidates: number[] = [];
  const time = toTime(value);
  if (time === undefined) return undefined;
  switch (test.op) {
    case 'date_within_last': {
      // In from `time` (if in the future) until `time + d`.
      candidates.push(time, time + durationMs(test.amount, test.unit) + 1);
      break;
    }
    case 'date_within_next': {
      const d = durationMs(test.amount, test.unit);
      candidates.push(time - d, time + 1);
      break;
    }
    case 'date_older_than':
      candidates.push(time + durationMs(test.amount, test.unit) + 1);
      break;
    case 'anniversary':
      for (const entry of anniversaries(time, now)) candidates.push(entry.at - test.withinDays * DAY_MS, entry.at + DAY_MS);
      break;
    default:
      return undefined;
  }
  let best: number | undefined;
  for (const candidate of candidates) if (candidate > now && (best === undefined || candidate < best)) best = candidate;
  return best;
}
