/*
 * The tests a value can be put to in the condition language (src/segments/condition.ts), in a
 * file of their own: route definitions (analytics' funnel URL parser) load eagerly, the
 * builder and its model only on their screens.
 */

export const VALUE_OPS = [
  'equals',
  'not_equals',
  'contains',
  'not_contains',
  'starts_with',
  'in',
  'not_in',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'exists',
  'not_exists',
  'is_true',
  'is_false',
  'date_before',
  'date_after',
  'date_within_last',
  'date_within_next',
  'date_older_than',
  'anniversary',
] as const;
export type ValueOp = (typeof VALUE_OPS)[number];

const DATE_OPS = ['date_before', 'date_after', 'date_within_last', 'date_within_next', 'date_older_than', 'anniversary'] as const;
/** A test a funnel step's property filter takes: every one but the date tests (the funnel API's filter ops). */
export type FilterOp = Exclude<ValueOp, (typeof DATE_OPS)[number]>;
export const FILTER_OPS: readonly FilterOp[] = VALUE_OPS.filter((op): op is FilterOp => !(DATE_OPS as readonly string[]).includes(op));
