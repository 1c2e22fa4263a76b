/**
 * Scale-out benchmark (issue 17): 1, then 2, then 3 real `rapport start --role all` processes
 * against one fresh PostgreSQL database each time, 8 loopback keep-alive clients sending
 * 100-event requests round-robin to the processes for BENCH_SECONDS (default 30). Reports, per
 * configuration, accepted and processed events/s (total and per process), p99, server CPU per
 * event (/proc of the children, threads included), PostgreSQL CPU per event (/proc of the
 * backends serving the bench database, sampled each second: background writers are not
 * counted), commits per 1,000 events (pg_stat_database), the partitions each process leased,
 * and the limit measured in the same run: the same rows inserted by 8 connections as raw
 * multi-row INSERTs in 100-row transactions into the same database. After each configuration:
 * acknowledged events missing and stored twice, by message id (both must be 0).
 *
 * Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_SECONDS (30), BENCH_CLIENTS (8), BENCH_PROCESSES (3: runs 1..N).
 * The last line of stdout is one JSON object.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { machine, percentile, pgQuery, request, round, startServer, type ServerProcess } from './lib/harness.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const MAX_PROCESSES = Number(process.env.BENCH_PROCESSES ?? 3);
const BATCH = 100;
const WRITE_KEY = 'WK_SCALE';
const ADMIN = 'ADM_SCALE';
// /proc times are in clock ticks: USER_HZ, 100 on Linux.
const TICKS = 100;

const adminQuery = pgQuery;

function dbUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** CPU seconds (user + system, all threads) of a process, or undefined when it is gone. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return undefined;
  }
}

/** Samples the CPU of the backends serving one database: first and last reading per pid. */
function backendSampler(database: string): { stop(): Promise<number> } {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let running = true;
  const sample = async (): Promise<void> => {
    const rows = await adminQuery<{ pid: number }>(ADMIN_URL, 'select pid from pg_stat_activity where datname = $1', [database]).catch(() => []);
    for (const { pid } of rows) {
      const cpu = cpuSeconds(pid);
      if (cpu === undefined) continue;
      if (!first.has(pid)) first.set(pid, cpu);
      last.set(pid, cpu);
    }
  };
  const loop = (async () => {
    while (running) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    await sample();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      let total = 0;
      for (const [pid, start] of first) total += (last.get(pid) ?? start) - start;
      return total;
    },
  };
}

function eventBatch(tag: string, client: number, index: number): { body: string; ids: string[] } {
  const ids: string[] = [];
  const batch = Array.from({ length: BATCH }, (_, k) => {
    const messageId = `${tag}-${client}-${index}-${k}`;
    ids.push(messageId);
    const user = (client * 7919 + index * 31 + k) % 20_000;
    return k % 10 === 0
      ? { type: 'identify', userId: `user-${user}`, traits: { plan: `p${user % 5}` }, messageId }
      : { type: 'track', userId: `user-${user}`, event: k % 3 === 0 ? 'Order Completed' : 'Product Viewed', properties: { product_id: `sku-${k}`, revenue: k }, messageId };
  });
  return { body: JSON.stringify({ batch, sentAt: new Date().toISOString() }), ids };
}

async function lagOf(server: ServerProcess): Promise<number> {
  const response = await request({ port: server.port, method: 'GET', path: '/api/v1/processor', headers: { authorization: `Bearer ${ADMIN}` } });
  if (response.status !== 200) throw new Error(`GET /api/v1/processor answered ${response.status}`);
  return (JSON.parse(response.body) as { lagEvents: number }).lagEvents;
}

async function dbStats(name: string): Promise<number> {
  const [row] = await adminQuery<{ commits: string }>(ADMIN_URL, 'select xact_commit as commits from pg_stat_database where datname = $1', [name]);
  return Number(row?.commits ?? 0);
}

