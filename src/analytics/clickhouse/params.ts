import { equalsSql, filterTest } from '../property-filter.js';
import type { FunnelStep, PropertyFilter } from '../queries.js';
import type { QueryParams } from './connection.js';

/**
 * Collects `{name:Type}` parameters while ClickHouse SQL is assembled; `add` returns the
 * placeholder. Values are bound by the engine, never spliced into the text.
 * @example const params = new Params(); `event = ${params.add('constructor')}` // event = {p1:String}
 */
export class Params {
  readonly values: QueryParams = {};
  #count = 0;

  add(value: string | number | readonly string[], type = typeOf(value)): string {
    this.#count += 1;
    const name = `p${this.#count}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

function typeOf(value: string | number | readonly string[]): string {
  if (typeof value === 'string') return 'String';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Int64' : 'Float64';
  return 'Array(String)';
}

function filterSql(filter: PropertyFilter, params: Params, at: string): string {
  // Each part of the dotted name is one key (never JSON path syntax), as on DuckDB.
  const keys = filter.property
    .split('.')
    .map((part) => params.add(part))
    .join(', ');
  // As DuckDB's json_extract_string: a string's value, other values as JSON text, NULL when missing or null.
  const raw = `multiIf(NOT JSONHas(properties, ${keys}), NULL, JSONType(properties, ${keys}) = 'String', JSONExtractString(properties, ${keys}), JSONType(properties, ${keys}) = 'Null', NULL, JSONExtractRaw(properties, ${keys}))`;
  const asNumber = `toFloat64OrNull(${raw})`;
  const test = filterTest(filter, at);
  switch (test.kind) {
    case 'present':
      return `${raw} IS ${test.present ? 'NOT ' : ''}NULL`;
    case 'equals': {
      const each = test.values.map((value) => (typeof value === 'number' ? `${asNumber} = ${params.add(value, 'Float64')}` : `${raw} = ${params.add(String(value))}`));
      return equalsSql(test, each, `${raw} IS NULL`, (sql, fallback) => `ifNull(${sql}, ${fallback})`);
    }
    case 'compare':
      return `${asNumber} ${test.op} ${params.add(test.value, 'Float64')}`;
    case 'between':
      return `${asNumber} BETWEEN ${params.add(test.min, 'Float64')} AND ${params.add(test.max, 'Float64')}`;
    case 'text': {
      const needle = `lowerUTF8(${params.add(test.value)})`;
      const matches = test.match === 'contains' ? `position(lowerUTF8(${raw}), ${needle}) > 0` : `startsWith(lowerUTF8(${raw}), ${needle})`;
      return test.negate ? `(${raw} IS NULL OR NOT ${matches})` : matches;
    }
  }
}

/**
 * The ClickHouse predicate (over the replica's `events` columns) matching one funnel step.
 * @example stepSql({ event: 'Product Viewed' }, params, 'steps[0]')
 */
export function stepSql(step: FunnelStep, params: Params, at: string): string {
  const parts = [`type = ${params.add(step.type ?? 'track')}`];
  if (step.event !== '*') parts.push(`event = ${params.add(step.event)}`);
  (step.where ?? []).forEach((filter, index) => parts.push(filterSql(filter, params, `${at}.where[${index}]`)));
  return `(${parts.join(' AND ')})`;
}
