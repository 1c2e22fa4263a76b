/**
 * Publishing the log's heads on PostgreSQL (issue 17): the cost of one publish pass after a
 * 100-event append, with many workspaces' heads in the store. "full" is the statement every pass
 * ran before migration 0047 (one probe of the log per workspace and partition, copied here
 * verbatim); "incremental" is `publishLogHeads` today (only the heads appends noted since the
 * last pass). Both include the fence. Sizes: BENCH_WORKSPACES (default 250 and 2500) × 8
 * partitions heads, one event each, in a fresh database; BENCH_ROUNDS (20) passes each.
 * The last line of stdout is one JSON object.
 */
import os from 'node:os';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/storage/database.js';
import { appendEvents, publishLogHeads, type AppendRow } from '../src/log/store/event-log.js';
import { machine, percentile, pgQuery, round } from './lib/harness.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SIZES = (process.env.BENCH_WORKSPACES ?? '250,2500').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const PARTITIONS = 8;

function dbUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

let messages = 0;
function batch(size: number): AppendRow[] {
  return Array.from({ length: size }, (_, i) => {
    messages += 1;
    return { partition: i % PARTITIONS, messageId: `m${messages}`, type: 'track', event: 'Viewed', userId: `u${i}`, anonymousId: null, timestamp: 0, receivedAt: 0, sourceId: null, payload: '{}' };
  });
}

async function seed(database: Database, workspaces: number): Promise<void> {
  // One event per workspace and partition, written as appends do, then one publish so every head row exists.
  for (let w = 0; w < workspaces; w++) await database.transaction((trx) => appendEvents(trx, `w${w}`, batch(PARTITIONS)));
  await publishLogHeads(database.db);
  await sql`analyze`.execute(database.db);
}

async function fullPass(database: Database): Promise<void> {
  const { rows } = await sql<{ fence: number | null }>`select rapport_log_fence(200) as fence`.execute(database.db);
  const fence = rows[0]?.fence;
  await sql`update log_heads h set head = m.top
    from (select k.workspace_id, k.partition,
            (select max(e.seq) from events e where e.workspace_id = k.workspace_id and e.partition = k.partition and e.seq <= ${fence}) as top
          from log_heads k) m
    where h.workspace_id = m.workspace_id and h.partition = m.partition and m.top > h.head`.execute(database.db);
}

async function timed(database: Database, pass: () => Promise<unknown>): Promise<{ medianMs: number; p90Ms: number }> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    await database.transaction((trx) => appendEvents(trx, 'w0', batch(100)));
    const start = performance.now();
    await pass();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { medianMs: round(percentile(times, 50), 2), p90Ms: round(percentile(times, 90), 2) };
}

async function measure(workspaces: number): Promise<object> {
  const name = `rapport_bench_heads_${process.pid}_${workspaces}`;
  await pgQuery(ADMIN_URL, `create database ${name}`);
  const database = await openDatabase({ databaseUrl: dbUrl(name), dataDir: os.tmpdir() });
  try {
    await seed(database, workspaces);
    const full = await timed(database, () => fullPass(database));
    const incremental = await timed(database, () => publishLogHeads(database.db));
    const heads = workspaces * PARTITIONS;
    console.log(`${heads} heads: full pass median ${full.medianMs} ms (p90 ${full.p90Ms}), incremental median ${incremental.medianMs} ms (p90 ${incremental.p90Ms})`);
    return { heads, full, incremental };
  } finally {
    await database.close();
    await pgQuery(ADMIN_URL, `drop database ${name}`);
  }
}

const results = [];
for (const workspaces of SIZES) results.push(await measure(workspaces));
console.log(JSON.stringify({ bench: 'log-heads', machine: machine(), loadAverage: os.loadavg().map((value) => round(value, 2)), rounds: ROUNDS, appendPerRound: 100, results }));