async function runConfiguration(processes: number, root: string): Promise<Record<string, unknown>> {
  const name = `rapport_bench_scale_${processes}`;
  await adminQuery(ADMIN_URL, `drop database if exists ${name} with (force)`);
  await adminQuery(ADMIN_URL, `create database ${name}`);
  const url = dbUrl(name);
  const servers: ServerProcess[] = [];
  try {
    // One at a time: the first migrates and creates the workspace.
    for (let index = 0; index < processes; index++) {
      servers.push(
        await startServer(
          {
            RAPPORT_DATABASE_URL: url,
            RAPPORT_ROLE: 'all',
            RAPPORT_DATA_DIR: path.join(root, `${processes}-${index}`),
            RAPPORT_BOOTSTRAP_WRITE_KEY: WRITE_KEY,
            RAPPORT_BOOTSTRAP_ADMIN_TOKEN: ADMIN,
            // Analytics replica and model training are other issues' work; kept out of this measurement.
            RAPPORT_ANALYTICS_SYNC_MS: '0',
          },
          { startupMs: 60_000 },
        ),
      );
    }
    // Let leases settle (every process takes its share within two renewals).
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const headers = { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`, 'content-type': 'application/json' };
    const acknowledged: string[] = [];
    const perProcess = servers.map(() => 0);
    const latencies: number[] = [];
    let errors = 0;
    let refused = 0;
    const cpuBefore = servers.map((server) => cpuSeconds(server.child.pid ?? 0) ?? 0);
    const commitsBefore = await dbStats(name);
    const backends = backendSampler(name);
    const started = performance.now();
    const deadline = started + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let index = 0; performance.now() < deadline; index++) {
          const target = (client + index) % servers.length;
          const server = servers[target] as ServerProcess;
          const { body, ids } = eventBatch(`c${processes}`, client, index);
          // As a client does: a request refused with 429 (load shedding) is sent again after a pause.
          for (;;) {
            const sent = performance.now();
            const response = await request({ port: server.port, method: 'POST', path: '/v1/batch', headers, body }).catch(() => ({ status: 0, body: '' }));
            latencies.push(performance.now() - sent);
            if (response.status === 200) {
              acknowledged.push(...ids);
              perProcess[target] = (perProcess[target] ?? 0) + ids.length;
              break;
            }
            if (response.status === 429) refused += 1;
            else errors += 1;
            if (performance.now() >= deadline) break;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
      }),
    );
    const ingestSeconds = (performance.now() - started) / 1000;
    // Processed: until every acknowledged event is applied (bounded).
    const drainDeadline = performance.now() + 300_000;
    let lag = Number.POSITIVE_INFINITY;
    while (performance.now() < drainDeadline) {
      lag = await lagOf(servers[0] as ServerProcess);
      if (lag === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const processedSeconds = (performance.now() - started) / 1000;
    const postgresCpu = await backends.stop();
    const commits = (await dbStats(name)) - commitsBefore;
    const cpuAfter = servers.map((server) => cpuSeconds(server.child.pid ?? 0) ?? 0);
    const serverCpu = cpuAfter.map((after, index) => after - (cpuBefore[index] ?? 0));

    // Verification by message id.
    const stored = await adminQuery<{ message_id: string; n: string }>(url, "select message_id, count(*) as n from events where workspace_id = 'default' group by message_id");
    const storedIds = new Set(stored.map((row) => row.message_id));
    const missing = acknowledged.filter((id) => !storedIds.has(id)).length;
    const twice = stored.filter((row) => Number(row.n) > 1).length;
    const [timeline] = await adminQuery<{ n: string; distinct: string }>(url, "select count(*) as n, count(distinct (partition, seq)) as distinct from profile_events where workspace_id = 'default'");
    const leases = await adminQuery<{ owner: string; n: string }>(url, 'select owner, count(*) as n from log_leases where owner is not null group by owner');
    const leasedBy = servers.map((server) => Number(leases.find((row) => row.owner.split(':')[1] === String(server.child.pid))?.n ?? 0));

    const events = acknowledged.length;
    latencies.sort((a, b) => a - b);
    const totalServerCpu = serverCpu.reduce((sum, value) => sum + value, 0);
    return {
      processes,
      seconds: round(ingestSeconds, 1),
      events,
      errors,
      refused429: refused,
      acceptedPerSecond: Math.round(events / ingestSeconds),
      processedPerSecond: lag === 0 ? Math.round(events / processedSeconds) : null,
      drainedAfterSeconds: lag === 0 ? round(processedSeconds - ingestSeconds, 1) : null,
      p50Ms: round(percentile(latencies, 50), 1),
      p99Ms: round(percentile(latencies, 99), 1),
      perProcess: servers.map((_, index) => ({
        acceptedPerSecond: Math.round((perProcess[index] ?? 0) / ingestSeconds),
        cpuSeconds: round(serverCpu[index] ?? 0, 1),
        partitionsLeased: leasedBy[index],
      })),
      serverCpuUsPerEvent: Math.round((totalServerCpu / events) * 1e6),
      postgresCpuUsPerEvent: Math.round((postgresCpu / events) * 1e6),
      commitsPer1000Events: round((commits / events) * 1000, 1),
      verify: { acknowledgedMissing: missing, storedTwice: twice, timelineRows: Number(timeline?.n ?? 0), timelineRowsTwice: Number(timeline?.n ?? 0) - Number(timeline?.distinct ?? 0) },
    };
  } finally {
    for (const server of servers) await server.stop();
    await adminQuery(ADMIN_URL, `drop database if exists ${name} with (force)`).catch(() => undefined);
  }
}

/** The limit: the same kind of rows, raw multi-row INSERTs in 100-row transactions from CLIENTS connections, into a migrated database, for SECONDS / 2. */
async function rawInsertLimit(root: string): Promise<Record<string, unknown>> {
  const name = 'rapport_bench_scale_raw';
  await adminQuery(ADMIN_URL, `drop database if exists ${name} with (force)`);
  await adminQuery(ADMIN_URL, `create database ${name}`);
  const url = dbUrl(name);
  // Migrated by a server start, so the table and its indexes are the real ones.
  const server = await startServer(
    { RAPPORT_DATABASE_URL: url, RAPPORT_DATA_DIR: path.join(root, 'raw'), RAPPORT_BOOTSTRAP_WRITE_KEY: WRITE_KEY, RAPPORT_BOOTSTRAP_ADMIN_TOKEN: ADMIN },
    { startupMs: 60_000 },
  );
  await server.stop();
  const commitsBefore = await dbStats(name);
  const backends = backendSampler(name);
  let rows = 0;
  const started = performance.now();
  const deadline = started + (SECONDS / 2) * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      const connection = new pg.Client({ connectionString: url });
      await connection.connect();
      try {
        for (let index = 0; performance.now() < deadline; index++) {
          const { body, ids } = eventBatch('raw', client, index);
          const items = (JSON.parse(body) as { batch: { type: string; event?: string; userId: string }[] }).batch;
          const values: unknown[] = [];
          const tuples = items.map((item, k) => {
            const base = values.length;
            const now = Date.now();
            // Each connection its own partition, so positions need no coordination at all.
            values.push('default', client, index * BATCH + k + 1, ids[k], item.type, item.event ?? null, item.userId, null, now, now, 'src', JSON.stringify(item));
            return `(${Array.from({ length: 12 }, (_, i) => `$${base + i + 1}`).join(',')})`;
          });
          await connection.query('begin');
          await connection.query(
            `insert into events (workspace_id, partition, seq, message_id, type, event, user_id, anonymous_id, timestamp, received_at, source_id, payload) values ${tuples.join(',')}`,
            values,
          );
          await connection.query('commit');
          rows += items.length;
        }
      } finally {
        await connection.end();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const postgresCpu = await backends.stop();
  const commits = (await dbStats(name)) - commitsBefore;
  await adminQuery(ADMIN_URL, `drop database if exists ${name} with (force)`).catch(() => undefined);
  return { rawInsertPerSecond: Math.round(rows / seconds), rows, postgresCpuUsPerEvent: Math.round((postgresCpu / rows) * 1e6), commitsPer1000Events: round((commits / rows) * 1000, 1) };
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-scale-'));
  const configurations: Record<string, unknown>[] = [];
  try {
    for (let processes = 1; processes <= MAX_PROCESSES; processes++) {
      process.stderr.write(`${processes} process(es), ${SECONDS} s of load...\n`);
      const result = await runConfiguration(processes, root);
      process.stderr.write(`${JSON.stringify(result)}\n`);
      configurations.push(result);
    }
    process.stderr.write('raw insert limit...\n');
    const limit = await rawInsertLimit(root);
    const verified = configurations.every((result) => {
      const verify = result.verify as { acknowledgedMissing: number; storedTwice: number; timelineRowsTwice: number };
      return verify.acknowledgedMissing === 0 && verify.storedTwice === 0 && verify.timelineRowsTwice === 0;
    });
    process.stdout.write(
      `${JSON.stringify({
        bench: 'scale',
        dialect: 'postgres',
        clients: CLIENTS,
        eventsPerRequest: BATCH,
        secondsPerConfiguration: SECONDS,
        configurations: configurations.map((result) => ({ ...result })),
        limit,
        verified,
        machine: machine(),
      })}\n`,
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
