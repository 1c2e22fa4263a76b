/**
 * Analytics benchmark, two parts, one final JSON line.
 *
 * 1. Queries: BENCH_EVENTS synthetic shop events (default 2,000,000; up to 10,000,000) over
 *    BENCH_EVENTS/10 profiles and 13 months are written straight into the replica's DuckDB
 *    tables, then three questions are timed through the engine (what the API runs) and as one
 *    hand-written DuckDB SQL query over the same data in the same run (the limit): a 4-step
 *    funnel broken down by channel, a 12-month first-purchase cohort table, RFM scoring of every
 *    customer. Each is the median of BENCH_RUNS (3) timed runs after a warm-up.
 *    The same tables are then copied (through Parquet) into ClickHouse embedded by chdb, and the
 *    same three questions are timed through the ClickHouse engine beside DuckDB's, with their
 *    answers compared (skipped, with the reason, when chdb is not installed).
 * 2. Replica lag: the built server (SQLite, processor thread, replica synced every second) takes
 *    BENCH_LAG_RATE events/s (default 2000) through /v1/batch for BENCH_LAG_SECONDS (20); the
 *    replica's lag behind the processor is sampled every 250 ms, then the catch-up time.
 *    BENCH_LAG_SECONDS=0 skips this part.
 * 3. Changed profiles: the replica's page read of profiles changed after a position, at
 *    BENCH_FEED_PROFILES (200,000) profiles on SQLite and PostgreSQL (when the test server
 *    answers), late in a pass: the row-value range on (updated_at, id) against the OR form it
 *    replaced, on the updated_at index that form had (the limit of the old code, same run).
 *    BENCH_FEED_PROFILES=0 skips this part.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chdbConnection, loadChdb } from '../src/analytics/clickhouse/chdb-connection.js';
import { ClickHouseEngine } from '../src/analytics/clickhouse/clickhouse-engine.js';
import { DuckDbEngine } from '../src/analytics/duckdb/duckdb-engine.js';
import type { DuckFile } from '../src/analytics/duckdb/connection.js';
import { rfmGrid } from '../src/analytics/rfm.js';
import type { FunnelQuery } from '../src/analytics/queries.js';
import { sql } from 'kysely';
import { readChangedProfiles } from '../src/analytics/store/analytics-feed.js';
import { openDatabase } from '../src/storage/database.js';
import { createTestStore, dialects } from '../test/helpers/databases.js';
import { machine, percentile, request, round, startServer } from './lib/harness.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000_000);
const PROFILES = Number(process.env.BENCH_PROFILES ?? Math.max(10, Math.floor(EVENTS / 10)));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 20);
const LAG_RATE = Number(process.env.BENCH_LAG_RATE ?? 2000);
const FEED_PROFILES = Number(process.env.BENCH_FEED_PROFILES ?? 200_000);
const WS = 'bench';
const T0 = Date.parse('2024-01-01T00:00:00Z');
const SPAN = 396 * 86_400_000;
const WEEK = 7 * 86_400_000;
// Each profile's events fall within one month of its own, so funnels convert as in a shop.
const MONTH = 30 * 86_400_000;
const FROM = Date.parse('2024-02-01T00:00:00Z');
const TO = Date.parse('2025-01-01T00:00:00Z');
const AS_OF = Date.parse('2025-02-01T00:00:00Z');

if (!Number.isInteger(EVENTS) || EVENTS < 1000 || EVENTS > 10_000_000) throw new Error('BENCH_EVENTS must be an integer between 1000 and 10000000');

/** A synthetic shop written by DuckDB itself: page views with traffic sources, product views, carts, checkouts, orders, email opens. */
async function generate(duck: DuckFile): Promise<void> {
  await duck.run(`insert into events
    select '${WS}', 0, i, 'p' || lpad(pid::varchar, 8, '0'), ${T0} + (hash(pid * 13) % ${SPAN - MONTH})::bigint + (hash(i * 7 + 2) % ${MONTH})::bigint,
      case when k < 35 then 'page' else 'track' end,
      case when k < 35 then 'Home' when k < 60 then 'Product Viewed' when k < 72 then 'Product Added' when k < 82 then 'Checkout Started' when k < 97 then 'Order Completed' else 'Email Opened' end,
      case when k >= 82 and k < 97 then round(20 + (hash(i * 7 + 3) % 20000) / 100.0, 2) end,
      case when k >= 82 and k < 97 then 'o' || i end,
      case when k < 35 then ['organic', 'paid', 'social', 'email', 'referral', 'direct'][(1 + hash(i * 7 + 4) % 6)::bigint] end,
      case when k < 35 then ['google', 'google', 'facebook', 'newsletter', 'blog.example', null][(1 + hash(i * 7 + 4) % 6)::bigint] end,
      null,
      case when k < 35 then ['spring', 'summer', 'autumn', 'winter'][(1 + hash(i * 7 + 5) % 4)::bigint] end,
      ['mobile', 'desktop', 'tablet'][(1 + hash(i * 7 + 6) % 3)::bigint], ['FR', 'DE', 'US', 'GB', 'ES'][(1 + hash(i * 7 + 6) % 5)::bigint],
      case when k >= 97 then 'email' end, case when k >= 97 then 'campaign-' || (hash(i) % 10) end, null, '{}'
    from (select i, hash(i * 7) % 100 as k, hash(i * 7 + 1) % ${PROFILES} as pid from range(${EVENTS}) t(i))`);
  await duck.run(`insert into profiles select '${WS}', profile_id, null, min(ts), min(ts), true, false, null from events group by profile_id`);
}

