/**
 * Fault benchmark (issue 17): sustained ingest on PostgreSQL with three real processes while
 * faults hit them, then verification after every phase.
 *
 * Layout: one `--role api`, one `--role worker` and one `--role all` process. Each fault then
 * hits a process that has only the role under test: killing the worker leaves the `all` process
 * as the only one that can take its partitions; killing the API process leaves the `all` process
 * as the only one clients can retry against. (Three `all` processes would blur the two faults
 * into one, and `1 api + 2 workers` leaves no API process to retry against.)
 *
 * PostgreSQL is a private cluster the bench creates (initdb as `postgres` into a temp dir, on a
 * free loopback port) so it can be restarted without touching the machine's shared server; it
 * is stopped and deleted at the end, also on failure.
 *
 * Phases, each BENCH_SECONDS / 3 of load from 8 loopback clients (100 events a request):
 * 1. `kill-worker`: kill -9 the worker a third of the way in; the take-over time is read from
 *    log_leases (until every partition it held has another owner); restarted two thirds in.
 * 2. `kill-api`: kill -9 the API process; clients retry unacknowledged requests against another
 *    API process (same body, same message ids); restarted two thirds in.
 * 3. `restart-postgres`: `pg_ctl restart -m fast` of the private cluster mid-ingest.
 * After each phase (load stopped, processor drained), over everything sent so far: acknowledged
 * events missing, stored twice (by message id), every live profile's events/orders/revenue
 * against a recount from the event log, and every alias pair (an anonymous track and, in the
 * client's next request, usually to another process, an identify or alias naming it) on one
 * profile. Throughput, RSS per process and processor lag are sampled each second.
 *
 * 4. `smtp-down`: a send storm (an active journey mails every customer who sends `Storm Sale`:
 *    BENCH_STORM customers, half at the phase's start, half while the SMTP server is down) with
 *    the loopback SMTP server stopped from a third to two thirds of the phase. After the load:
 *    every storm customer's mail received exactly once, none missing, and the failed attempts
 *    Rapport retried (the message log's attempts) beside the outcome of each message.
 *
 * `--sqlite` (or BENCH_DIALECT=sqlite): the embedded default, one `--role all` process on its
 * SQLite file, with `kill-process` (kill -9 of the one process and its restart at once; clients
 * retry until it answers again) and `smtp-down`; the same checks, read from the SQLite file.
 * `--phases=a,b` (or BENCH_PHASES) runs only those phases, in that order; BENCH_SECONDS is
 * shared among the phases run.
 *
 * Environment: BENCH_SECONDS (90 in all), BENCH_CLIENTS (8), BENCH_STORM (1000),
 * BENCH_PG_BIN (/usr/lib/postgresql/15/bin). The last line of stdout is one JSON object.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { SMTPServer } from 'smtp-server';
import { payloadText } from '../src/storage/payload-codec.js';
import { machine, percentile, pgQuery, request, round, startServer, type ServerProcess } from './lib/harness.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 90);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const PG_BIN = process.env.BENCH_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const BATCH = 100;
/** Alias pairs opened (and the previous request's closed) per request. */
const PAIRS = 10;
const USERS = 5000;
const WRITE_KEY = 'WK_FAULTS';
const ADMIN = 'ADM_FAULTS';
const REQUEST_TIMEOUT_MS = 20_000;
/** A request not acknowledged by any process within this long is given up (and reported). */
const GIVE_UP_MS = 180_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const args = process.argv.slice(2);
const SQLITE = args.includes('--sqlite') || process.env.BENCH_DIALECT === 'sqlite';
const PHASE_NAMES = SQLITE ? ['kill-process', 'smtp-down'] : ['kill-worker', 'kill-api', 'restart-postgres', 'smtp-down'];
const PHASES = (args.find((arg) => arg.startsWith('--phases='))?.slice('--phases='.length) ?? process.env.BENCH_PHASES ?? PHASE_NAMES.join(',')).split(',').filter((name) => name !== '');
for (const name of PHASES) if (!PHASE_NAMES.includes(name)) throw new Error(`unknown phase "${name}" for ${SQLITE ? 'sqlite' : 'postgres'}: one of ${PHASE_NAMES.join(', ')}`);
/** Customers the send storm mails (one each). */
const STORM = Number(process.env.BENCH_STORM ?? 1000);

// ---------------------------------------------------------------------------------------------
// The private PostgreSQL cluster.

interface PrivatePostgres {
  url: string;
  restart(): void;
  stop(): void;
}

