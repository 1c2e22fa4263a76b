import type { DuckDBValue } from '@duckdb/node-api';
import { equalsSql, filterTest } from '../property-filter.js';
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
  const asNumber = `try_cast(${raw} as double)`;
  const test = filterTest(filter, at);
  switch (test.kind) {
    case 'present':
      return `${raw} is ${test.present ? 'not ' : ''}null`;
    case 'equals': {
      const each = test.values.map((value) => (typeof value === 'number' ? `${asNumber} = ${params.add(value)}::double` : `${raw} = ${params.add(String(value))}`));
      return equalsSql(test, each, `${raw} is null`, (sql, fallback) => `coalesce(${sql}, ${fallback})`);
    }
    case 'compare':
      return `${asNumber} ${test.op} ${params.add(test.value)}::double`;
    case 'between':
      return `${asNumber} between ${params.add(test.min)}::double and ${params.add(test.max)}::double`;
    case 'text': {
      const matches = `${test.match}(lower(${raw}), lower(${params.add(test.value)}))`;
      return test.negate ? `(${raw} is null or not ${matches})` : matches;
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
