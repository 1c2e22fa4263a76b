import type { FunnelQuery } from '../queries.js';
import type { FunnelResult, FunnelStepResult } from '../results.js';
import { count, text, toNumber, type DuckRow } from './connection.js';
import { Params, stepSql } from './filters.js';

/*
 * Funnels over the replica. A profile enters at its first step-1 event in [from, to); each next
 * step is the earliest matching event after the previous step (loose), the very next event
 * (strict), or any matching event after step 1 (any), always within the window from step 1.
 * Taking the earliest match is what lets a profile go furthest, so the greedy walk is exact.
 */

export const timeBuckets: readonly { label: string; below: number }[] = [
  { label: '<1m', below: 60_000 },
  { label: '1-10m', below: 600_000 },
  { label: '10m-1h', below: 3_600_000 },
  { label: '1-6h', below: 21_600_000 },
  { label: '6-24h', below: 86_400_000 },
  { label: '1-3d', below: 259_200_000 },
  { label: '3-7d', below: 604_800_000 },
  { label: '>7d', below: Number.POSITIVE_INFINITY },
];

export interface SegmentMembers {
  id: string;
  profileIds: readonly string[];
}

export interface FunnelSql {
  text: string;
  params: Params;
}

/** The CTE chain ending in `final(profile_id, bkey, t1 .. tn)`. */
function funnelCtes(workspaceId: string, query: FunnelQuery, hasSegments: boolean): { ctes: string; params: Params; n: number } {
  const params = new Params();
  const ws = params.add(workspaceId);
  const from = params.add(Date.parse(query.from));
  const to = params.add(Date.parse(query.to));
  const windowMs = params.add(Math.round((query.windowHours ?? 168) * 3_600_000));
  const order = query.order ?? 'loose';
  const steps = query.steps.map((step, index) => stepSql(step, params, `steps[${index}]`));
  const n = steps.length;
  const flags = steps.map((condition, index) => `${condition} as s${index + 1}`).join(', ');
  const anyStep = order === 'strict' ? '' : `and (${steps.join(' or ')})`;
  // Position of an event in its profile's history. Strict order needs adjacency (a row number,
  // which costs a sort); otherwise the log position packed into one HUGEINT orders events by
  // (time, partition, seq) with no sort (partitions < 2^10 and seq < 2^32 by configuration).
  const ordSql = order === 'strict' ? 'row_number() over (partition by profile_id order by ts, partition, seq) as ord' : '(ts::hugeint << 42) + (partition::hugeint << 32) + seq as ord';
  const ctes: string[] = [];
  ctes.push(`ev as (
    select profile_id, ts, device, country, ${ordSql}, ${flags}
    from events
    where workspace_id = ${ws} and profile_id is not null and ts >= ${from} and ts < ${to} + ${windowMs} and type in ('track', 'page', 'screen') ${anyStep})`);
  ctes.push(`f1 as (
    select profile_id, min(ord) as o1, min(ts) as t1, arg_min(device, ord) as device, arg_min(country, ord) as country
    from ev where s1 and ts < ${to} group by profile_id)`);
  for (let k = 2; k <= n; k++) {
    const previous = `f.o${k - 1}`;
    const after = order === 'strict' ? `e.ord = ${previous} + 1` : order === 'any' ? 'e.ord > f.o1' : `e.ord > ${previous}`;
    // The step's match is a join condition, so only that step's events meet the profiles still in.
    ctes.push(`f${k} as (
      select f.profile_id, any_value(f.t1) as t1, any_value(f.o1) as o1, min(e.ord) as o${k}, min(e.ts) as t${k}
      from f${k - 1} f join ev e on e.profile_id = f.profile_id and e.s${k} and ${after} and e.ts <= f.t1 + ${windowMs}
      group by f.profile_id)`);
  }
  // Profiles that never got past step k-1 drop out of f_k; bring them back for the counts.
  const joins = Array.from({ length: n - 1 }, (_, i) => `left join f${i + 2} using (profile_id)`).join(' ');
  const times = Array.from({ length: n }, (_, i) => `f${i + 1}.t${i + 1}`).join(', ');
  const bkey = breakdownSql(query);
  ctes.push(`base as (select f1.profile_id, f1.device, f1.country, ${times} from f1 ${joins})`);
  if (query.breakdown === 'source' || query.breakdown === 'medium' || query.breakdown === 'campaign' || query.breakdown === 'channel') {
    ctes.push(
      `touches as (select profile_id, ts, touch_kind, source, medium, campaign from events where workspace_id = ${ws} and profile_id is not null and touch_kind is not null and touch_kind <> 'direct')`,
    );
    ctes.push(`final as (select b.*, ${bkey} as bkey from base b asof left join touches t on b.profile_id = t.profile_id and b.t1 >= t.ts)`);
  } else if (query.breakdown === 'first_vs_returning') {
    ctes.push(`firsts as (select profile_id, min(ts) as first_ts from events where workspace_id = ${ws} and profile_id is not null group by profile_id)`);
    ctes.push(`final as (select b.*, ${bkey} as bkey from base b join firsts s using (profile_id))`);
  } else if (query.breakdown === 'country') {
    ctes.push(`final as (select b.*, ${bkey} as bkey from base b left join profiles p on p.workspace_id = ${ws} and p.profile_id = b.profile_id)`);
  } else if (query.breakdown === 'segment' && hasSegments) {
    ctes.push(`final as (select b.*, coalesce(m.segment, '(none)') as bkey from base b left join funnel_segments m using (profile_id))`);
  } else {
    ctes.push(`final as (select b.*, ${bkey} as bkey from base b)`);
  }
  return { ctes: `with ${ctes.join(',\n')}`, params, n };
}