function startPrivatePostgres(): PrivatePostgres {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-faults-pg-'));
  const data = path.join(root, 'data');
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  fs.chownSync(root, uid, gid);
  const asPostgres = (command: string, args: string[]): void => {
    execFileSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, command), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  };
  let running = false;
  const stop = (): void => {
    if (running) {
      running = false;
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already gone
      }
    }
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    // A random port above the usual ones: no fixed port, so a parallel run is unlikely to collide (start fails loudly if it does).
    const port = 55_432 + Math.floor(Math.random() * 5000);
    const options = `-k ${root} -h 127.0.0.1 -p ${port} -c max_connections=200`;
    asPostgres('pg_ctl', ['-D', data, '-l', path.join(root, 'log'), '-o', options, '-w', '-t', '60', 'start']);
    running = true;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      restart: () => asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', '-o', options, 'restart']),
      stop,
    };
  } catch (error) {
    stop();
    throw error;
  }
}

const query = pgQuery;

// ---------------------------------------------------------------------------------------------
// The store, read for verification: PostgreSQL, or the SQLite file of the one process.

interface StoreReader {
  query<T extends object>(text: string): Promise<T[]>;
  /** Every event of the workspace with its revenue property. */
  events(): Promise<{ user_id: string | null; anonymous_id: string | null; event: string | null; revenue: number | null; profile_id: string | null }[]>;
}

function postgresReader(url: string): StoreReader {
  return {
    query: (text) => query(url, text),
    events: async () =>
      (
        await query<{ user_id: string | null; anonymous_id: string | null; event: string | null; revenue: string | null; profile_id: string | null }>(
          url,
          "select user_id, anonymous_id, event, (payload::json -> 'properties' ->> 'revenue') as revenue, (payload::json -> 'properties' ->> 'profile_id') as profile_id from events where workspace_id = 'default'",
        )
      ).map((row) => ({ ...row, revenue: row.revenue === null ? null : Number(row.revenue) })),
  };
}

