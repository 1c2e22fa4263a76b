import { orderEvent } from '../event-facts.js';
import { rfmGrid } from '../rfm.js';
import { Params } from './params.js';

/*
 * RFM in ClickHouse's dialect, the scoring of duckdb/rfm-sql.ts and the pure `scoreRfm`: quintile
 * of rank (ties share the lowest rank), revenue rounded half away from zero to cents (a Decimal,
 * since ClickHouse rounds floats half to even).
 */

const gridLiteral = `[${rfmGrid.map((row) => `[${row.map((group) => `'${group}'`).join(', ')}]`).join(', ')}]`;

function rfmCte(params: Params, workspaceId: string, asOf: number, name = 'scored'): string {
  const ws = params.add(workspaceId);
  const at = params.add(asOf);
  const event = params.add(orderEvent);
  const score = (column: string): string => `toInt32(1 + floor(5 * (rank() OVER (ORDER BY ${column}) - 1) / count() OVER ()))`;
  return `${name}_o AS (
      SELECT assumeNotNull(profile_id) AS pid, max(ts) AS last_ts, count() AS orders, toFloat64(round(toDecimal128(coalesce(sum(revenue), 0), 6), 2)) AS revenue FROM events
      WHERE workspace_id = ${ws} AND type = 'track' AND event = ${event} AND profile_id IS NOT NULL AND ts < ${at} GROUP BY pid),
    ${name}_s AS (
      SELECT *, (${at} - last_ts) / 86400000.0 AS recency_days, ${score('last_ts')} AS r, ${score('orders')} AS f, ${score('revenue')} AS m
      FROM ${name}_o),
    ${name} AS (SELECT *, ${gridLiteral}[r][intDiv(f + m, 2)] AS grp FROM ${name}_s)`;
}

/**
 * Customers, revenue and averages per RFM group.
 * @example const { text, params } = rfmSummarySql('ws', Date.now());
 */
export function rfmSummarySql(workspaceId: string, asOf: number): { text: string; params: Params } {
  const params = new Params();
  const cte = rfmCte(params, workspaceId, asOf);
  return {
    text: `WITH ${cte}
      SELECT grp, n AS profiles, total AS revenue, mean_recency AS recency, mean_orders AS orders, mean_revenue AS avg_revenue FROM (
        SELECT grp, count() AS n, sum(revenue) AS total, avg(recency_days) AS mean_recency, avg(orders) AS mean_orders, avg(revenue) AS mean_revenue
        FROM scored GROUP BY grp)`,
    params,
  };
}

/**
 * Scored customers by profile id, the first `limit` (all without).
 * @example const { text, params } = rfmRowsSql('ws', Date.now(), 100);
 */
export function rfmRowsSql(workspaceId: string, asOf: number, limit: number | undefined): { text: string; params: Params } {
  const params = new Params();
  const cte = rfmCte(params, workspaceId, asOf);
  const tail = limit === undefined ? '' : ` LIMIT ${params.add(limit, 'UInt64')}`;
  return { text: `WITH ${cte} SELECT pid AS profile_id, recency_days, orders, revenue, r, f, m, grp FROM scored ORDER BY profile_id${tail}`, params };
}

/**
 * Customers per (group at `compareTo`, group at `asOf`); `none` when not yet a customer.
 * @example const { text, params } = rfmMovementSql('ws', now, now - 30 * 86_400_000);
 */
export function rfmMovementSql(workspaceId: string, asOf: number, compareTo: number): { text: string; params: Params } {
  const params = new Params();
  const now = rfmCte(params, workspaceId, asOf, 'now_s');
  const before = rfmCte(params, workspaceId, compareTo, 'before_s');
  return {
    text: `WITH ${now}, ${before}
      SELECT coalesce(b.grp, 'none') AS from_group, n.grp AS to_group, count() AS profiles
      FROM now_s AS n LEFT JOIN before_s AS b ON b.pid = n.pid GROUP BY from_group, to_group ORDER BY profiles DESC, from_group, to_group`,
    params,
  };
}
