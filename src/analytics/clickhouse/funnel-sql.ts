import type { FunnelQuery } from '../queries.js';
import { timeBuckets } from '../duckdb/funnel-sql.js';
import { Params, stepSql } from './params.js';

/*
 * Funnels in ClickHouse's dialect, the same walk as duckdb/funnel-sql.ts: a profile enters at its
 * first step-1 event in [from, to); each next step is the earliest matching event after the
 * previous one (loose), the very next event (strict), or any after step 1 (any), within the
 * window from step 1. Column names differ from the source columns on purpose (`pid`, `dev`):
 * ClickHouse lets a SELECT alias shadow a column of the same name in WHERE.
 */

export interface FunnelSql {
  text: string;
  params: Params;
}

/** How to ask: `segmentsQuery` names the rows of `funnel_segments` to break down by; `materialize` when the server has `enable_materialized_cte`. */
export interface FunnelOptions {
  segmentsQuery?: string;
  /**
   * ClickHouse inlines a `WITH` query at each use, so the chain of step queries is computed again
   * wherever it is joined back; materialized, each is computed once (1.65 s against 2.62 s for
   * the benchmark's funnel at 200,000 events). Servers older than the setting would refuse it, so the
   * engine asks `system.settings` first.
   */
  materialize?: boolean;
}

/** The CTE chain ending in `final(pid, bkey, t1 .. tn)`. */
function funnelCtes(workspaceId: string, query: FunnelQuery, { segmentsQuery, materialize = false }: FunnelOptions): { ctes: string; params: Params; n: number } {
  const params = new Params();
  const as = materialize ? 'AS MATERIALIZED' : 'AS';
  const ws = params.add(workspaceId);
  const from = params.add(Date.parse(query.from));
  const to = params.add(Date.parse(query.to));
  const windowMs = params.add(Math.round((query.windowHours ?? 168) * 3_600_000));
  const order = query.order ?? 'loose';
  const steps = query.steps.map((step, index) => stepSql(step, params, `steps[${index}]`));
  const n = steps.length;
  const flags = steps.map((condition, index) => `${condition} AS s${index + 1}`).join(', ');
  const anyStep = order === 'strict' ? '' : `AND (${steps.join(' OR ')})`;
  // (time, partition, seq) packed into one Int128, as on DuckDB; strict order needs adjacency.
  const ordSql = order === 'strict' ? 'row_number() OVER (PARTITION BY profile_id ORDER BY ts, partition, seq) AS ord' : 'toInt128(ts) * 4398046511104 + toInt128(partition) * 4294967296 + seq AS ord';
  const ctes: string[] = [];
  ctes.push(`ev ${as} (
    SELECT assumeNotNull(profile_id) AS pid, ts, device AS dev, country AS ctry, ${ordSql}, ${flags}
    FROM events
    WHERE workspace_id = ${ws} AND profile_id IS NOT NULL AND ts >= ${from} AND ts < ${to} + ${windowMs} AND type IN ('track', 'page', 'screen') ${anyStep})`);
  ctes.push(`f1 ${as} (
    SELECT pid, min(ord) AS o1, min(ts) AS t1, argMin(dev, ord) AS dev1, argMin(ctry, ord) AS ctry1
    FROM ev WHERE s1 AND ts < ${to} GROUP BY pid)`);
  for (let k = 2; k <= n; k++) {
    const previous = `f.o${k - 1}`;
    const after = order === 'strict' ? `e.ord = ${previous} + 1` : order === 'any' ? 'e.ord > f.o1' : `e.ord > ${previous}`;
    ctes.push(`f${k} ${as} (
      SELECT f.pid AS pid, any(f.t1) AS t1, any(f.o1) AS o1, min(e.ord) AS o${k}, min(e.ts) AS t${k}
      FROM f${k - 1} AS f INNER JOIN ev AS e ON e.pid = f.pid
      WHERE e.s${k} AND ${after} AND e.ts <= f.t1 + ${windowMs}
      GROUP BY f.pid)`);
  }
  const joins = Array.from({ length: n - 1 }, (_, i) => `LEFT JOIN f${i + 2} ON f${i + 2}.pid = f1.pid`).join(' ');
  const times = Array.from({ length: n }, (_, i) => `f${i + 1}.t${i + 1} AS t${i + 1}`).join(', ');
  const bkey = breakdownSql(query);
  ctes.push(`base AS (SELECT f1.pid AS pid, f1.dev1 AS device, f1.ctry1 AS country, ${times} FROM f1 ${joins})`);
  if (query.breakdown === 'source' || query.breakdown === 'medium' || query.breakdown === 'campaign' || query.breakdown === 'channel') {
    ctes.push(
      `touches AS (SELECT assumeNotNull(profile_id) AS tpid, ts AS tts, touch_kind, source, medium, campaign FROM events
        WHERE workspace_id = ${ws} AND profile_id IS NOT NULL AND touch_kind IS NOT NULL AND touch_kind <> 'direct')`,
    );
    ctes.push(`final AS (SELECT b.*, ${bkey} AS bkey FROM base AS b ASOF LEFT JOIN touches AS t ON b.pid = t.tpid AND b.t1 >= t.tts)`);
  } else if (query.breakdown === 'first_vs_returning') {
    ctes.push(`firsts AS (SELECT assumeNotNull(profile_id) AS fpid, min(ts) AS first_ts FROM events WHERE workspace_id = ${ws} AND profile_id IS NOT NULL GROUP BY fpid)`);
    ctes.push(`final AS (SELECT b.*, ${bkey} AS bkey FROM base AS b INNER JOIN firsts AS s ON s.fpid = b.pid)`);
  } else if (query.breakdown === 'country') {
    ctes.push(`final AS (SELECT b.*, ${bkey} AS bkey FROM base AS b LEFT JOIN (SELECT profile_id AS ppid, country AS pcountry FROM profiles WHERE workspace_id = ${ws}) AS p ON p.ppid = b.pid)`);
  } else if (query.breakdown === 'segment' && segmentsQuery !== undefined) {
    ctes.push(
      `final AS (SELECT b.*, coalesce(m.segment, '(none)') AS bkey FROM base AS b
        LEFT JOIN (SELECT segment, profile_id AS mpid FROM funnel_segments WHERE query_id = ${params.add(segmentsQuery)}) AS m ON m.mpid = b.pid)`,
    );
  } else {
    ctes.push(`final AS (SELECT b.*, ${bkey} AS bkey FROM base AS b)`);
  }
  return { ctes: `WITH ${ctes.join(',\n')}`, params, n };
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
      return `coalesce(b.country, p.pcountry, '(unknown)')`;
    case 'first_vs_returning':
      // Returning: the profile was seen before, in an earlier session (30 minutes apart).
      return `if(s.first_ts < b.t1 - 1800000, 'returning', 'first')`;
    case 'month':
      return `formatDateTime(fromUnixTimestamp64Milli(b.t1, 'UTC'), '%Y-%m')`;
  }
}