function breakdownSql(query: FunnelQuery): string {
  switch (query.breakdown) {
    case undefined:
    case 'segment':
      return `'all'`;
    case 'source':
      return `coalesce(t.source, '(direct)')`;
    case 'medium':
      return `coalesce(t.medium, '(none)')`;
    case 'campaign':
      return `coalesce(t.campaign, '(none)')`;
    case 'channel':
      return `coalesce(t.touch_kind, 'direct')`;
    case 'device':
      return `coalesce(b.device, '(unknown)')`;
    case 'country':
      return `coalesce(b.country, p.country, '(unknown)')`;
    case 'first_vs_returning':
      // Returning: the profile was seen before, in an earlier session (30 minutes apart).
      return `case when s.first_ts < b.t1 - 1800000 then 'returning' else 'first' end`;
    case 'month':
      return `strftime(epoch_ms(b.t1), '%Y-%m')`;
  }
}

/**
 * SQL of the per-breakdown step counts, medians and time buckets.
 * @example const { text, params } = funnelSummarySql('ws', query, false);
 */
export function funnelSummarySql(workspaceId: string, query: FunnelQuery, hasSegments: boolean): FunnelSql {
  const { ctes, params, n } = funnelCtes(workspaceId, query, hasSegments);
  const from = (k: number): number => ((query.order ?? 'loose') === 'any' ? 1 : k - 1);
  const columns: string[] = ['bkey'];
  for (let k = 1; k <= n; k++) columns.push(`count(t${k}) as c${k}`);
  for (let k = 2; k <= n; k++) {
    const delta = `(t${k} - t${from(k)})`;
    columns.push(`median(${delta}) as d${k}`);
    let lower = 0;
    timeBuckets.forEach((bucket, index) => {
      const upper = Number.isFinite(bucket.below) ? ` and ${delta} < ${bucket.below}` : '';
      columns.push(`count(*) filter (where ${delta} >= ${lower}${upper}) as h${k}_${index}`);
      lower = bucket.below;
    });
  }
  // One pass gives every breakdown value and the whole funnel (exact medians included); segments
  // overlap, so their whole-funnel row comes from a separate query.
  const sets = query.breakdown === undefined || query.breakdown === 'segment' ? 'bkey' : 'grouping sets ((bkey), ())';
  columns.push('grouping(bkey) as is_total');
  return { text: `${ctes}\nselect ${columns.join(', ')} from final group by ${sets} order by is_total desc, c1 desc, bkey`, params };
}

/**
 * SQL of the ids of profiles who reached `step - 1` but not `step`.
 * @example const { text, params } = funnelDroppedSql('ws', query, 2, 1000);
 */
export function funnelDroppedSql(workspaceId: string, query: FunnelQuery, step: number, limit: number): FunnelSql {
  const { ctes, params } = funnelCtes(workspaceId, query, false);
  return { text: `${ctes}\nselect profile_id from final where t${step - 1} is not null and t${step} is null order by profile_id limit ${params.add(limit)}`, params };
}

function stepResults(query: FunnelQuery, row: DuckRow): FunnelStepResult[] {
  const n = query.steps.length;
  const results: FunnelStepResult[] = [];
  const first = count(row.c1);
  for (let k = 1; k <= n; k++) {
    const profiles = count(row[`c${k}`]);
    const previous = k === 1 ? null : count(row[`c${k - 1}`]);
    const median = k === 1 ? null : toNumber(row[`d${k}`]);
    results.push({
      step: k,
      label: query.steps[k - 1]?.label ?? query.steps[k - 1]?.event ?? `step ${k}`,
      profiles,
      conversionFromPrevious: previous === null || previous === 0 ? null : profiles / previous,
      conversionFromFirst: k === 1 || first === 0 ? null : profiles / first,
      dropOff: previous === null ? 0 : previous - profiles,
      medianSeconds: median === null ? null : median / 1000,
      timeToConvert: k === 1 ? [] : timeBuckets.map((bucket, index) => ({ bucket: bucket.label, profiles: count(row[`h${k}_${index}`]) })),
    });
  }
  return results;
}

/**
 * Turns the summary rows into the result. `overall` is the whole-funnel row (the grouping-set
 * total, or the row of a query without breakdown).
 */
export function funnelResult(query: FunnelQuery, rows: readonly DuckRow[], overall: DuckRow | undefined): FunnelResult {
  const empty: DuckRow = {};
  const result: FunnelResult = { order: query.order ?? 'loose', windowHours: query.windowHours ?? 168, steps: stepResults(query, overall ?? empty) };
  if (query.breakdown !== undefined) {
    result.breakdown = rows.filter((row) => count(row.is_total) === 0).map((row) => ({ key: text(row.bkey) ?? '(none)', steps: stepResults(query, row) }));
  }
  return result;
}
