import type { CohortQuery } from '../queries.js';
import type { CohortResult, CohortRow } from '../results.js';
import { count, text, type DuckRow } from './connection.js';
import { Params } from './filters.js';
import { orderEvent } from '../event-facts.js';

/*
 * Cohorts: profiles grouped by the period (week or month, UTC) of their anchor (first purchase,
 * signup event, or first event); for each later period, how many of them did the return event
 * (purchases by default) and what they spent. Offset 0 is the anchor's own period.
 */

export interface CohortSql {
  text: string;
  params: Params;
}

/**
 * The cohort question as one DuckDB query with its parameters.
 * @example const { text, params } = cohortSql('ws', { period: 'month' }); await duck.all(text, params.values);
 */
export function cohortSql(workspaceId: string, query: CohortQuery): CohortSql {
  const params = new Params();
  const ws = params.add(workspaceId);
  const period = query.period ?? 'month';
  const periods = params.add(query.periods ?? 12);
  const anchor = query.anchor ?? 'first_purchase';
  // Purchases anchored on the first purchase: one scan of the orders serves both.
  const sameEvents = anchor === 'first_purchase' && (query.returnEvent ?? orderEvent) === orderEvent;
  const anchorCondition = sameEvents
    ? ''
    : anchor === 'first_purchase'
      ? `type = 'track' and event = ${params.add(orderEvent)}`
      : anchor === 'signup'
        ? `type = 'track' and event = ${params.add(query.signupEvent ?? 'Signed Up')}`
        : `type in ('track', 'page', 'screen')`;
  const returnCondition = `e.type = 'track' and e.event = ${params.add(query.returnEvent ?? orderEvent)}`;
  const range: string[] = [];
  if (query.from !== undefined) range.push(`t0 >= ${params.add(Date.parse(query.from))}`);
  if (query.to !== undefined) range.push(`t0 < ${params.add(Date.parse(query.to))}`);
  const offset = period === 'month' ? `datediff('month', c.cohort, date_trunc('month', epoch_ms(e.ts)))` : `datediff('day', c.cohort, date_trunc('week', epoch_ms(e.ts))) // 7`;
  const text = `with e as (select profile_id, ts, revenue from events e where e.workspace_id = ${ws} and e.profile_id is not null and ${returnCondition}),
    anchors as (
      select profile_id, min(ts) as t0 from ${sameEvents ? 'e' : `events where workspace_id = ${ws} and profile_id is not null and ${anchorCondition}`} group by profile_id),
    c as (select profile_id, t0, date_trunc('${period}', epoch_ms(t0)) as cohort from anchors ${range.length > 0 ? `where ${range.join(' and ')}` : ''}),
    acts as (select e.profile_id, c.cohort, ${offset} as k, e.revenue from e join c using (profile_id) where e.ts >= c.t0),
    kept as (select * from acts where k >= 0 and k < ${periods}),
    cells as (select cohort, k, count(distinct profile_id) as customers, count(*) as events, coalesce(sum(revenue), 0) as revenue from kept group by cohort, k),
    per_profile as (select cohort, profile_id, count(*) as n from kept group by cohort, profile_id),
    sizes as (select cohort, count(*) as size from c group by cohort),
    repeats as (select cohort, count(*) filter (where n >= 2) as repeat_customers from per_profile group by cohort)
    select strftime(s.cohort, '%Y-%m-%d') as cohort, s.size, coalesce(r.repeat_customers, 0) as repeat_customers, cells.k, cells.customers, cells.events, cells.revenue
    from sizes s left join repeats r using (cohort) left join cells using (cohort)
    order by s.cohort, cells.k`;
  return { text, params };
}

/**
 * Assembles the rows of `cohortSql` into one row per cohort.
 * @example cohortResult(query, rows).cohorts[0]?.size
 */
export function cohortResult(query: CohortQuery, rows: readonly DuckRow[]): CohortResult {
  const period = query.period ?? 'month';
  const byCohort = new Map<string, CohortRow>();
  for (const row of rows) {
    const day = text(row.cohort) ?? '';
    const label = period === 'month' ? day.slice(0, 7) : day;
    let cohort = byCohort.get(label);
    if (cohort === undefined) {
      cohort = { cohort: label, size: count(row.size), repeatCustomers: count(row.repeat_customers), revenue: 0, periods: [] };
      byCohort.set(label, cohort);
    }
    if (row.k === null || row.k === undefined) continue;
    const customers = count(row.customers);
    const revenue = count(row.revenue);
    cohort.revenue += revenue;
    cohort.periods.push({ offset: count(row.k), customers, rate: cohort.size === 0 ? 0 : customers / cohort.size, events: count(row.events), revenue });
  }
  return { anchor: query.anchor ?? 'first_purchase', period, returnEvent: query.returnEvent ?? orderEvent, cohorts: [...byCohort.values()] };
}
