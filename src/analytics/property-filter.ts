import { RapportError } from '../shared/errors.js';
import type { PropertyFilter } from './queries.js';

/*
 * A funnel step's property filter, reduced to the few tests both engines write as SQL. Pure: the
 * DuckDB and ClickHouse builders only spell each test in their dialect, so the two cannot drift
 * on what an op means (the engine contract suite compares their answers).
 */

type Scalar = string | number | boolean;

/** One test on the property's text (`raw`, NULL when missing or null). */
export type FilterTest =
  | { kind: 'present'; present: boolean }
  /** Any of `values`; `negate` inverts it, and `missingPasses` says whether a missing property then passes (segment semantics) or not (`neq`). */
  | { kind: 'equals'; values: Scalar[]; negate: boolean; missingPasses: boolean }
  | { kind: 'compare'; op: '>' | '>=' | '<' | '<='; value: number }
  | { kind: 'between'; min: number; max: number }
  /** Case-insensitive; negated, a missing property passes. */
  | { kind: 'text'; match: 'contains' | 'starts_with'; value: string; negate: boolean };

const compareOps = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function invalid(at: string, field: string, message: string): RapportError {
  return new RapportError('analytics.filter_invalid', `${at}.${field} ${message}`, [{ field: `${at}.${field}`, rule: 'filter', message }]);
}

function scalar(filter: PropertyFilter, at: string): Scalar {
  if (filter.value === undefined) throw invalid(at, 'value', `is required for op "${filter.op}"`);
  return filter.value;
}

function number(filter: PropertyFilter, at: string): number {
  if (typeof filter.value !== 'number') throw invalid(at, 'value', `must be a number for op "${filter.op}"`);
  return filter.value;
}

function text(filter: PropertyFilter, at: string): string {
  if (filter.value === undefined) throw invalid(at, 'value', `is required for op "${filter.op}"`);
  return String(filter.value);
}

/**
 * The test a filter puts a property to; a missing or mistyped operand is the client's error,
 * naming the field (`steps[1].where[0].value`).
 * @example filterTest({ property: 'total', op: 'gt', value: 50 }, 'steps[1].where[0]') // { kind: 'compare', op: '>', value: 50 }
 */
export function filterTest(filter: PropertyFilter, at: string): FilterTest {
  switch (filter.op) {
    case 'exists':
    case 'not_exists':
      return { kind: 'present', present: filter.op === 'exists' };
    case 'is_true':
    case 'is_false':
      return { kind: 'equals', values: [filter.op === 'is_true'], negate: false, missingPasses: false };
    case 'eq':
    case 'equals':
      return { kind: 'equals', values: [scalar(filter, at)], negate: false, missingPasses: false };
    case 'neq':
    case 'not_equals':
      return { kind: 'equals', values: [scalar(filter, at)], negate: true, missingPasses: filter.op === 'not_equals' };
    case 'in':
    case 'not_in':
      if (filter.values === undefined) throw invalid(at, 'values', `is required for op "${filter.op}"`);
      return { kind: 'equals', values: filter.values, negate: filter.op === 'not_in', missingPasses: true };
    case 'contains':
    case 'not_contains':
      return { kind: 'text', match: 'contains', value: text(filter, at), negate: filter.op === 'not_contains' };
    case 'starts_with':
      return { kind: 'text', match: 'starts_with', value: text(filter, at), negate: false };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { kind: 'compare', op: compareOps[filter.op], value: number(filter, at) };
    case 'between':
      if (filter.min === undefined || filter.max === undefined) throw invalid(at, filter.min === undefined ? 'min' : 'max', 'is required for op "between"');
      return { kind: 'between', min: filter.min, max: filter.max };
  }
}

/**
 * Joins per-value equality predicates into one, negated as the test says. `isNull` is the
 * dialect's "property is missing" predicate, `orElse(x, fallback)` its coalesce.
 * @example equalsSql(test, ['raw = $1'], 'raw is null', (x, f) => `coalesce(${x}, ${f})`)
 */
export function equalsSql(test: Extract<FilterTest, { kind: 'equals' }>, each: readonly string[], isNull: string, orElse: (sql: string, fallback: 'true' | 'false') => string): string {
  const any = `(${each.join(' or ')})`;
  if (!test.negate) return orElse(any, 'false');
  return test.missingPasses ? `(${isNull} or not ${orElse(any, 'false')})` : `not ${orElse(any, 'true')}`;
}
