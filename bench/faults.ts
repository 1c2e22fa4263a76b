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
 * Environment: BENCH_SECONDS (90 in all), BENCH_CLIENTS (8), BENCH_PG_BIN
 * (/usr/lib/postgresql/15/bin). The last line of stdout is one JSON object.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
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

async function verify(url: string, load: Load): Promise<Verification> {
  const stored = await query<{ message_id: string; n: string }>(url, "select message_id, count(*) as n from events where workspace_id = 'default' group by message_id");
  const storedIds = new Set(stored.map((row) => row.message_id));
  const missing = load.acknowledged.filter((id) => !storedIds.has(id));

  // Identities point at the profile they were created on; a merged profile points on (merged_into).
  const all = await query<{ id: string; merged_into: string | null; state: string }>(url, "select id, merged_into, state from profiles where workspace_id = 'default'");
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
  for (const row of await query<{ type: string; value: string; profile_id: string }>(url, "select type, value, profile_id from identities where workspace_id = 'default'")) {
    const live = resolve(row.profile_id);
    if (live === undefined) dangling += 1;
    else owner.set(`${row.type}:${row.value}`, live);
  }
  const profiles = all.filter((row) => row.merged_into === null);
  const documents = new Map(profiles.map((row) => [row.id, JSON.parse(row.state) as StoredDocument]));
  // The recount: every stored event, attributed by its userId (else anonymousId) to the live profile holding it.
  const expected = new Map<string, { events: number; orders: number; revenue: number }>();
  let orphans = 0;
  const events = await query<{ user_id: string | null; anonymous_id: string | null; event: string | null; revenue: string | null }>(
    url,
    "select user_id, anonymous_id, event, (payload::json -> 'properties' ->> 'revenue') as revenue from events where workspace_id = 'default'",
  );
  for (const event of events) {
    const profile = (event.user_id !== null ? owner.get(`user_id:${event.user_id}`) : undefined) ?? (event.anonymous_id !== null ? owner.get(`anonymous_id:${event.anonymous_id}`) : undefined);
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
  const nodes: Node[] = [
    { name: 'api', role: 'api', server: undefined, restarts: 0 },
    { name: 'worker', role: 'worker', server: undefined, restarts: 0 },
    { name: 'all', role: 'all', server: undefined, restarts: 0 },
  ];
  const cleanup = (): void => {
    for (const node of nodes) node.server?.child.kill('SIGKILL');
    postgres?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  };
  const onSignal = (): void => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    postgres = startPrivatePostgres();
    const url = postgres.url;
    process.stderr.write(`private PostgreSQL at ${url}\n`);
    const start = async (node: Node): Promise<void> => {
      node.server = await startServer(
        {
          RAPPORT_DATABASE_URL: url,
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
    while (Date.now() < settleDeadline) {
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

    const phaseSeconds = SECONDS / 3;
    const phases: Record<string, unknown>[] = [];
    const rssAtStart = Object.fromEntries(nodes.map((node) => [node.name, rssMb(node.server?.child.pid) ?? null]));
    const allPid = nodes[2]?.server?.child.pid;

    const runPhase = async (name: string, fault: () => Promise<Record<string, unknown>>, recover: () => Promise<Record<string, unknown>>): Promise<void> => {
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
      await sleep((phaseSeconds / 3) * 1000);
      const faultResult = await fault();
      await sleep(Math.max(0, started + ((phaseSeconds * 2) / 3) * 1000 - performance.now()));
      const recoverResult = await recover();
      await loading;
      const loadSeconds = (performance.now() - started) / 1000;
      const drainedAfterSeconds = await drain();
      sampling = false;
      await sampler;
      const verification = await verify(url, load);
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
      });
    process.stdout.write(
      `${JSON.stringify({
        bench: 'faults',
        dialect: 'postgres',
        layout: ['api', 'worker', 'all'],
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
