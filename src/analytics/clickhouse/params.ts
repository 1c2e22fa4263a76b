import { RapportError } from '../../shared/errors.js';
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
  const value = filter.value;
  switch (filter.op) {
    case 'exists':
      return `${raw} IS NOT NULL`;
    case 'contains':
      if (value === undefined) throw new RapportError('analytics.filter_invalid', `${at}.value is required for op "contains"`);
      return `position(lowerUTF8(${raw}), lowerUTF8(${params.add(String(value))})) > 0`;
    case 'eq':
    case 'neq': {
      if (value === undefined) throw new RapportError('analytics.filter_invalid', `${at}.value is required for op "${filter.op}"`);
      const op = filter.op === 'eq' ? '=' : '<>';
      if (typeof value === 'number') return `toFloat64OrNull(${raw}) ${op} ${params.add(value, 'Float64')}`;
      return `${raw} ${op} ${params.add(String(value))}`;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof value !== 'number') throw new RapportError('analytics.filter_invalid', `${at}.value must be a number for op "${filter.op}"`);
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[filter.op];
      return `toFloat64OrNull(${raw}) ${op} ${params.add(value, 'Float64')}`;
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
