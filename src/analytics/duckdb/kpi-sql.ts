import { orderEvent } from '../event-facts.js';
import type { MaturitySignals, PeriodFigures } from '../results.js';
import { count, text, toNumber, type DuckRow } from './connection.js';
import { Params } from './filters.js';

/*
 * The raw figures of one period for the KPI report. Sessions: a profile's site/app events with
 * gaps under 30 minutes (message opens and clicks are not site visits); a session belongs to the
 * period it starts in, takes the traffic source of its first event that has one (else direct),
 * bounces when it holds a single event, and converts when it holds an order.
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
  return {
    text: `with e as (
        select profile_id, ts, partition, seq, touch_kind, (type = 'track' and event = ${order}) as is_order from events
        where workspace_id = ${ws} and profile_id is not null and ts >= ${start} - ${sessionGap} and ts < ${end}
          and type in ('track', 'page', 'screen') and msg_channel is null),
      l as (select *, ts - lag(ts) over (partition by profile_id order by ts, partition, seq) as gap from e),
      n as (select *, sum(case when gap is null or gap > ${sessionGap} then 1 else 0 end) over (partition by profile_id order by ts, partition, seq rows unbounded preceding) as sid from l),
      s as (select profile_id, sid, min(ts) as start_ts, max(ts) as end_ts, count(*) as events, bool_or(is_order) as converted,
              arg_min(touch_kind, ts) filter (where touch_kind is not null) as kind from n group by profile_id, sid)
      select coalesce(kind, 'direct') as kind, count(*) as sessions, count(*) filter (where converted) as converted, count(*) filter (where events = 1) as bounced,
        coalesce(sum(end_ts - start_ts), 0) / 1000.0 as seconds
      from s where start_ts >= ${start} group by all order by kind`,
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
    text: `with o as (select profile_id, ts, coalesce(revenue, 0) as revenue from events where workspace_id = ${ws} and type = 'track' and event = ${order} and profile_id is not null and ts < ${end}),
      firsts as (select profile_id, min(ts) as first_ts from o group by profile_id),
      p as (select o.*, f.first_ts from o join firsts f using (profile_id) where o.ts >= ${start}),
      nps as (select count(*) filter (where nps >= 9) as promoters, count(*) filter (where nps <= 6) as detractors, count(*) as answers from events
        where workspace_id = ${ws} and nps is not null and ts >= ${start} and ts < ${end})
      select (select count(*) from p) as orders, (select coalesce(sum(revenue), 0) from p) as revenue,
        (select count(distinct profile_id) from p) as customers,
        (select count(distinct profile_id) from p where first_ts < ${start}) as returning_customers,
        (select count(distinct profile_id) from p where first_ts >= ${start}) as new_customers,
        (select coalesce(sum(revenue), 0) from p where first_ts >= ${start}) as new_revenue,
        (select coalesce(sum(revenue), 0) from p where first_ts < ${start}) as returning_revenue,
        (select sum(revenue) / nullif(count(distinct profile_id), 0) from o) as revenue_per_customer,
        nps.promoters, nps.detractors, nps.answers
      from nps`,
    params,
  };
}

/**
 * Combines the rows of the two queries above.
 * @example periodFigures(sessionRows, orderRow).sessions
 */
export function periodFigures(sessions: readonly DuckRow[], orders: DuckRow | undefined): PeriodFigures {
  const trafficByKind: Record<string, number> = {};
  let total = 0;
  let converted = 0;
  let bounced = 0;
  let seconds = 0;
  for (const row of sessions) {
    const n = count(row.sessions);
    trafficByKind[text(row.kind) ?? 'direct'] = n;
    total += n;
    converted += count(row.converted);
    bounced += count(row.bounced);
    seconds += count(row.seconds);
  }
  return {
    sessions: total,
    convertedSessions: converted,
    bouncedSessions: bounced,
    sessionSeconds: seconds,
    orders: count(orders?.orders),
    revenue: count(orders?.revenue),
    customers: count(orders?.customers),
    returningCustomers: count(orders?.returning_customers),
    newCustomers: count(orders?.new_customers),
    newRevenue: count(orders?.new_revenue),
    returningRevenue: count(orders?.returning_revenue),
    trafficByKind,
    revenuePerCustomerToDate: toNumber(orders?.revenue_per_customer),
    promoters: count(orders?.promoters),
    detractors: count(orders?.detractors),
    surveyAnswers: count(orders?.answers),
  };
}

export const behaviourEvents = ['Product Viewed', 'Product List Viewed', 'Product Clicked', 'Product Added', 'Cart Viewed', 'Checkout Started', 'Products Searched'];
export const personalizationEvents = ['Recommendation Viewed', 'Recommendation Clicked', 'Onsite Campaign Viewed', 'Onsite Campaign Clicked', 'Experiment Viewed', 'Coupon Applied'];

/**
 * What the workspace tracks, for the maturity assessment.
 * @example const { text, params } = signalsSql('ws');
 */
export function signalsSql(workspaceId: string): { text: string; params: Params } {
  const params = new Params();
  const ws = params.add(workspaceId);
  const list = (names: readonly string[]): string => names.map((name) => params.add(name)).join(', ');
  const order = params.add(orderEvent);
  return {
    text: `select
        (select count(*) from profiles where workspace_id = ${ws} and merged_into is null) as profiles,
        (select count(*) from profiles where workspace_id = ${ws} and merged_into is null and (has_email or has_phone)) as identified,
        count(*) filter (where type = 'track' and event = ${order}) as orders,
        count(*) filter (where type = 'track' and event in (${list(behaviourEvents)})) as behaviour,
        count(*) filter (where type = 'track' and event in (${list(personalizationEvents)})) as personalization,
        count(*) filter (where type = 'page') > 0 as web,
        count(*) filter (where type = 'screen') > 0 as app,
        list(distinct msg_channel) filter (where msg_channel is not null) as message_channels
      from events where workspace_id = ${ws}`,
    params,
  };
}

/**
 * Typed signals from the row of `signalsSql`.
 * @example maturitySignals(row).channels // ['email', 'web']
 */
export function maturitySignals(row: DuckRow | undefined): MaturitySignals {
  const profiles = count(row?.profiles);
  const channels: string[] = [];
  if (row?.web === true) channels.push('web');
  if (row?.app === true) channels.push('app');
  const messages = Array.isArray(row?.message_channels) ? row.message_channels : [];
  for (const channel of messages) if (typeof channel === 'string') channels.push(channel);
  return {
    profiles,
    identifiedShare: profiles === 0 ? 0 : count(row?.identified) / profiles,
    orders: count(row?.orders),
    behaviourEvents: count(row?.behaviour),
    channels: channels.sort(),
    personalizationEvents: count(row?.personalization),
  };
}
