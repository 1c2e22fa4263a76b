import { orderEvent } from '../event-facts.js';
import { behaviourEvents, personalizationEvents } from '../duckdb/kpi-sql.js';
import { Params } from './params.js';

/*
 * The KPI report's raw figures and the maturity signals in ClickHouse's dialect, the questions
 * of duckdb/kpi-sql.ts (rows as its `periodFigures` and `maturitySignals` read them). Sessions:
 * a profile's site/app events with gaps under 30 minutes, in the period they start in.
 */

const sessionGap = 1_800_000;

/**
 * Sessions of [from, to) per traffic kind: count, converted, bounced, seconds.
 * @example const { text, params } = sessionFiguresSql('ws', from, to);
 */
export function sessionFiguresSql(workspaceId: string, from: number, to: number): { text: string; params: Params } {
  const params = new Params();
  const ws = params.add(workspaceId);
  const start = params.add(from);
  const end = params.add(to);
  const order = params.add(orderEvent);
  const sequence = 'PARTITION BY pid ORDER BY ts, part, seq';
  return {
    text: `WITH e AS (
        SELECT assumeNotNull(profile_id) AS pid, ts, partition AS part, seq, touch_kind AS tk, (type = 'track' AND event = ${order}) AS is_order FROM events
        WHERE workspace_id = ${ws} AND profile_id IS NOT NULL AND ts >= ${start} - ${sessionGap} AND ts < ${end}
          AND type IN ('track', 'page', 'screen') AND msg_channel IS NULL),
      l AS (SELECT *, ts - lagInFrame(toNullable(ts)) OVER (${sequence} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS gap FROM e),
      n AS (SELECT *, sum(if(gap IS NULL OR gap > ${sessionGap}, 1, 0)) OVER (${sequence} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sid FROM l),
      s AS (SELECT pid, sid, min(ts) AS start_ts, max(ts) AS end_ts, count() AS n_events, max(is_order) AS is_converted,
              argMinIf(tk, ts, tk IS NOT NULL) AS first_kind FROM n GROUP BY pid, sid)
      SELECT coalesce(first_kind, 'direct') AS kind, count() AS sessions, countIf(is_converted) AS converted, countIf(n_events = 1) AS bounced,
        coalesce(sum(end_ts - start_ts), 0) / 1000.0 AS seconds
      FROM s WHERE start_ts >= ${start} GROUP BY kind ORDER BY kind`,
    params,
  };
}

/**
 * Orders, customers (new and returning), revenue to date per customer and NPS answers of [from, to).
 * @example const { text, params } = orderFiguresSql('ws', from, to);
 */
export function orderFiguresSql(workspaceId: string, from: number, to: number): { text: string; params: Params } {
  const params = new Params();
  const ws = params.add(workspaceId);
  const start = params.add(from);
  const end = params.add(to);
  const order = params.add(orderEvent);
  return {
    text: `WITH o AS (SELECT assumeNotNull(profile_id) AS pid, ts AS ots, coalesce(revenue, 0) AS rev FROM events
        WHERE workspace_id = ${ws} AND type = 'track' AND event = ${order} AND profile_id IS NOT NULL AND ts < ${end}),
      firsts AS (SELECT pid AS fpid, min(ots) AS first_ts FROM o GROUP BY fpid),
      p AS (SELECT o.pid AS pid, o.rev AS rev, f.first_ts AS first_ts FROM o INNER JOIN firsts AS f ON f.fpid = o.pid WHERE o.ots >= ${start}),
      answers AS (SELECT countIf(nps >= 9) AS n_promoters, countIf(nps <= 6) AS n_detractors, count() AS n_answers FROM events
        WHERE workspace_id = ${ws} AND nps IS NOT NULL AND ts >= ${start} AND ts < ${end})
      SELECT (SELECT count() FROM p) AS orders, (SELECT coalesce(sum(rev), 0) FROM p) AS revenue,
        (SELECT uniqExact(pid) FROM p) AS customers,
        (SELECT uniqExact(pid) FROM p WHERE first_ts < ${start}) AS returning_customers,
        (SELECT uniqExact(pid) FROM p WHERE first_ts >= ${start}) AS new_customers,
        (SELECT coalesce(sum(rev), 0) FROM p WHERE first_ts >= ${start}) AS new_revenue,
        (SELECT coalesce(sum(rev), 0) FROM p WHERE first_ts < ${start}) AS returning_revenue,
        (SELECT sum(rev) / nullIf(uniqExact(pid), 0) FROM o) AS revenue_per_customer,
        n_promoters AS promoters, n_detractors AS detractors, n_answers AS answers
      FROM answers`,
    params,
  };
}

/**
 * What the workspace tracks, for the maturity assessment.
 * @example const { text, params } = signalsSql('ws');
 */
export function signalsSql(workspaceId: string): { text: string; params: Params } {
  const params = new Params();
  const ws = params.add(workspaceId);
  const order = params.add(orderEvent);
  return {
    text: `SELECT
        (SELECT count() FROM profiles WHERE workspace_id = ${ws} AND merged_into IS NULL) AS n_profiles,
        (SELECT count() FROM profiles WHERE workspace_id = ${ws} AND merged_into IS NULL AND (has_email OR has_phone)) AS identified,
        countIf(type = 'track' AND event = ${order}) AS orders,
        countIf(type = 'track' AND has(${params.add(behaviourEvents)}, event)) AS behaviour,
        countIf(type = 'track' AND has(${params.add(personalizationEvents)}, event)) AS personalization,
        toBool(countIf(type = 'page') > 0) AS web,
        toBool(countIf(type = 'screen') > 0) AS app,
        groupUniqArrayIf(assumeNotNull(msg_channel), msg_channel IS NOT NULL) AS message_channels
      FROM events WHERE workspace_id = ${ws}`,
    params,
  };
}