async function time<T>(fn: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const started = performance.now();
  const result = await fn();
  return { seconds: (performance.now() - started) / 1000, result };
}

async function median<T>(fn: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  await fn();
  const runs: { seconds: number; result: T }[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await time(fn));
  runs.sort((a, b) => a.seconds - b.seconds);
  const middle = runs[Math.floor(runs.length / 2)];
  if (middle === undefined) throw new Error('no runs');
  return middle;
}

const funnel: FunnelQuery = {
  steps: [{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Checkout Started' }, { event: 'Order Completed' }],
  from: new Date(FROM).toISOString(),
  to: new Date(TO).toISOString(),
  windowHours: 168,
  breakdown: 'channel',
};

/** The limit: the same funnel question, hand-written. */
const funnelSql = `with e as (select profile_id, ts, event from events where workspace_id = '${WS}' and type = 'track' and ts >= ${FROM} and ts < ${TO + WEEK}
      and event in ('Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed')),
  s1 as (select profile_id, min(ts) as t1 from e where event = 'Product Viewed' and ts < ${TO} group by profile_id),
  s2 as (select s1.profile_id, any_value(s1.t1) as t1, min(e.ts) as t2 from s1 join e on e.profile_id = s1.profile_id and e.event = 'Product Added' and e.ts > s1.t1 and e.ts <= s1.t1 + ${WEEK} group by s1.profile_id),
  s3 as (select s2.profile_id, any_value(s2.t1) as t1, min(e.ts) as t3 from s2 join e on e.profile_id = s2.profile_id and e.event = 'Checkout Started' and e.ts > s2.t2 and e.ts <= s2.t1 + ${WEEK} group by s2.profile_id),
  s4 as (select s3.profile_id from s3 join e on e.profile_id = s3.profile_id and e.event = 'Order Completed' and e.ts > s3.t3 and e.ts <= s3.t1 + ${WEEK} group by s3.profile_id),
  ch as (select s1.profile_id, coalesce(t.touch_kind, 'direct') as channel from s1 asof left join
    (select profile_id, ts, touch_kind from events where workspace_id = '${WS}' and touch_kind is not null and touch_kind <> 'direct') t on s1.profile_id = t.profile_id and s1.t1 >= t.ts)
  select channel, count(*) as c1, count(s2.profile_id) as c2, count(s3.profile_id) as c3, count(s4.profile_id) as c4
  from ch left join s2 using (profile_id) left join s3 using (profile_id) left join s4 using (profile_id) group by channel order by channel`;

const cohortSql = `with o as (select profile_id, ts, revenue from events where workspace_id = '${WS}' and type = 'track' and event = 'Order Completed'),
  f as (select profile_id, date_trunc('month', epoch_ms(min(ts))) as c from o group by profile_id),
  kept as (select f.c, o.profile_id, datediff('month', f.c, date_trunc('month', epoch_ms(o.ts))) as k, o.revenue from o join f using (profile_id) where k < 12),
  cells as (select c, k, count(distinct profile_id) as customers, count(*) as orders, sum(revenue) as revenue from kept group by all),
  sizes as (select c, count(*) as size from f group by c),
  repeats as (select c, count(*) filter (where n >= 2) as repeaters from (select c, profile_id, count(*) as n from kept group by all) group by c)
  select * from cells join sizes using (c) join repeats using (c) order by c, k`;

const grid = `[${rfmGrid.map((row) => `[${row.map((group) => `'${group}'`).join(', ')}]`).join(', ')}]`;
const rfmSql = `with o as (select profile_id, max(ts) as l, count(*) as n, round(sum(revenue), 2) as m from events
    where workspace_id = '${WS}' and type = 'track' and event = 'Order Completed' and ts < ${AS_OF} group by profile_id),
  s as (select m, 1 + floor(5 * (rank() over (order by l) - 1) / count(*) over ())::integer as r, 1 + floor(5 * (rank() over (order by n) - 1) / count(*) over ())::integer as f,
    1 + floor(5 * (rank() over (order by m) - 1) / count(*) over ())::integer as mm from o)
  select ${grid}[r][((f + mm) // 2)::integer] as grp, count(*) as profiles, sum(m) as revenue from s group by grp order by grp`;

type Answers = { funnelSteps: number[]; cohortCells: number; rfmGroups: string };

function answers(funnelResult: Awaited<ReturnType<DuckDbEngine['funnel']>>, cohorts: Awaited<ReturnType<DuckDbEngine['cohorts']>>, rfm: Awaited<ReturnType<DuckDbEngine['rfmSummary']>>): Answers {
  return {
    funnelSteps: funnelResult.steps.map((step) => step.profiles),
    cohortCells: cohorts.cohorts.reduce((sum, row) => sum + row.periods.reduce((cells, period) => cells + period.customers, 0), 0),
    rfmGroups: JSON.stringify(rfm.groups.map((group) => [group.group, group.profiles])),
  };
}

/** The same three questions through the ClickHouse engine (chdb) over a copy of the same tables. */
async function clickhouse(root: string, store: Awaited<ReturnType<typeof openDatabase>>, duck: DuckFile, expected: Answers) {
  if ((await loadChdb()) === undefined) return { skipped: 'chdb is not installed (npm install --no-save chdb@3.4.0)' };
  const parquet = (table: string) => path.join(root, `${table}.parquet`);
  for (const table of ['events', 'profiles']) await duck.run(`copy ${table} to '${parquet(table)}' (format parquet)`);
  const connection = await chdbConnection(path.join(root, 'analytics.chdb'));
  const engine = await ClickHouseEngine.open(store, connection);
  try {
    const copied = await time(async () => {
      for (const table of ['events', 'profiles']) await connection.command(`insert into ${table} select * from file({file:String}, Parquet)`, { file: parquet(table) });
    });
    process.stderr.write(`copied into chdb in ${round(copied.seconds, 1)} s; timing...\n`);
    const funnelRun = await median(() => engine.funnel(WS, funnel));
    const cohortRun = await median(() => engine.cohorts(WS, { period: 'month', periods: 12 }));
    const rfmRun = await median(() => engine.rfmSummary(WS, AS_OF));
    return {
      loadSeconds: round(copied.seconds, 1),
      funnel4StepsByChannelSeconds: round(funnelRun.seconds, 3),
      cohorts12MonthsSeconds: round(cohortRun.seconds, 3),
      rfmSeconds: round(rfmRun.seconds, 3),
      sameAnswersAsDuckDb: JSON.stringify(answers(funnelRun.result, cohortRun.result, rfmRun.result)) === JSON.stringify(expected),
    };
  } finally {
    await engine.close();
  }
}

async function queries(root: string) {
  const store = await openDatabase({ dataDir: path.join(root, 'state') });
  const engine = await DuckDbEngine.open(store, { file: path.join(root, 'analytics.duckdb') });
  try {
    process.stderr.write(`generating ${EVENTS.toLocaleString('en-US')} events over ${PROFILES.toLocaleString('en-US')} profiles in DuckDB...\n`);
    const generated = await time(() => generate(engine.file));
    process.stderr.write(`generated in ${round(generated.seconds, 1)} s; timing...\n`);
    const funnelEngine = await median(() => engine.funnel(WS, funnel));
    const funnelLimit = await median(() => engine.file.all(funnelSql));
    const cohortEngine = await median(() => engine.cohorts(WS, { period: 'month', periods: 12 }));
    const cohortLimit = await median(() => engine.file.all(cohortSql));
    const rfmEngine = await median(() => engine.rfmSummary(WS, AS_OF));
    const rfmLimit = await median(() => engine.file.all(rfmSql));
    const limitSteps = [1, 2, 3, 4].map((k) => funnelLimit.result.reduce((sum, row) => sum + Number(row[`c${k}`]), 0));
    const customers = rfmEngine.result.customers;
    const limitCustomers = rfmLimit.result.reduce((sum, row) => sum + Number(row.profiles), 0);
    const onClickHouse = await clickhouse(root, store, engine.file, answers(funnelEngine.result, cohortEngine.result, rfmEngine.result));
    const figure = (engineRun: { seconds: number }, limitRun: { seconds: number }) => ({
      seconds: round(engineRun.seconds, 3),
      limitSeconds: round(limitRun.seconds, 3),
      ratio: round(engineRun.seconds / limitRun.seconds, 2),
    });
    return {
      generateSeconds: round(generated.seconds, 1),
      funnel4StepsByChannel: {
        ...figure(funnelEngine, funnelLimit),
        steps: funnelEngine.result.steps.map((step) => step.profiles),
        limitSteps,
        breakdownRows: funnelEngine.result.breakdown?.length ?? 0,
      },
      cohorts12Months: {
        ...figure(cohortEngine, cohortLimit),
        cohorts: cohortEngine.result.cohorts.length,
        cells: cohortEngine.result.cohorts.reduce((sum, row) => sum + row.periods.length, 0),
        limitCells: cohortLimit.result.length,
      },
      rfm: {
        ...figure(rfmEngine, rfmLimit),
        customers,
        limitCustomers,
        sameGroups:
          JSON.stringify(
            rfmEngine.result.groups
              .filter((group) => group.profiles > 0)
              .map((group) => [group.group, group.profiles])
              .sort(),
          ) === JSON.stringify(rfmLimit.result.map((row) => [row.grp, Number(row.profiles)]).sort()),
      },
      clickhouseOnChdb: onClickHouse,
    };
  } finally {
    await engine.close();
    await store.close();
  }
}

const WRITE_KEY = 'WK_BENCH';
const ADMIN = 'ADM_BENCH';

async function status(port: number): Promise<{ replicaLag: number; processorLag: number }> {
  const auth = { authorization: `Bearer ${ADMIN}` };
  const [replica, processor] = await Promise.all([
    request({ port, method: 'GET', path: '/api/v1/analytics/status', headers: auth }),
    request({ port, method: 'GET', path: '/api/v1/processor', headers: auth }),
  ]);
  const replicaBody: unknown = JSON.parse(replica.body);
  const processorBody: unknown = JSON.parse(processor.body);
  const read = (body: unknown, key: string): number => (typeof body === 'object' && body !== null && key in body ? Number(Reflect.get(body, key)) : Number.NaN);
  return { replicaLag: read(replicaBody, 'lag'), processorLag: read(processorBody, 'lagEvents') };
}

async function lag(root: string) {
  const server = await startServer({ RAPPORT_DATA_DIR: path.join(root, 'server'), RAPPORT_BOOTSTRAP_WRITE_KEY: WRITE_KEY, RAPPORT_BOOTSTRAP_ADMIN_TOKEN: ADMIN, RAPPORT_ANALYTICS_SYNC_MS: '1000' });
  const headers = { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`, 'content-type': 'application/json' };
  const samples: number[] = [];
  let sent = 0;
  try {
    const started = performance.now();
    const deadline = started + LAG_SECONDS * 1000;
    const perTick = Math.max(1, Math.round(LAG_RATE / 10));
    let nextSample = started;
    for (let tick = 0; performance.now() < deadline; tick++) {
      const batch = Array.from({ length: perTick }, (_, i) => {
        const n = sent + i;
        const user = `u${n % 5000}`;
        return n % 3 === 0
          ? { type: 'page', userId: user, name: 'Home', context: { page: { url: `https://shop.example/?utm_source=google&utm_medium=cpc&n=${n}` } } }
          : { type: 'track', userId: user, event: n % 3 === 1 ? 'Product Viewed' : 'Order Completed', properties: { product_id: `p${n % 100}`, revenue: 42 } };
      });
      const response = await request({ port: server.port, method: 'POST', path: '/v1/batch', headers, body: JSON.stringify({ batch }) });
      if (response.status !== 200) throw new Error(`/v1/batch answered ${response.status}: ${response.body}`);
      sent += batch.length;
      if (performance.now() >= nextSample) {
        samples.push((await status(server.port)).replicaLag);
        nextSample += 250;
      }
      const wait = started + (tick + 1) * 100 - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const sendSeconds = (performance.now() - started) / 1000;
    const stopped = performance.now();
    let last = await status(server.port);
    while (last.replicaLag > 0 || last.processorLag > 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      last = await status(server.port);
      if (performance.now() - stopped > 120_000) throw new Error('replica did not catch up within 120 s');
    }
    const sorted = [...samples].sort((a, b) => a - b);
    return {
      seconds: round(sendSeconds, 1),
      eventsSent: sent,
      ratePerSec: Math.round(sent / sendSeconds),
      syncIntervalMs: 1000,
      replicaLagEvents: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? 0, samples: sorted.length },
      replicaLagSecondsP95: round(percentile(sorted, 95) / (sent / sendSeconds), 2),
      catchUpSecondsAfterSending: round((performance.now() - stopped) / 1000, 2),
    };
  } finally {
    await server.stop();
  }
}

