import { orderEvent } from '../event-facts.js';
import { rfmGrid, rfmGroups, type RfmGroup } from '../rfm.js';
import type { RfmGroupSummary, RfmProfileRow } from '../results.js';
import { count, text, toNumber, type DuckRow } from './connection.js';
import { Params } from './filters.js';

/*
 * RFM in SQL, the same scoring as the pure `scoreRfm` (quintile of rank, ties sharing the lowest
 * rank; revenue rounded to cents so both sides see equal values as equal). The tests hold the
 * two to the same answer on real data.
 */

const gridLiteral = `[${rfmGrid.map((row) => `[${row.map((group) => `'${group}'`).join(', ')}]`).join(', ')}]`;

/**
 * CTE `scored(profile_id, last_ts, orders, revenue, recency_days, r, f, m, grp)` as of `asOf`.
 * @example `with ${rfmCte(params, 'ws', Date.now())} select grp, count(*) from scored group by grp`
 */
export function rfmCte(params: Params, workspaceId: string, asOf: number, name = 'scored'): string {
  const ws = params.add(workspaceId);
  const at = params.add(asOf);
  const event = params.add(orderEvent);
  return `${name}_o as (
      select profile_id, max(ts) as last_ts, count(*) as orders, round(coalesce(sum(revenue), 0), 2) as revenue from events
      where workspace_id = ${ws} and type = 'track' and event = ${event} and profile_id is not null and ts < ${at} group by profile_id),
    ${name}_s as (
      select *, (${at} - last_ts) / 86400000.0 as recency_days,
        1 + floor(5 * (rank() over (order by last_ts) - 1) / count(*) over ())::integer as r,
        1 + floor(5 * (rank() over (order by orders) - 1) / count(*) over ())::integer as f,
        1 + floor(5 * (rank() over (order by revenue) - 1) / count(*) over ())::integer as m
      from ${name}_o),
    ${name} as (select *, ${gridLiteral}[r][((f + m) // 2)::integer] as grp from ${name}_s)`;
}

/**
 * Customers, revenue and averages per RFM group.
 * @example const { text, params } = rfmSummarySql('ws', Date.now());
 */
export function rfmSummarySql(workspaceId: string, asOf: number): { text: string; params: Params } {
  const params = new Params();
  const cte = rfmCte(params, workspaceId, asOf);
  return {
    text: `with ${cte}
      select grp, count(*) as profiles, sum(revenue) as revenue, avg(recency_days) as recency, avg(orders) as orders, avg(revenue) as avg_revenue
      from scored group by grp`,
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
  const tail = limit === undefined ? '' : ` limit ${params.add(limit)}`;
  return { text: `with ${cte} select profile_id, recency_days, orders, revenue, r, f, m, grp from scored order by profile_id${tail}`, params };
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
    text: `with ${now}, ${before}
      select coalesce(b.grp, 'none') as from_group, n.grp as to_group, count(*) as profiles
      from now_s n left join before_s b using (profile_id) group by all order by profiles desc, from_group, to_group`,
    params,
  };
}

function isGroup(value: string | null): value is RfmGroup {
  return rfmGroups.some((group) => group === value);
}

/**
 * One summary per named group (zero rows for groups nobody is in).
 * @example rfmGroupSummaries(rows).groups.length // 11
 */
export function rfmGroupSummaries(rows: readonly DuckRow[]): { customers: number; groups: RfmGroupSummary[] } {
  const customers = rows.reduce((sum, row) => sum + count(row.profiles), 0);
  const byGroup = new Map(rows.map((row) => [text(row.grp), row]));
  const groups = rfmGroups.map((group) => {
    const row = byGroup.get(group);
    const profiles = count(row?.profiles);
    return {
      group,
      profiles,
      share: customers === 0 ? 0 : profiles / customers,
      revenue: count(row?.revenue),
      avgRecencyDays: toNumber(row?.recency),
      avgOrders: toNumber(row?.orders),
      avgRevenue: toNumber(row?.avg_revenue),
    };
  });
  return { customers, groups };
}

/**
 * Typed rows of `rfmRowsSql`.
 * @example rfmProfileRows(rows)[0]?.group
 */
export function rfmProfileRows(rows: readonly DuckRow[]): RfmProfileRow[] {
  return rows.flatMap((row) => {
    const group = text(row.grp);
    if (!isGroup(group)) return [];
    return [
      {
        profileId: text(row.profile_id) ?? '',
        recencyDays: count(row.recency_days),
        orders: count(row.orders),
        revenue: count(row.revenue),
        r: count(row.r),
        f: count(row.f),
        m: count(row.m),
        group,
      },
    ];
  });
}
