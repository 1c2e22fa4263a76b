import type { CohortQuery } from '../queries.js';
import { orderEvent } from '../event-facts.js';
import { Params } from './params.js';

/*
 * Cohorts in ClickHouse's dialect, the question of duckdb/cohort-sql.ts: profiles grouped by the
 * UTC week (from Monday) or month of their anchor; per later period, how many did the return
 * event and what they spent. Offset 0 is the anchor's own period.
 */

/**
 * The cohort question as one ClickHouse query (rows as duckdb/cohort-sql.ts's `cohortResult` reads them).
 * @example const { text, params } = cohortSql('ws', { period: 'month' });
 */
export function cohortSql(workspaceId: string, query: CohortQuery): { text: string; params: Params } {
  const params = new Params();
  const ws = params.add(workspaceId);
  const period = query.period ?? 'month';
  const periods = params.add(query.periods ?? 12);
  const anchor = query.anchor ?? 'first_purchase';
  const sameEvents = anchor === 'first_purchase' && (query.returnEvent ?? orderEvent) === orderEvent;
  const anchorCondition = sameEvents
    ? ''
    : anchor === 'first_purchase'
      ? `type = 'track' AND event = ${params.add(orderEvent)}`
      : anchor === 'signup'
        ? `type = 'track' AND event = ${params.add(query.signupEvent ?? 'Signed Up')}`
        : `type IN ('track', 'page', 'screen')`;
  const returnCondition = `type = 'track' AND event = ${params.add(query.returnEvent ?? orderEvent)}`;
  const range: string[] = [];
  if (query.from !== undefined) range.push(`t0 >= ${params.add(Date.parse(query.from))}`);
  if (query.to !== undefined) range.push(`t0 < ${params.add(Date.parse(query.to))}`);
  const start = (ts: string): string => (period === 'month' ? `toStartOfMonth(fromUnixTimestamp64Milli(${ts}, 'UTC'))` : `toMonday(fromUnixTimestamp64Milli(${ts}, 'UTC'))`);
  const offset = period === 'month' ? `dateDiff('month', c.cohort, ${start('e.ts')})` : `intDiv(dateDiff('day', c.cohort, ${start('e.ts')}), 7)`;
  const anchorSource = sameEvents ? 'e' : `(SELECT assumeNotNull(profile_id) AS pid, ts FROM events WHERE workspace_id = ${ws} AND profile_id IS NOT NULL AND ${anchorCondition})`;
  const text = `WITH e AS (SELECT assumeNotNull(profile_id) AS pid, ts, revenue FROM events WHERE workspace_id = ${ws} AND profile_id IS NOT NULL AND ${returnCondition}),
    anchors AS (SELECT pid, min(ts) AS t0 FROM ${anchorSource} GROUP BY pid),
    c AS (SELECT pid, t0, ${start('t0')} AS cohort FROM anchors ${range.length > 0 ? `WHERE ${range.join(' AND ')}` : ''}),
    acts AS (SELECT e.pid AS pid, c.cohort AS cohort, ${offset} AS k, e.revenue AS revenue FROM e INNER JOIN c ON c.pid = e.pid WHERE e.ts >= c.t0),
    kept AS (SELECT * FROM acts WHERE k >= 0 AND k < ${periods}),
    cells AS (SELECT cohort, k, uniqExact(pid) AS customers, count() AS events, coalesce(sum(revenue), 0) AS revenue FROM kept GROUP BY cohort, k),
    per_profile AS (SELECT cohort, pid, count() AS n FROM kept GROUP BY cohort, pid),
    sizes AS (SELECT cohort, count() AS size FROM c GROUP BY cohort),
    repeats AS (SELECT cohort, countIf(n >= 2) AS repeat_customers FROM per_profile GROUP BY cohort)
    SELECT formatDateTime(s.cohort, '%Y-%m-%d') AS cohort, s.size AS size, coalesce(r.repeat_customers, 0) AS repeat_customers,
      cells.k AS k, cells.customers AS customers, cells.events AS events, cells.revenue AS revenue
    FROM sizes AS s LEFT JOIN repeats AS r ON r.cohort = s.cohort LEFT JOIN cells ON cells.cohort = s.cohort
    ORDER BY s.cohort, cells.k`;
  return { text, params };
}
