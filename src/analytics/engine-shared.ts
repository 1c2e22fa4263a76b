import { RapportError } from '../shared/errors.js';
import type { RawAttribution } from './engine.js';
import type { AttributionQuery, DroppedQuery, FunnelQuery } from './queries.js';
import { count, text, toNumber } from './sql-values.js';

/* What every AnalyticsEngine checks before it asks its store, and reads back the same way. */

/**
 * Throws the client's error for a range that is not two dates in order.
 * @example checkRange(query.from, query.to);
 */
export function checkRange(from: string, to: string): void {
  const start = Date.parse(from);
  const end = Date.parse(to);
  if (!Number.isFinite(start)) throw new RapportError('analytics.range_invalid', `from is not a valid date-time: "${from}"`);
  if (!Number.isFinite(end)) throw new RapportError('analytics.range_invalid', `to is not a valid date-time: "${to}"`);
  if (!(start < end)) throw new RapportError('analytics.range_invalid', `from (${from}) must be before to (${to})`);
}

/**
 * Checks a dropped-profiles question: its range and a step the funnel has.
 * @example checkDropped(query);
 */
export function checkDropped(query: DroppedQuery): void {
  checkRange(query.from, query.to);
  if (query.step > query.steps.length) throw new RapportError('analytics.step_out_of_range', `step must be between 2 and ${query.steps.length} (the funnel's steps)`);
}

/**
 * Checks a segment breakdown names at least one segment.
 * @example checkSegments(query, segments);
 */
export function checkSegments(query: FunnelQuery, segments: readonly unknown[]): void {
  if (query.breakdown === 'segment' && segments.length === 0) throw new RapportError('analytics.segments_required', 'breakdown=segment needs segmentIds naming at least one segment');
}

/**
 * Attribution rows (key, orders, revenue, converters, touched) as the result, before ad spend.
 * @example rawAttribution(query, rows).rows[0]?.key
 */
export function rawAttribution(query: AttributionQuery, rows: readonly Record<string, unknown>[]): RawAttribution {
  return {
    model: query.model ?? 'last_touch',
    by: query.by ?? 'channel',
    rows: rows.map((row) => {
      const converters = count(row.converters);
      const touched = toNumber(row.touched);
      return {
        key: text(row.key) ?? '',
        orders: count(row.orders),
        revenue: count(row.revenue),
        converters,
        touched,
        conversionRate: touched === null || touched === 0 ? null : converters / touched,
        spend: null,
        cpa: null,
        roas: null,
      };
    }),
  };
}