/** Reads the SQLite file beside the process that writes it (WAL: readers never block the writer). */
function sqliteReader(file: string): StoreReader {
  const read = <T>(text: string): T[] => {
    const handle = new SqliteDatabase(file, { fileMustExist: true });
    try {
      return handle.prepare(text).all() as T[];
    } finally {
      handle.close();
    }
  };
  return {
    query: async (text) => read(text),
    events: async () =>
      read<{ user_id: string | null; anonymous_id: string | null; event: string | null; payload: string | Buffer }>(
        "select user_id, anonymous_id, event, payload from events where workspace_id = 'default'",
      ).map(({ payload, ...row }) => {
        const message = JSON.parse(payloadText(payload)) as { properties?: { revenue?: unknown; profile_id?: unknown } };
        const revenue = message.properties?.revenue;
        const profileId = message.properties?.profile_id;
        return { ...row, revenue: typeof revenue === 'number' ? revenue : null, profile_id: typeof profileId === 'string' ? profileId : null };
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The SMTP server on loopback: stopped and started again on the same port, counting every
// message by recipient.

interface SmtpSink {
  url: string;
  received: Map<string, number>;
  up(): Promise<void>;
  down(): Promise<void>;
}

async function startSmtpSink(): Promise<SmtpSink> {
  const received = new Map<string, number>();
  let port = 0;
  let server: SMTPServer | undefined;
  const up = async (): Promise<void> => {
    const next = new SMTPServer({
      secure: false,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      closeTimeout: 50,
      onData(stream, session, callback) {
        stream.on('data', () => undefined);
        stream.on('end', () => {
          for (const rcpt of session.envelope.rcptTo) received.set(rcpt.address, (received.get(rcpt.address) ?? 0) + 1);
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      next.server.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    const address = next.server.address();
    if (address !== null && typeof address === 'object') port = address.port;
    server = next;
  };
  await up();
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    up,
    down: async () => {
      const current = server;
      server = undefined;
      if (current !== undefined) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Processes.

type Role = 'api' | 'worker' | 'all';

interface Node {
  name: string;
  role: Role;
  server: ServerProcess | undefined;
  restarts: number;
}

function rssMb(pid: number | undefined): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match === null ? undefined : round(Number(match[1]) / 1024, 1);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Load.

interface Pair {
  anonymousId: string;
  userId: string;
  /** Which process acknowledged each half (undefined: not yet acknowledged). */
  anonBy?: string;
  idBy?: string;
}

interface Load {
  acknowledged: string[];
  pairs: Pair[];
  retries: Map<string, number>;
  gaveUp: number;
  rejected: string[];
  latencies: number[];
}

function post(port: number, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/batch',
        // A fresh connection per attempt after a failure is what a client does; keep-alive otherwise.
        headers: { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`, 'content-type': 'application/json' },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve({ status: -1, body: '' }));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve({ status: -2, body: '' });
    });
    req.on('error', () => resolve({ status: -1, body: '' }));
    req.end(body);
  });
}

function makeBatch(phase: string, client: number, index: number, previous: Pair[]): { body: string; ids: string[]; opened: Pair[] } {
  const ids: string[] = [];
  const opened: Pair[] = [];
  const batch: Record<string, unknown>[] = [];
  const id = (k: number): string => {
    const messageId = `${phase}-${client}-${index}-${k}`;
    ids.push(messageId);
    return messageId;
  };
  for (let j = 0; j < PAIRS; j++) {
    const pair = { anonymousId: `anon-${phase}-${client}-${index}-${j}`, userId: `au-${phase}-${client}-${index}-${j}` };
    opened.push(pair);
    batch.push({ type: 'track', anonymousId: pair.anonymousId, event: j % 2 === 0 ? 'Order Completed' : 'Product Viewed', properties: { revenue: j + 1 }, messageId: id(batch.length) });
  }
  previous.forEach((pair, j) => {
    batch.push(
      j % 2 === 0
        ? { type: 'identify', userId: pair.userId, anonymousId: pair.anonymousId, traits: { plan: 'pro' }, messageId: id(batch.length) }
        : { type: 'alias', userId: pair.userId, previousId: pair.anonymousId, messageId: id(batch.length) },
    );
  });
  while (batch.length < BATCH) {
    const k = batch.length;
    const user = `u-${(client * 7919 + index * 31 + k) % USERS}`;
    batch.push(
      k % 10 === 0
        ? { type: 'identify', userId: user, traits: { plan: `p${k % 5}` }, messageId: id(k) }
        : { type: 'track', userId: user, event: k % 3 === 0 ? 'Order Completed' : 'Product Viewed', properties: { product_id: `sku-${k}`, revenue: (k % 7) + 1 }, messageId: id(k) },
    );
  }
  return { body: JSON.stringify({ batch, sentAt: new Date().toISOString() }), ids, opened };
}

/** Sends until some API process acknowledges (200 with every message accepted), retrying against the next one. */
async function deliver(load: Load, apiNodes: () => Node[], start: number, body: string, ids: string[]): Promise<string | undefined> {
  const first = performance.now();
  for (let attempt = 0; ; attempt++) {
    const nodes = apiNodes();
    const node = nodes[(start + attempt) % Math.max(1, nodes.length)];
    if (node?.server !== undefined) {
      const sent = performance.now();
      const response = await post(node.server.port, body);
      if (response.status === 200) {
        load.latencies.push(performance.now() - sent);
        const answer = JSON.parse(response.body) as { accepted?: number };
        if (answer.accepted !== ids.length) load.rejected.push(`${ids[0]}: ${response.body.slice(0, 200)}`);
        load.acknowledged.push(...ids);
        return node.name;
      }
      const kind = response.status === -1 ? 'connection' : response.status === -2 ? 'timeout' : String(response.status);
      load.retries.set(kind, (load.retries.get(kind) ?? 0) + 1);
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        load.rejected.push(`${ids[0]}: ${response.status} ${response.body.slice(0, 200)}`);
        return undefined;
      }
    }
    if (performance.now() - first > GIVE_UP_MS) {
      load.gaveUp += 1;
      return undefined;
    }
    await sleep(100);
  }
}

async function runLoad(load: Load, phase: string, seconds: number, apiNodes: () => Node[], onAck: (events: number) => void): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      let previous: Pair[] = [];
      for (let index = 0; performance.now() < deadline; index++) {
        const { body, ids, opened } = makeBatch(phase, client, index, previous);
        const by = await deliver(load, apiNodes, client + index, body, ids);
        if (by === undefined) {
          previous = [];
          continue;
        }
        onAck(ids.length);
        for (const pair of previous) pair.idBy = by;
        for (const pair of opened) pair.anonBy = by;
        load.pairs.push(...opened);
        previous = opened;
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Verification.

interface Verification {
  acknowledged: number;
  stored: number;
  acknowledgedMissing: number;
  missingExamples: string[];
  storedTwice: number;
  profiles: number;
  profileCounterMismatches: number;
  mismatchExamples: string[];
  eventsWithoutProfile: number;
  identitiesWithoutLiveProfile: number;
  aliasPairsChecked: number;
  aliasPairsSplitAcrossProcesses: number;
  aliasPairsWrong: number;
  aliasWrongExamples: string[];
}

interface StoredDocument {
  ids: Record<string, string[]>;
  state: { events: number; orders: number; revenue: number };
}

async function verify(store: StoreReader, load: Load): Promise<Verification> {
  const stored = await store.query<{ message_id: string; n: string }>("select message_id, count(*) as n from events where workspace_id = 'default' group by message_id");
  const storedIds = new Set(stored.map((row) => row.message_id));
  const missing = load.acknowledged.filter((id) => !storedIds.has(id));

  // Identities point at the profile they were created on; a merged profile points on (merged_into).
  const all = await store.query<{ id: string; merged_into: string | null; state: string }>("select id, merged_into, state from profiles where workspace_id = 'default'");
  const mergedInto = new Map(all.map((row) => [row.id, row.merged_into]));
  const resolve = (id: string): string | undefined => {
    let current: string | undefined = id;
    for (let step = 0; step < 100 && current !== undefined; step++) {
      const next = mergedInto.get(current);
      if (next === undefined) return undefined;
      if (next === null) return current;
      current = next;
    }
    return undefined;
  };
  const owner = new Map<string, string>();
  let dangling = 0;
  for (const row of await store.query<{ type: string; value: string; profile_id: string }>("select type, value, profile_id from identities where workspace_id = 'default'")) {
    const live = resolve(row.profile_id);
    if (live === undefined) dangling += 1;
    else owner.set(`${row.type}:${row.value}`, live);
  }
  const profiles = all.filter((row) => row.merged_into === null);
  const documents = new Map(profiles.map((row) => [row.id, JSON.parse(row.state) as StoredDocument]));
  // The recount: every stored event, attributed by its userId (else anonymousId) to the live profile holding it.
  const expected = new Map<string, { events: number; orders: number; revenue: number }>();
  let orphans = 0;
  const events = await store.events();
  for (const event of events) {
    // Events Rapport appends itself (a message's lifecycle) name the profile instead of an identifier.
    const named = event.user_id === null && event.anonymous_id === null && event.profile_id !== null ? resolve(event.profile_id) : undefined;
    const profile =
      named ?? (event.user_id !== null ? owner.get(`user_id:${event.user_id}`) : undefined) ?? (event.anonymous_id !== null ? owner.get(`anonymous_id:${event.anonymous_id}`) : undefined);
    if (profile === undefined) {
      orphans += 1;
      continue;
    }
    const counts = expected.get(profile) ?? { events: 0, orders: 0, revenue: 0 };
    counts.events += 1;
    if (event.event === 'Order Completed') {
      counts.orders += 1;
      counts.revenue += Number(event.revenue ?? 0);
    }
    expected.set(profile, counts);
  }
  const mismatches: string[] = [];
  for (const [id, document] of documents) {
    const want = expected.get(id) ?? { events: 0, orders: 0, revenue: 0 };
    const have = document.state;
    if (have.events !== want.events || have.orders !== want.orders || Math.abs(have.revenue - want.revenue) > 1e-6) {
      mismatches.push(`${id} ${JSON.stringify(document.ids)}: stored ${have.events}/${have.orders}/${have.revenue}, recount ${want.events}/${want.orders}/${want.revenue}`);
    }
  }

  // Alias pairs with both halves acknowledged: one live profile holds the user id and the anonymous id.
  const wrong: string[] = [];
  let checked = 0;
  let split = 0;
  for (const pair of load.pairs) {
    if (pair.anonBy === undefined || pair.idBy === undefined) continue;
    checked += 1;
    if (pair.anonBy !== pair.idBy) split += 1;
    const byUser = owner.get(`user_id:${pair.userId}`);
    const byAnonymous = owner.get(`anonymous_id:${pair.anonymousId}`);
    if (byUser === undefined || byUser !== byAnonymous) wrong.push(`${pair.userId} -> ${byUser ?? 'none'}, ${pair.anonymousId} -> ${byAnonymous ?? 'none'}`);
  }

  return {
    acknowledged: load.acknowledged.length,
    stored: stored.reduce((sum, row) => sum + Number(row.n), 0),
    acknowledgedMissing: missing.length,
    missingExamples: missing.slice(0, 5),
    storedTwice: stored.filter((row) => Number(row.n) > 1).length,
    profiles: profiles.length,
    profileCounterMismatches: mismatches.length,
    mismatchExamples: mismatches.slice(0, 5),
    eventsWithoutProfile: orphans,
    identitiesWithoutLiveProfile: dangling,
    aliasPairsChecked: checked,
    aliasPairsSplitAcrossProcesses: split,
    aliasPairsWrong: wrong.length,
    aliasWrongExamples: wrong.slice(0, 5),
  };
}

// ---------------------------------------------------------------------------------------------
// The send storm.

const STORM_EVENT = 'Storm Sale';
const stormAddress = (i: number): string => `storm-${i}@example.test`;

/** A published email template and an active journey that mails whoever sends `Storm Sale`. */
async function setUpStorm(port: number): Promise<string> {
  const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const call = async (method: string, pathname: string, body: unknown): Promise<{ id: string }> => {
    const response = await request({ port, method, path: `/api/v1${pathname}`, headers: admin, body: JSON.stringify(body) });
    if (response.status >= 300) throw new Error(`${method} ${pathname}: ${response.status} ${response.body}`);
    return JSON.parse(response.body) as { id: string };
  };
  const template = await call('POST', '/templates', {
    name: 'Storm sale',
    channel: 'email',
    source: { default: { subject: 'The storm sale is on', body: '<p>Everything 20% off until midnight.</p>', format: 'html' } },
  });
  const journey = await call('POST', '/journeys', {
    name: 'Storm sale',
    trigger: { type: 'event', event: STORM_EVENT },
    start: 'mail',
    nodes: [
      { id: 'mail', type: 'send', channel: 'email', templateId: template.id, next: 'done' },
      { id: 'done', type: 'exit' },
    ],
  });
  await call('POST', `/journeys/${journey.id}/activate`, {});
  return journey.id;
}

/** Customers `from`..`to`-1 of the storm: an identify with an address and consent, then the event, 50 customers a request. */
async function sendStorm(load: Load, apiNodes: () => Node[], from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += 50) {
    const batch: Record<string, unknown>[] = [];
    const ids: string[] = [];
    for (let i = start; i < Math.min(to, start + 50); i++) {
      ids.push(`storm-id-${i}`, `storm-ev-${i}`);
      batch.push({ type: 'identify', userId: `storm-${i}`, traits: { email: stormAddress(i), email_consent: true }, messageId: `storm-id-${i}` });
      batch.push({ type: 'track', userId: `storm-${i}`, event: STORM_EVENT, properties: {}, messageId: `storm-ev-${i}` });
    }
    await deliver(load, apiNodes, start, JSON.stringify({ batch, sentAt: new Date().toISOString() }), ids);
  }
}

interface SendVerification {
  customers: number;
  receivedOnce: number;
  receivedTwice: number;
  missing: number;
  missingExamples: string[];
  /** The message log's emails by status, with the provider attempts they took. */
  messages: Record<string, { count: number; attempts: number; maxAttempts: number }>;
  /** Emails that needed more than one attempt (the retries the outage caused). */
  retried: number;
  settledAfterSeconds: number | null;
}

/** Waits until every storm customer got mail and no email is still queued (at most 5 minutes), then counts. */
async function verifySends(store: StoreReader, sink: SmtpSink): Promise<SendVerification> {
  const started = performance.now();
  const queued = async (): Promise<number> => Number((await store.query<{ n: number | string }>("select count(*) as n from messages where workspace_id = 'default' and status = 'queued'"))[0]?.n ?? 0);
  let settledAfterSeconds: number | null = null;
  while (performance.now() - started < 300_000) {
    let got = 0;
    for (let i = 0; i < STORM; i++) if (sink.received.has(stormAddress(i))) got += 1;
    if (got === STORM && (await queued()) === 0) {
      settledAfterSeconds = round((performance.now() - started) / 1000, 1);
      break;
    }
    await sleep(500);
  }
  const rows = await store.query<{ status: string; n: number | string; attempts: number | string; max_attempts: number | string; retried: number | string }>(
    "select status, count(*) as n, sum(attempts) as attempts, max(attempts) as max_attempts, sum(case when attempts > 1 then 1 else 0 end) as retried from messages where workspace_id = 'default' and channel = 'email' group by status",
  );
  const counts = Array.from({ length: STORM }, (_, i) => sink.received.get(stormAddress(i)) ?? 0);
  const missing = counts.flatMap((count, i) => (count === 0 ? [stormAddress(i)] : []));
  return {
    customers: STORM,
    receivedOnce: counts.filter((count) => count === 1).length,
    receivedTwice: counts.filter((count) => count > 1).length,
    missing: missing.length,
    missingExamples: missing.slice(0, 5),
    messages: Object.fromEntries(rows.map((row) => [row.status, { count: Number(row.n), attempts: Number(row.attempts), maxAttempts: Number(row.max_attempts) }])),
    retried: rows.reduce((sum, row) => sum + Number(row.retried), 0),
    settledAfterSeconds,
  };
}

// ---------------------------------------------------------------------------------------------
// The run.

interface Sample {
  t: number;
  eventsPerSecond: number;
  lag: number | null;
  rssMb: Record<string, number | null>;
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-faults-'));
  let postgres: PrivatePostgres | undefined;
  let smtp: SmtpSink | undefined;
  const nodes: Node[] = SQLITE
    ? [{ name: 'all', role: 'all', server: undefined, restarts: 0 }]
    : [
        { name: 'api', role: 'api', server: undefined, restarts: 0 },
        { name: 'worker', role: 'worker', server: undefined, restarts: 0 },
        { name: 'all', role: 'all', server: undefined, restarts: 0 },
      ];
  const cleanup = (): void => {
    for (const node of nodes) node.server?.child.kill('SIGKILL');
    postgres?.stop();
    void smtp?.down();
    fs.rmSync(root, { recursive: true, force: true });
  };
  const onSignal = (): void => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    postgres = SQLITE ? undefined : startPrivatePostgres();
    const url = postgres?.url ?? '';
    const store = SQLITE ? sqliteReader(path.join(root, 'all', 'rapport.db')) : postgresReader(url);
    if (postgres !== undefined) process.stderr.write(`private PostgreSQL at ${url}\n`);
    smtp = await startSmtpSink();
    const sink = smtp;
    const start = async (node: Node): Promise<void> => {
      node.server = await startServer(
        {
          ...(SQLITE ? {} : { RAPPORT_DATABASE_URL: url }),
          RAPPORT_SMTP_URL: sink.url,
          RAPPORT_PUBLIC_URL: 'https://rapport.shop.test',
          RAPPORT_ROLE: node.role,
          RAPPORT_DATA_DIR: path.join(root, node.name),
          RAPPORT_BOOTSTRAP_WRITE_KEY: WRITE_KEY,
          RAPPORT_BOOTSTRAP_ADMIN_TOKEN: ADMIN,
          // The analytics replica is bench:analytics's measurement; kept out of this one.
          RAPPORT_ANALYTICS_SYNC_MS: '0',
        },
        { startupMs: 90_000 },
      );
    };
    const kill9 = async (node: Node): Promise<number> => {
      const server = node.server;
      if (server === undefined) throw new Error(`${node.name} is not running`);
      node.server = undefined;
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      server.child.kill('SIGKILL');
      await exited;
      return server.child.pid ?? 0;
    };
    // One at a time: the first migrates and creates the workspace.
    for (const node of nodes) await start(node);
    const apiNodes = (): Node[] => nodes.filter((node) => node.role !== 'worker' && node.server !== undefined);
    const ownersOf = async (): Promise<{ partition: number; owner: string | null }[]> =>
      query<{ partition: number; owner: string | null }>(url, 'select partition, owner from log_leases order by partition').catch(() => []);
    const heldBy = (leases: { owner: string | null }[], pid: number | undefined): number => leases.filter((lease) => lease.owner?.split(':')[1] === String(pid)).length;
    // Leases settle: both processors hold a share before the load starts.
    const settleDeadline = Date.now() + 60_000;
    while (!SQLITE && Date.now() < settleDeadline) {
      const leases = await ownersOf();
      if (heldBy(leases, nodes[1]?.server?.child.pid) > 0 && heldBy(leases, nodes[2]?.server?.child.pid) > 0) break;
      await sleep(200);
    }

    const load: Load = { acknowledged: [], pairs: [], retries: new Map(), gaveUp: 0, rejected: [], latencies: [] };
    const lag = async (): Promise<number | null> => {
      for (const node of apiNodes()) {
        const response = await request({ port: node.server?.port ?? 0, method: 'GET', path: '/api/v1/processor', headers: { authorization: `Bearer ${ADMIN}` } }).catch(() => undefined);
        if (response?.status === 200) return (JSON.parse(response.body) as { lagEvents: number }).lagEvents;
      }
      return null;
    };
    const drain = async (): Promise<number | null> => {
      const started = performance.now();
      while (performance.now() - started < 300_000) {
        if ((await lag()) === 0) return round((performance.now() - started) / 1000, 1);
        await sleep(250);
      }
      return null;
    };

    const phaseSeconds = SECONDS / PHASES.length;
    const phases: Record<string, unknown>[] = [];
    const rssAtStart = Object.fromEntries(nodes.map((node) => [node.name, rssMb(node.server?.child.pid) ?? null]));
    const allNode = nodes.find((node) => node.role === 'all') as Node;
    const allPid = allNode.server?.child.pid;
    let sends: SendVerification | undefined;
    if (PHASES.includes('smtp-down')) {
      await setUpStorm(allNode.server?.port ?? 0);
      // Every process's journeys consumer reloads the active journeys within 5 s.
      await sleep(6000);
    }

    const runPhase = async (
      name: string,
      fault: () => Promise<Record<string, unknown>>,
      recover: () => Promise<Record<string, unknown>>,
      extra: { onStart?: () => Promise<void>; afterDrain?: () => Promise<void> } = {},
    ): Promise<void> => {
      if (!PHASES.includes(name)) return;
      process.stderr.write(`phase ${name}: ${round(phaseSeconds, 0)} s of load...\n`);
      const retriesBefore = new Map(load.retries);
      const latenciesBefore = load.latencies.length;
      let ackedEvents = 0;
      const samples: Sample[] = [];
      const started = performance.now();
      let sampling = true;
      const sampler = (async () => {
        let last = 0;
        while (sampling) {
          await sleep(1000);
          const now = ackedEvents;
          samples.push({
            t: round((performance.now() - started) / 1000, 1),
            eventsPerSecond: now - last,
            lag: await lag(),
            rssMb: Object.fromEntries(nodes.map((node) => [node.name, rssMb(node.server?.child.pid) ?? null])),
          });
          last = now;
        }
      })();
      const loading = runLoad(load, name, phaseSeconds, apiNodes, (events) => {
        ackedEvents += events;
      });
      const starting = extra.onStart?.();
      await sleep((phaseSeconds / 3) * 1000);
      const faultResult = await fault();
      await sleep(Math.max(0, started + ((phaseSeconds * 2) / 3) * 1000 - performance.now()));
      const recoverResult = await recover();
      await loading;
      await starting;
      const loadSeconds = (performance.now() - started) / 1000;
      const drainedAfterSeconds = await drain();
      sampling = false;
      await sampler;
      if (extra.afterDrain !== undefined) {
        await extra.afterDrain();
        // What that waited for appended events of its own (a message's lifecycle): processed before the recount.
        await drain();
      }
      const verification = await verify(store, load);
      const rates = samples.map((sample) => sample.eventsPerSecond).sort((a, b) => a - b);
      const lags = samples.map((sample) => sample.lag).filter((value): value is number => value !== null);
      const latencies = load.latencies.slice(latenciesBefore).sort((a, b) => a - b);
      const retries = Object.fromEntries([...load.retries].map(([kind, count]) => [kind, count - (retriesBefore.get(kind) ?? 0)]).filter(([, count]) => Number(count) > 0));
      const result = {
        phase: name,
        loadSeconds: round(loadSeconds, 1),
        events: ackedEvents,
        acceptedPerSecond: Math.round(ackedEvents / loadSeconds),
        eventsPerSecond: { min: rates[0] ?? 0, median: percentile(rates, 50), max: rates[rates.length - 1] ?? 0 },
        p99Ms: round(percentile(latencies, 99), 1),
        maxMs: round(latencies[latencies.length - 1] ?? 0, 1),
        clientRetries: retries,
        lagEvents: {
          max: Math.max(0, ...lags),
          p50: percentile(
            [...lags].sort((a, b) => a - b),
            50,
          ),
        },
        drainedAfterSeconds,
        rssMbEnd: samples[samples.length - 1]?.rssMb,
        fault: faultResult,
        recovery: recoverResult,
        // Every 5th sample: [seconds, events acknowledged in that second, processor lag, RSS MB of the `all` process].
        timeline: samples.filter((_, index) => index % 5 === 4).map((sample) => [sample.t, sample.eventsPerSecond, sample.lag, sample.rssMb.all ?? null]),
        verify: verification,
        ...(name === 'smtp-down' ? { sends } : {}),
      };
      process.stderr.write(`${JSON.stringify(result)}\n`);
      phases.push(result);
    };

    // 1. kill -9 the worker; its partitions move to the `all` process.
    await runPhase(
      'kill-worker',
      async () => {
        const worker = nodes[1] as Node;
        const pid = worker.server?.child.pid;
        const before = await ownersOf();
        const held = before.filter((lease) => lease.owner?.split(':')[1] === String(pid)).map((lease) => lease.partition);
        const killedAt = performance.now();
        await kill9(worker);
        let takeoverMs: number | null = null;
        while (performance.now() - killedAt < 60_000) {
          const leases = await ownersOf();
          const moved = held.every((partition) => {
            const owner = leases.find((lease) => lease.partition === partition)?.owner;
            return owner !== null && owner !== undefined && owner.split(':')[1] !== String(pid);
          });
          if (moved) {
            takeoverMs = Math.round(performance.now() - killedAt);
            break;
          }
          await sleep(100);
        }
        return { killed: 'worker', partitionsHeld: held.length, takeoverMs };
      },
      async () => {
        const worker = nodes[1] as Node;
        const restartedAt = performance.now();
        await start(worker);
        worker.restarts += 1;
        // Rebalance: the returning worker gets a share back from the `all` process.
        let rebalanceMs: number | null = null;
        while (performance.now() - restartedAt < 60_000) {
          if (heldBy(await ownersOf(), worker.server?.child.pid) > 0) {
            rebalanceMs = Math.round(performance.now() - restartedAt);
            break;
          }
          await sleep(100);
        }
        return { restarted: 'worker', startAndRebalanceMs: rebalanceMs };
      },
    );

    // 2. kill -9 the API process; clients retry against the `all` process.
    await runPhase(
      'kill-api',
      async () => {
        await kill9(nodes[0] as Node);
        return { killed: 'api' };
      },
      async () => {
        const api = nodes[0] as Node;
        const restartedAt = performance.now();
        await start(api);
        api.restarts += 1;
        return { restarted: 'api', startMs: Math.round(performance.now() - restartedAt) };
      },
    );

    // 3. Restart PostgreSQL (the private cluster) mid-ingest.
    await runPhase(
      'restart-postgres',
      async () => {
        const restartedAt = performance.now();
        (postgres as PrivatePostgres).restart();
        const restartMs = Math.round(performance.now() - restartedAt);
        // Until ingest is acknowledged again through every API process.
        const before = load.acknowledged.length;
        let ingestBackMs: number | null = null;
        while (performance.now() - restartedAt < 120_000) {
          if (load.acknowledged.length > before) {
            ingestBackMs = Math.round(performance.now() - restartedAt);
            break;
          }
          await sleep(50);
        }
        const alive = nodes.filter((node) => node.server !== undefined && node.server.child.exitCode === null).map((node) => node.name);
        return { restartMs, ingestBackMs, processesAlive: alive };
      },
      async () => ({}),
    );

    // SQLite: kill -9 of the one process and its restart at once; clients retry until it answers.
    await runPhase(
      'kill-process',
      async () => {
        const pid = await kill9(allNode);
        const restartedAt = performance.now();
        await start(allNode);
        allNode.restarts += 1;
        return { killed: 'all', pid, restartMs: Math.round(performance.now() - restartedAt) };
      },
      async () => ({}),
    );

    // 4. The SMTP server down during a send storm, then back.
    let downAt = 0;
    await runPhase(
      'smtp-down',
      async () => {
        await sink.down();
        downAt = performance.now();
        await sendStorm(load, apiNodes, Math.floor(STORM / 2), STORM);
        return { smtp: 'down', stormSentWhileDown: STORM - Math.floor(STORM / 2) };
      },
      async () => {
        await sink.up();
        return { smtp: 'up', downMs: Math.round(performance.now() - downAt) };
      },
      {
        onStart: () => sendStorm(load, apiNodes, 0, Math.floor(STORM / 2)),
        afterDrain: async () => {
          sends = await verifySends(store, sink);
        },
      },
    );

    const rssAtEnd = Object.fromEntries(nodes.map((node) => [node.name, rssMb(node.server?.child.pid) ?? null]));
    const last = phases[phases.length - 1]?.verify as Verification;
    const verified =
      load.gaveUp === 0 &&
      load.rejected.length === 0 &&
      phases.every((phase) => {
        const result = phase.verify as Verification;
        return (
          result.acknowledgedMissing === 0 &&
          result.storedTwice === 0 &&
          result.profileCounterMismatches === 0 &&
          result.aliasPairsWrong === 0 &&
          result.identitiesWithoutLiveProfile === 0 &&
          result.eventsWithoutProfile === 0
        );
      }) &&
      (sends === undefined || (sends.missing === 0 && sends.receivedTwice === 0));
    process.stdout.write(
      `${JSON.stringify({
        bench: 'faults',
        dialect: SQLITE ? 'sqlite' : 'postgres',
        layout: nodes.map((node) => node.role),
        clients: CLIENTS,
        eventsPerRequest: BATCH,
        seconds: SECONDS,
        phases,
        requestsGivenUp: load.gaveUp,
        requestsRejected: load.rejected.length,
        rejectedExamples: load.rejected.slice(0, 3),
        rssMb: { start: rssAtStart, end: rssAtEnd, allProcessPid: allPid },
        totals: { events: last.acknowledged, stored: last.stored, profiles: last.profiles, aliasPairs: last.aliasPairsChecked, aliasPairsSplit: last.aliasPairsSplitAcrossProcesses },
        verified,
        loadAvg: os.loadavg().map((value) => round(value, 2)),
        machine: machine(),
      })}\n`,
    );
  } finally {
    for (const node of nodes) await node.server?.stop();
    cleanup();
  }
}

await main();
