/**
 * Ingest benchmark: the built server in lite mode (ingest + processor in one process) on a
 * fresh SQLite store, fed demo-store events through /v1/batch (100 a request) by several
 * concurrent keep-alive clients. The limit is the same rows inserted into the same kind of
 * store by prepared statements in 100-row transactions, with no HTTP and no processing.
 *
 * Environment: BENCH_EVENTS (default 300000), BENCH_CLIENTS (8), BENCH_BATCH (100), and
 * BENCH_DATABASE_URL=postgres://... to run on fresh PostgreSQL databases instead (the limit is
 * then one multi-row INSERT per 100-row transaction over one connection).
 * The last line of stdout is one JSON object.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'kysely';
import { EventCompaction } from '../src/ingest/compaction.js';
import { systemClock } from '../src/shared/clock.js';
import { countEvents } from '../src/log/store/event-log.js';
import { demoEventBatches } from '../src/demo/run-demo.js';
import { normalizeMessage } from '../src/ingest/normalize.js';
import { openDatabase } from '../src/storage/database.js';
import { machine, percentile, progress, request, round, startServer } from './lib/harness.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 300_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const PARTITIONS = 1;
const WRITE_KEY = 'WK_BENCH';
const ADMIN = 'ADM_BENCH';

interface ProcessorStatus {
  lagEvents: number;
}

async function processorStatus(port: number): Promise<ProcessorStatus> {
  const response = await request({ port, method: 'GET', path: '/api/v1/processor', headers: { authorization: `Bearer ${ADMIN}` } });
  if (response.status !== 200) throw new Error(`GET /api/v1/processor answered ${response.status}: ${response.body}`);
  const body: unknown = JSON.parse(response.body);
  if (typeof body !== 'object' || body === null || !('lagEvents' in body) || typeof body.lagEvents !== 'number') throw new Error(`unexpected processor status ${response.body}`);
  return { lagEvents: body.lagEvents };
}

const POSTGRES = process.env.BENCH_DATABASE_URL;

/** A fresh PostgreSQL database next to BENCH_DATABASE_URL; returns its URL and a drop(). */
async function freshPostgres(admin: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const run = async (text: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await run(`drop database if exists ${name} with (force)`);
  await run(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

function normalizedRows(batches: unknown[][]) {
  const receivedAt = Date.now();
  return batches.map((batch) =>
    batch.flatMap((item) => {
      const result = normalizeMessage(item, 0, { receivedAt, partitions: PARTITIONS, sourceId: 'src' });
      return result.ok ? [result.row] : [];
    }),
  );
}

/** PostgreSQL limit: one multi-row INSERT per 100-row transaction, one connection, no HTTP. */
async function rawPostgresRate(batches: unknown[][], url: string): Promise<number> {
  const store = await openDatabase({ databaseUrl: url, dataDir: os.tmpdir() });
  await store.close();
  const rows = normalizedRows(batches);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let seq = 0;
  const started = performance.now();
  for (const batch of rows) {
    const values: unknown[] = [];
    const tuples = batch.map((row) => {
      seq += 1;
      const base = values.length;
      values.push('default', row.partition, seq, row.messageId, row.type, row.event, row.userId, row.anonymousId, row.timestamp, row.receivedAt, row.sourceId, row.payload);
      return `(${Array.from({ length: 12 }, (_, i) => `$${base + i + 1}`).join(',')})`;
    });
    await client.query('begin');
    await client.query(
      `insert into events (workspace_id, partition, seq, message_id, type, event, user_id, anonymous_id, timestamp, received_at, source_id, payload) values ${tuples.join(',')}`,
      values,
    );
    await client.query('commit');
  }
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return rows.reduce((sum, batch) => sum + batch.length, 0) / seconds;
}

/** The same rows, the simplest fastest way: prepared INSERTs in 100-row transactions. */
async function rawInsertRate(batches: unknown[][], dir: string): Promise<number> {
  const store = await openDatabase({ dataDir: dir });
  await store.close();
  const handle = new SqliteDatabase(path.join(dir, 'rapport.db'));
  // The store's own settings (src/storage/database.ts), so the comparison is like for like.
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = NORMAL');
  handle.pragma('cache_size = -65536');
  handle.pragma('wal_autocheckpoint = 10000');
  const insert = handle.prepare(
    'insert into events (workspace_id, partition, seq, message_id, type, event, user_id, anonymous_id, timestamp, received_at, source_id, payload) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const rows = normalizedRows(batches);
  let seq = 0;
  const write = handle.transaction((batch: (typeof rows)[number]) => {
    for (const row of batch) {
      seq += 1;
      insert.run('default', row.partition, seq, row.messageId, row.type, row.event, row.userId, row.anonymousId, row.timestamp, row.receivedAt, row.sourceId, row.payload);
    }
  });
  const started = performance.now();
  for (const batch of rows) write(batch);
  const seconds = (performance.now() - started) / 1000;
  handle.close();
  return rows.reduce((sum, batch) => sum + batch.length, 0) / seconds;
}

/**
 * Bytes the state store takes per event (pages in use, indexes included), as ingest left it and,
 * on SQLite, after the payload compaction a running server does ten minutes later.
 */
async function measureFootprint(databaseUrl: string | undefined, dataDir: string): Promise<Record<string, unknown>> {
  const store = await openDatabase({ databaseUrl, dataDir });
  try {
    const events = await countEvents(store.db, 'default');
    const handle = store.sqlite;
    if (handle === undefined) {
      const { rows } = await sql<{ bytes: string }>`select pg_database_size(current_database()) as bytes`.execute(store.db);
      return { events, bytesPerEvent: Math.round(Number(rows[0]?.bytes ?? 0) / events), compacted: false };
    }
    const used = () => {
      const pageSize = Number(handle.pragma('page_size', { simple: true }));
      const pages = Number(handle.pragma('page_count', { simple: true })) - Number(handle.pragma('freelist_count', { simple: true }));
      return Math.round((pages * pageSize) / events);
    };
    const jsonBytes = handle.prepare<[], { n: number }>('select avg(length(payload)) as n from events').get()?.n ?? 0;
    const beforeCompaction = used();
    const compactionStarted = performance.now();
    const pass = await new EventCompaction({ database: store, clock: systemClock, afterMinutes: 0 }).runOnce({ reclaim: true });
    // Where the bytes go: the largest tables and indexes, per event.
    const byTable = Object.fromEntries(
      handle
        .prepare<[], { name: string; bytes: number }>('select name, sum(pgsize) as bytes from dbstat group by name order by bytes desc limit 8')
        .all()
        .map((row) => [row.name, Math.round(row.bytes / events)]),
    );
    return {
      events,
      byTable,
      jsonPayloadBytesPerEvent: Math.round(jsonBytes),
      bytesPerEventBeforeCompaction: beforeCompaction,
      bytesPerEvent: used(),
      compaction: { events: pass.compacted, seconds: round((performance.now() - compactionStarted) / 1000, 2), payloadBytesPerEvent: Math.round(pass.bytesAfter / Math.max(1, pass.compacted)) },
    };
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-'));
  process.stderr.write(`generating ${EVENTS} demo events...\n`);
  const batches = demoEventBatches({ events: EVENTS, seed: 42, batchSize: BATCH });
  const sentAt = new Date().toISOString();
  const bodies = batches.map((batch) => JSON.stringify({ batch, sentAt }));
  const bytes = bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0);

  const serverDb = POSTGRES === undefined ? undefined : await freshPostgres(POSTGRES, 'rapport_bench_server');
  const server = await startServer({
    ...(serverDb !== undefined && { RAPPORT_DATABASE_URL: serverDb.url }),
    RAPPORT_DATA_DIR: path.join(root, 'server'),
    RAPPORT_BOOTSTRAP_WRITE_KEY: WRITE_KEY,
    RAPPORT_BOOTSTRAP_ADMIN_TOKEN: ADMIN,
  });
  const headers = { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`, 'content-type': 'application/json' };
  const latencies: number[] = [];
  let accepted = 0;
  let next = 0;
  let done = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let index = next++; index < bodies.length; index = next++) {
          const sent = performance.now();
          const response = await request({ port: server.port, method: 'POST', path: '/v1/batch', headers, body: bodies[index] });
          latencies.push(performance.now() - sent);
          if (response.status !== 200) throw new Error(`batch ${index}: ${response.status} ${response.body}`);
          const body: unknown = JSON.parse(response.body);
          if (typeof body === 'object' && body !== null && 'accepted' in body && typeof body.accepted === 'number') accepted += body.accepted;
          progress('ingest', ++done, bodies.length);
        }
      }),
    );
    const sendSeconds = (performance.now() - started) / 1000;
    const lagAtEnd = (await processorStatus(server.port)).lagEvents;
    // Processed = every accepted event has gone through identity resolution and the profile update.
    for (;;) {
      const status = await processorStatus(server.port);
      progress('processor', accepted - status.lagEvents, accepted);
      if (status.lagEvents === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const totalSeconds = (performance.now() - started) / 1000;
    await server.stop();
    const footprint = await measureFootprint(serverDb?.url, path.join(root, 'server'));

    process.stderr.write('measuring the raw insert limit...\n');
    let limit: number;
    if (POSTGRES === undefined) limit = await rawInsertRate(batches, path.join(root, 'raw'));
    else {
      const rawDb = await freshPostgres(POSTGRES, 'rapport_bench_raw');
      limit = await rawPostgresRate(batches, rawDb.url);
      await rawDb.drop();
      await serverDb?.drop();
    }
    latencies.sort((a, b) => a - b);
    const acceptedPerSec = accepted / sendSeconds;
    const processedPerSec = accepted / totalSeconds;
    const result = {
      bench: 'ingest',
      machine: machine(),
      events: accepted,
      requests: bodies.length,
      eventsPerRequest: BATCH,
      clients: CLIENTS,
      payloadMb: round(bytes / 1024 ** 2),
      acceptedPerSec: Math.round(acceptedPerSec),
      processedPerSec: Math.round(processedPerSec),
      latencyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) },
      processorLag: { eventsWhenSendingEnded: lagAtEnd, secondsToDrain: round(totalSeconds - sendSeconds, 2) },
      store: POSTGRES === undefined ? 'sqlite' : 'postgres',
      limit: {
        rawInsertPerSec: Math.round(limit),
        how:
          POSTGRES === undefined
            ? 'prepared INSERTs of the same rows, 100-row transactions, same SQLite settings, no HTTP, no processing'
            : 'one multi-row INSERT of the same rows per 100-row transaction, one connection, no HTTP, no processing',
      },
      ratioToLimit: round(processedPerSec / limit, 3),
      footprint,
      target: { eventsPerSec: 100_000, fallsShortBelow: 50_000, stateStoreBytesPerEvent: 600 },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:ingest failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
