import { orderEvent } from '../event-facts.js';
import type { AttributionQuery } from '../queries.js';
import { Params } from './params.js';

/*
 * Attribution in ClickHouse's dialect, the question of duckdb/attribution-sql.ts: orders of
 * [from, to) credited to the latest non-direct traffic source within the lookback (last touch),
 * the profile's earliest source (first touch), or the latest/earliest Rapport message
 * interaction within its channel's window (message).
 */

const hour = 3_600_000;

/**
 * The attribution question as one ClickHouse query: rows of key, orders, revenue, converters, touched.
 * @example const { text, params } = attributionSql('ws', { from, to, by: 'message' });
 */
export function attributionSql(workspaceId: string, query: AttributionQuery): { text: string; params: Params } {
  const params = new Params();
  const ws = params.add(workspaceId);
  const from = params.add(Date.parse(query.from));
  const to = params.add(Date.parse(query.to));
  const by = query.by ?? 'channel';
  const model = query.model ?? 'last_touch';
  const orders = `orders AS (SELECT assumeNotNull(profile_id) AS pid, ts AS ots, revenue AS orev FROM events
    WHERE workspace_id = ${ws} AND type = 'track' AND event = ${params.add(orderEvent)} AND profile_id IS NOT NULL AND ts >= ${from} AND ts < ${to})`;
  let credited: string;
  let fallback: string;
  if (by === 'message') {
    const windows = {
      email: params.add(Math.round((query.emailWindowHours ?? 120) * hour)),
      sms: params.add(Math.round((query.smsWindowHours ?? 120) * hour)),
      push: params.add(Math.round((query.pushWindowHours ?? 24) * hour)),
      onsite: params.add(Math.round((query.onsiteWindowHours ?? 24) * hour)),
    };
    const windowOf = `multiIf(t.ch = 'email', ${windows.email}, t.ch = 'sms', ${windows.sms}, t.ch = 'push', ${windows.push}, ${windows.onsite})`;
    const inWindow = `t.tts IS NOT NULL AND t.tts <= o.ots AND o.ots - t.tts <= ${windowOf}`;
    const pick = model === 'last_touch' ? 'argMaxIf' : 'argMinIf';
    credited = `touches AS (SELECT assumeNotNull(profile_id) AS tpid, ts AS tts, concat(assumeNotNull(msg_channel), ':', coalesce(msg_campaign, 'unknown')) AS k, msg_channel AS ch
        FROM events WHERE workspace_id = ${ws} AND profile_id IS NOT NULL AND msg_channel IS NOT NULL),
      credited AS (
        SELECT o.pid AS pid, any(o.orev) AS rev, ${pick}(t.k, t.tts, ${inWindow}) AS ck
        FROM orders AS o LEFT JOIN touches AS t ON t.tpid = o.pid
        GROUP BY o.pid, o.ots, o.orev)`;
    fallback = `'none'`;
  } else {
    const keyOf = by === 'channel' ? `coalesce(touch_kind, 'direct')` : by === 'source' ? `coalesce(source, '(direct)')` : `coalesce(campaign, '(none)')`;
    fallback = by === 'channel' ? `'direct'` : by === 'source' ? `'(direct)'` : `'(none)'`;
    if (model === 'last_touch') {
      const lookback = params.add(Math.round((query.lookbackDays ?? 30) * 24 * hour));
      credited = `touches AS (SELECT assumeNotNull(profile_id) AS tpid, ts AS tts, ${keyOf} AS k FROM events
          WHERE workspace_id = ${ws} AND profile_id IS NOT NULL AND touch_kind IS NOT NULL AND touch_kind <> 'direct'),
        credited AS (SELECT o.pid AS pid, o.orev AS rev, if(t.tts IS NOT NULL AND o.ots - t.tts <= ${lookback}, t.k, NULL) AS ck
          FROM orders AS o ASOF LEFT JOIN touches AS t ON o.pid = t.tpid AND o.ots >= t.tts)`;
    } else {
      credited = `touches AS (SELECT assumeNotNull(profile_id) AS tpid, ts AS tts, ${keyOf} AS k FROM events
          WHERE workspace_id = ${ws} AND profile_id IS NOT NULL AND touch_kind IS NOT NULL),
        firsts AS (SELECT tpid AS fpid, min(tts) AS fts, argMin(k, tts) AS fk FROM touches GROUP BY fpid),
        credited AS (SELECT o.pid AS pid, o.orev AS rev, if(f.fts <= o.ots, f.fk, NULL) AS ck FROM orders AS o LEFT JOIN firsts AS f ON f.fpid = o.pid)`;
    }
  }
  return {
    text: `WITH ${orders}, ${credited},
      totals AS (SELECT coalesce(ck, ${fallback}) AS tk, count() AS n_orders, coalesce(sum(rev), 0) AS n_revenue, uniqExact(pid) AS n_converters FROM credited GROUP BY tk),
      reached AS (SELECT k AS rk, uniqExact(tpid) AS n_touched FROM touches WHERE tts >= ${from} AND tts < ${to} GROUP BY rk)
      SELECT totals.tk AS key, n_orders AS orders, n_revenue AS revenue, n_converters AS converters, reached.n_touched AS touched
      FROM totals LEFT JOIN reached ON reached.rk = totals.tk ORDER BY revenue DESC, key`,
    params,
  };
}