function settings(options: FunnelOptions): string {
  return options.materialize === true ? ' SETTINGS enable_materialized_cte = 1' : '';
}

/**
 * SQL of the per-breakdown step counts, medians and time buckets (rows as duckdb/funnel-sql.ts's `funnelResult` reads them).
 * @example const { text, params } = funnelSummarySql('ws', query, { materialize: true });
 */
export function funnelSummarySql(workspaceId: string, query: FunnelQuery, options: FunnelOptions = {}): FunnelSql {
  const { ctes, params, n } = funnelCtes(workspaceId, query, options);
  const from = (k: number): number => ((query.order ?? 'loose') === 'any' ? 1 : k - 1);
  const columns: string[] = ['bkey'];
  for (let k = 1; k <= n; k++) columns.push(`count(t${k}) AS c${k}`);
  for (let k = 2; k <= n; k++) {
    const delta = `(t${k} - t${from(k)})`;
    // Interpolated like DuckDB's median (R7): the mean of the two middle values of an even count.
    columns.push(`quantileExactInclusiveIf(0.5)(toFloat64(${delta}), ${delta} IS NOT NULL) AS d${k}`);
    let lower = 0;
    timeBuckets.forEach((bucket, index) => {
      const upper = Number.isFinite(bucket.below) ? ` AND ${delta} < ${bucket.below}` : '';
      columns.push(`countIf(${delta} >= ${lower}${upper}) AS h${k}_${index}`);
      lower = bucket.below;
    });
  }
  const grouped = query.breakdown !== undefined && query.breakdown !== 'segment';
  columns.push(grouped ? 'grouping(bkey) AS is_total' : '0 AS is_total');
  const sets = grouped ? 'GROUPING SETS ((bkey), ())' : 'bkey';
  return { text: `${ctes}\nSELECT ${columns.join(', ')} FROM final GROUP BY ${sets} ORDER BY is_total DESC, c1 DESC, bkey${settings(options)}`, params };
}

/**
 * SQL of the ids of profiles who reached `step - 1` but not `step`.
 * @example const { text, params } = funnelDroppedSql('ws', query, 2, 1000);
 */
export function funnelDroppedSql(workspaceId: string, query: FunnelQuery, step: number, limit: number, options: FunnelOptions = {}): FunnelSql {
  const { ctes, params } = funnelCtes(workspaceId, query, options);
  const tail = `ORDER BY profile_id LIMIT ${params.add(limit, 'UInt64')}${settings(options)}`;
  return { text: `${ctes}\nSELECT pid AS profile_id FROM final WHERE t${step - 1} IS NOT NULL AND t${step} IS NULL ${tail}`, params };
}
