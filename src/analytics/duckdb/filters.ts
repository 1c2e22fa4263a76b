import type { DuckDBValue } from '@duckdb/node-api';
import { RapportError } from '../../shared/errors.js';
import type { FunnelStep, PropertyFilter } from '../queries.js';

/** Collects bound parameters while SQL text is assembled; `add` returns the placeholder. */
export class Params {
  readonly values: DuckDBValue[] = [];

  add(value: DuckDBValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function filterSql(filter: PropertyFilter, params: Params, at: string): string {
  // Each part quoted: a name is a key, never JSON path syntax (`$`, `-`, `*`).
  const path = params.add(
    `$${filter.property
      .split('.')
      .map((part) => `."${part}"`)
      .join('')}`,
  );
  const raw = `json_extract_string(properties, ${path})`;
  const value = filter.value;
  switch (filter.op) {
    case 'exists':
      return `${raw} is not null`;
    case 'contains':
      if (value === undefined) throw new RapportError('analytics.filter_invalid', `${at}.value is required for op "contains"`);
      return `contains(lower(${raw}), lower(${params.add(String(value))}))`;
    case 'eq':
    case 'neq': {
      if (value === undefined) throw new RapportError('analytics.filter_invalid', `${at}.value is required for op "${filter.op}"`);
      const op = filter.op === 'eq' ? '=' : '<>';
      if (typeof value === 'number') return `try_cast(${raw} as double) ${op} ${params.add(value)}::double`;
      return `${raw} ${op} ${params.add(String(value))}`;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof value !== 'number') throw new RapportError('analytics.filter_invalid', `${at}.value must be a number for op "${filter.op}"`);
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[filter.op];
      return `try_cast(${raw} as double) ${op} ${params.add(value)}::double`;
    }
  }
}

/**
 * The SQL predicate (over the replica's `events` columns) matching one funnel step.
 * @example stepSql({ event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: 'shoes' }] }, params, 'steps[0]')
 */
export function stepSql(step: FunnelStep, params: Params, at: string): string {
  const parts = [`type = ${params.add(step.type ?? 'track')}`];
  if (step.event !== '*') parts.push(`event = ${params.add(step.event)}`);
  (step.where ?? []).forEach((filter, index) => parts.push(filterSql(filter, params, `${at}.where[${index}]`)));
  return `(${parts.join(' and ')})`;
}
