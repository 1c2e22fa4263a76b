import { orderEvent } from '../event-facts.js';
import type { AttributionQuery } from '../queries.js';
import { Params } from './filters.js';

/*
 * Attribution of the orders in [from, to). UTM: last touch is the latest non-direct traffic
 * source at or before the order within the lookback (else `direct`); first touch is the
 * profile's earliest traffic source. Message: the latest (or earliest) Rapport message
 * interaction before the order within its channel's window (else `none`).
 */

const hour = 3_600_000;

/**
 * The attribution question as one DuckDB query with its parameters.
 * @example const { text, params } = attributionSql('ws', { from, to, by: 'message' });
 */
export function attributionSql(workspaceId: string, query: AttributionQuery): { text: string; params: Params } {
  const params = new Params();
  const ws = params.add(workspaceId);
  const from = params.add(Date.parse(query.from));
  const to = params.add(Date.parse(query.to));
  const by = query.by ?? 'channel';
  const model = query.model ?? 'last_touch';
  const orders = `orders as (select profile_id, ts, revenue from events where workspace_id = ${ws} and type = 'track' and event = ${params.add(orderEvent)} and profile_id is not null and ts >= ${from} and ts < ${to})`;
  if (by === 'message') {
    const windows = {
      email: params.add(Math.round((query.emailWindowHours ?? 120) * hour)),
      sms: params.add(Math.round((query.smsWindowHours ?? 120) * hour)),
      push: params.add(Math.round((query.pushWindowHours ?? 24) * hour)),
      onsite: params.add(Math.round((query.onsiteWindowHours ?? 24) * hour)),
    };
    const windowOf = `case t.msg_channel when 'email' then ${windows.email} when 'sms' then ${windows.sms} when 'push' then ${windows.push} else ${windows.onsite} end`;
    const pick = model === 'last_touch' ? 'arg_max' : 'arg_min';
    return {
      text: `with ${orders},
        touches as (select profile_id, ts, msg_channel || ':' || coalesce(msg_campaign, 'unknown') as k, msg_channel from events
          where workspace_id = ${ws} and profile_id is not null and msg_channel is not null),
        credited as (
          select o.profile_id, o.ts, any_value(o.revenue) as revenue, ${pick}(t.k, t.ts) filter (where t.ts is not null) as k
          from orders o left join touches t on t.profile_id = o.profile_id and t.ts <= o.ts and o.ts - t.ts <= ${windowOf}
          group by o.profile_id, o.ts, o.revenue),
        totals as (select coalesce(k, 'none') as k, count(*) as orders, coalesce(sum(revenue), 0) as revenue, count(distinct profile_id) as converters from credited group by all),
        reached as (select k, count(distinct profile_id) as touched from touches where ts >= ${from} and ts < ${to} group by k)
        select totals.k as key, orders, revenue, converters, reached.touched from totals left join reached using (k) order by revenue desc, key`,
      params,
    };
  }
  const keyOf = by === 'channel' ? `coalesce(touch_kind, 'direct')` : by === 'source' ? `coalesce(source, '(direct)')` : `coalesce(campaign, '(none)')`;
  // First touch ignores the lookback; add its parameter only when the SQL uses it.
  const lookback = model === 'last_touch' ? params.add(Math.round((query.lookbackDays ?? 30) * 24 * hour)) : '';
  const credited =
    model === 'last_touch'
      ? `touches as (select profile_id, ts, ${keyOf} as k from events where workspace_id = ${ws} and profile_id is not null and touch_kind is not null and touch_kind <> 'direct'),
         credited as (select o.profile_id, o.ts, o.revenue, case when t.ts is not null and o.ts - t.ts <= ${lookback} then t.k end as k
           from orders o asof left join touches t on o.profile_id = t.profile_id and o.ts >= t.ts)`
      : `touches as (select profile_id, ts, ${keyOf} as k from events where workspace_id = ${ws} and profile_id is not null and touch_kind is not null),
         firsts as (select profile_id, min(ts) as ts, arg_min(k, ts) as k from touches group by profile_id),
         credited as (select o.profile_id, o.ts, o.revenue, case when f.ts <= o.ts then f.k end as k from orders o left join firsts f using (profile_id))`;
  const fallback = by === 'channel' ? `'direct'` : by === 'source' ? `'(direct)'` : `'(none)'`;
  return {
    text: `with ${orders}, ${credited},
      totals as (select coalesce(k, ${fallback}) as k, count(*) as orders, coalesce(sum(revenue), 0) as revenue, count(distinct profile_id) as converters from credited group by all),
      reached as (select k, count(distinct profile_id) as touched from touches where ts >= ${from} and ts < ${to} group by k)
      select totals.k as key, orders, revenue, converters, reached.touched from totals left join reached using (k) order by revenue desc, key`,
    params,
  };
}
