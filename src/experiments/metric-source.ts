import type { VariantMetricData } from './analysis.js';
import type { ExperimentDefinition, MetricDefinition, MetricPart, PropertyFilter } from './definition.js';

/*
 * Where per-variant metric aggregates come from. The state-store implementation
 * (state-store-metrics.ts) scans the event log; an analytics replica (DuckDB) can implement the
 * same interface with one SQL aggregation and be plugged in through the service's deps.
 */

export interface MetricRequest {
  workspaceId: string;
  experimentId: string;
  definition: ExperimentDefinition;
  /** Events after this are not counted (windows still open are cut here). */
  now: number;
}

export interface MetricAggregates {
  /** Exposed units per variant, in definition order. */
  units: number[];
  /** Per metric id, one entry per variant in definition order. */
  metrics: Map<string, VariantMetricData[]>;
}

/** Computes per-variant aggregates (n, sums, sums of squares) of an experiment's metrics. */
export interface MetricSource {
  aggregate(request: MetricRequest): Promise<MetricAggregates>;
}

/** Default attribution window after exposure: 72 hours (GrowthBook's default conversion window). */
export const DEFAULT_WINDOW_HOURS = 72;

/** A metric's window in milliseconds. */
export function windowMs(metric: MetricDefinition): number {
  return (metric.windowHours ?? DEFAULT_WINDOW_HOURS) * 3600_000;
}

/** The event parts a metric reads: its numerator (or single event) and, for ratios, its denominator. */
export function metricParts(metric: MetricDefinition): { numerator: MetricPart; denominator?: MetricPart } {
  if (metric.kind === 'ratio' && metric.numerator !== undefined && metric.denominator !== undefined) return { numerator: metric.numerator, denominator: metric.denominator };
  const part: MetricPart = { event: metric.event ?? '' };
  if (metric.filters !== undefined) part.filters = metric.filters;
  const valueProperty = metric.kind === 'revenue' ? (metric.valueProperty ?? 'revenue') : undefined;
  if (valueProperty !== undefined) part.valueProperty = valueProperty;
  return { numerator: part };
}

/** A property by dotted path (`products.0.price`). @example propertyAt({ a: { b: 1 } }, 'a.b'); // 1 */
export function propertyAt(properties: unknown, path: string): unknown {
  let current: unknown = properties;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = Object.hasOwn(current, segment) ? Reflect.get(current, segment) : undefined;
  }
  return current;
}

/** Whether an event's properties pass a filter. */
export function passesFilter(properties: unknown, filter: PropertyFilter): boolean {
  const value = propertyAt(properties, filter.property);
  switch (filter.op) {
    case 'exists':
      return value !== undefined && value !== null;
    case 'equals':
      return value === filter.value || (value !== undefined && value !== null && String(value) === String(filter.value));
    case 'not_equals':
      return !(value === filter.value || (value !== undefined && value !== null && String(value) === String(filter.value)));
    case 'contains':
      if (Array.isArray(value)) return value.some((item) => String(item) === String(filter.value));
      return typeof value === 'string' && value.toLowerCase().includes(String(filter.value ?? '').toLowerCase());
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const number = numeric(value);
      const bound = numeric(filter.value);
      if (number === undefined || bound === undefined) return false;
      return filter.op === 'gt' ? number > bound : filter.op === 'gte' ? number >= bound : filter.op === 'lt' ? number < bound : number <= bound;
    }
  }
}

/** A finite number from a number or numeric string; undefined otherwise. */
export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}