/** Milliseconds per page of 250 changed profiles read late in a pass, both forms, each dialect. */
async function changedProfiles() {
  const figures: Record<string, { rangeMs: number; orFormMs: number }> = {};
  for (const dialect of dialects) {
    const store = await createTestStore(dialect);
    const db = store.database.db;
    try {
      // Two workspaces, ten profiles per millisecond of updated_at (ties the id must break).
      for (let start = 0; start < FEED_PROFILES; start += 5000) {
        const rows = Array.from({ length: Math.min(5000, FEED_PROFILES - start) }, (_, i) => {
          const n = start + i;
          return { workspace_id: `w${n % 2}`, id: `prf_${(n * 7919) % FEED_PROFILES}`, merged_into: null, created_at: 1, updated_at: 1_000_000 + Math.floor(n / 10), state: '{}' };
        });
        await db.insertInto('profiles').values(rows).execute();
      }
      const late = 1_000_000 + Math.floor((FEED_PROFILES * 0.95) / 10);
      const analyze = () => (dialect === 'postgres' ? sql`analyze profiles`.execute(db) : sql`analyze`.execute(db));
      await analyze();
      const range = await median(() => readChangedProfiles(db, late, 'prf_5', 250));
      await db.schema.dropIndex('profiles_update_position').execute();
      await db.schema.createIndex('profiles_by_update').on('profiles').columns(['updated_at']).execute();
      await analyze();
      const orForm = await median(() =>
        db
          .selectFrom('profiles')
          .select(['workspace_id', 'id', 'merged_into', 'created_at', 'updated_at', 'state'])
          .where((eb) => eb.or([eb('updated_at', '>', late), eb.and([eb('updated_at', '=', late), eb('id', '>', 'prf_5')])]))
          .orderBy('updated_at')
          .orderBy('id')
          .limit(250)
          .execute(),
      );
      if (range.result.length !== orForm.result.length) throw new Error('the two forms read different pages');
      figures[dialect] = { rangeMs: round(range.seconds * 1000, 2), orFormMs: round(orForm.seconds * 1000, 2) };
    } finally {
      await store.drop();
    }
  }
  return { profiles: FEED_PROFILES, pageSize: 250, position: '95% through', ...figures };
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-analytics-'));
  try {
    const measured = await queries(root);
    const replica = LAG_SECONDS > 0 ? await lag(root) : null;
    const feed = FEED_PROFILES > 0 ? await changedProfiles() : null;
    const result = {
      bench: 'analytics',
      machine: machine(),
      events: EVENTS,
      profiles: PROFILES,
      runs: RUNS,
      ...measured,
      replicaUnderIngest: replica,
      changedProfilesPage: feed,
      limit: 'the same question as one hand-written DuckDB SQL query over the same replica tables, same process, same run',
      target: { secondsEach: 1, ratioToLimit: 1.5, events: 10_000_000, rfmProfiles: 1_000_000 },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:analytics failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
