/**
 * Recommendations benchmark.
 *
 * 1. Training: every strategy trained in-process (`trainModels`, the code the training job runs)
 *    on BENCH_TRAIN_EVENTS synthetic interactions over BENCH_PRODUCTS products and BENCH_PROFILES
 *    profiles; time and memory (heap and RSS growth).
 * 2. Serving: the built server (`dist`) on a fresh SQLite store holding BENCH_PRODUCTS products
 *    and BENCH_STORE_PROFILES profiles with BENCH_STORE_EVENTS product events, trained through
 *    its API, then GET /api/v1/recommendations at BENCH_RATE requests/s for BENCH_SECONDS,
 *    open-loop (requests leave on schedule whether or not earlier ones answered), a mix of
 *    for-you (a random profile), also-bought, viewed-together, complementary (a random
 *    product), trending and best-sellers.
 * 3. Limit, same run, same client and rate: a bare Node HTTP server answering each request
 *    with a lookup in a precomputed in-memory table of JSON results.
 *
 * BENCH_TRAINING_ONLY=1 stops after part 1.
 * The data are synthetic (Zipf popularity, items clustered by category so neighbours exist).
 * The last line of stdout is one JSON object.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/helpers/server.js';
import { recommend, trainModels, type CatalogItem, type Interaction, type InteractionKind } from '../src/recommendations/engine.js';
import { emptyState } from '../src/profiles/state.js';
import { openDatabase } from '../src/storage/database.js';
import { systemClock } from '../src/shared/clock.js';
import { WorkspaceService } from '../src/workspaces/workspace-service.js';
import { machine, percentile, request, round, startServer } from './lib/harness.js';

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const PROFILES = Number(process.env.BENCH_PROFILES ?? 1_000_000);
const TRAIN_EVENTS = Number(process.env.BENCH_TRAIN_EVENTS ?? 10_000_000);
const STORE_PROFILES = Number(process.env.BENCH_STORE_PROFILES ?? 100_000);
const STORE_EVENTS = Number(process.env.BENCH_STORE_EVENTS ?? 1_000_000);
/** One or more request rates, comma-separated: each is run for BENCH_SECONDS. */
const RATES = (process.env.BENCH_RATE ?? '2000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const ADMIN = 'ADM_BENCH';
const DAY = 86_400_000;
const CATEGORIES = 500;

/** A small fast deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples 0..n-1 with probability proportional to 1 / (rank + 1)^s. */
function zipf(n: number, s: number, next: () => number): () => number {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / Math.pow(i + 1, s);
    cumulative[i] = sum;
  }
  return () => {
    const target = next() * sum;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((cumulative[mid] ?? 0) < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

const now = Date.UTC(2026, 10, 1);

function catalog(): CatalogItem[] {
  const next = random(7);
  return Array.from({ length: PRODUCTS }, (_, i) => {
    const price = Math.round(5 + next() * 195);
    return {
      id: `p${i}`,
      category: `Dept ${i % 20} > Category ${i % CATEGORIES}`,
      brand: `Brand ${i % 300}`,
      price,
      inventory: next() < 0.05 ? 0 : Math.floor(next() * 100),
      createdAt: now - Math.floor(next() * 365) * DAY,
      compareAtPrice: next() < 0.2 ? Math.round(price * (1.1 + next() * 0.5)) : null,
    };
  });
}

/**
 * Synthetic interactions: profiles browse in sessions; each next item is, half of the time,
 * from the category of the previous one (so co-occurrence is structured), else globally Zipf.
 */
function* interactions(events: number, profiles: number, seed: number): Generator<Interaction> {
  const next = random(seed);
  const global = zipf(PRODUCTS, 0.9, next);
  const perCategory = Math.max(1, Math.floor(PRODUCTS / CATEGORIES));
  const inCategory = zipf(perCategory, 0.9, next);
  const ids = Array.from({ length: PRODUCTS }, (_, i) => `p${i}`);
  const profileIds = Array.from({ length: profiles }, (_, i) => `prf_${i}`);
  let emitted = 0;
  let t = now - 90 * DAY;
  const step = (90 * DAY) / Math.max(1, events);
  while (emitted < events) {
    const profile = profileIds[Math.floor(next() * profiles)] ?? 'prf_0';
    const length = 1 + Math.floor(next() * 8);
    let item = global();
    const groups = [`gender:${next() < 0.5 ? 'female' : 'male'}`, `country:c${Math.floor(next() * 20)}`];
    for (let k = 0; k < length && emitted < events; k++) {
      const roll = next();
      const kind: InteractionKind = roll < 0.8 ? 'view' : roll < 0.92 ? 'cart' : 'purchase';
      yield { profile, item: ids[item] ?? 'p0', kind, t, groups };
      emitted++;
      t += step;
      item = next() < 0.5 ? Math.min(PRODUCTS - 1, (item % CATEGORIES) + CATEGORIES * inCategory()) : global();
    }
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;
}

function rssMb(pid?: number): number {
  if (pid === undefined) return process.memoryUsage().rss / 1024 ** 2;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match === null ? 0 : Number(match[1]) / 1024;
}

async function benchTraining() {
  const items = catalog();
  process.stderr.write(`generating ${TRAIN_EVENTS.toLocaleString()} interactions...\n`);
  const list: Interaction[] = [];
  for (const interaction of interactions(TRAIN_EVENTS, PROFILES, 11)) list.push(interaction);
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = rssMb();
  process.stderr.write('training...\n');
  const started = performance.now();
  const models = trainModels(items, list, { now });
  const trainMs = performance.now() - started;
  const heapAfter = process.memoryUsage().heapUsed;
  // Compute cost of one request inside the engine (no HTTP, no store): the serving floor.
  const next = random(5);
  const latencies: number[] = [];
  const strategies = ['for-you', 'also-bought', 'viewed-together', 'complementary', 'trending', 'best-sellers'] as const;
  for (let i = 0; i < 20_000; i++) {
    const product = `p${Math.floor(next() * PRODUCTS)}`;
    const history = Array.from({ length: 10 }, () => `p${Math.floor(next() * PRODUCTS)}`);
    const visitor = { viewed: history.map((id, k) => ({ id, t: now - k * 1000 })), purchased: [{ id: product, t: now - DAY }], cart: [], history, groups: ['gender:female'] };
    const began = performance.now();
    recommend(models, { strategy: strategies[i % strategies.length] ?? 'trending', product, limit: 10, visitor, now: now + i, rules: { maxPerBrand: 3 } });
    latencies.push(performance.now() - began);
  }
  latencies.sort((a, b) => a - b);
  const result = {
    events: TRAIN_EVENTS,
    products: PRODUCTS,
    profiles: models.report.profiles,
    trainSeconds: round(trainMs / 1000, 2),
    eventsPerSecond: Math.round(TRAIN_EVENTS / (trainMs / 1000)),
    stagesMs: models.report.trainMs,
    heapGrowthMb: Math.round((heapAfter - heapBefore) / 1024 ** 2),
    rssGrowthMb: Math.round(rssMb() - rssBefore),
    engineOnlyMs: { p50: round(percentile(latencies, 50), 3), p99: round(percentile(latencies, 99), 3) },
    modelPairs: { forYou: models.report.forYouPairs, alsoBought: models.report.alsoBoughtPairs, viewedTogether: models.report.viewedTogetherPairs, categoryRules: models.report.categoryRules },
  };
  list.length = 0;
  return result;
}

/** Writes the serving store straight through SQLite (the ingest path is measured by bench:ingest). */
async function populateStore(dataDir: string): Promise<void> {
  const database = await openDatabase({ dataDir });
  const workspaces = new WorkspaceService({ database, clock: systemClock });
  await workspaces.bootstrap({ adminToken: ADMIN, writeKey: 'WK_BENCH' });
  const sqlite = database.sqlite;
  if (sqlite === undefined) throw new Error('expected SQLite');
  const items = catalog();
  const insertProduct = sqlite.prepare(
    'insert into products (workspace_id, id, sku, name, url, image_url, category, brand, price, currency, inventory, attributes, created_at, updated_at) values (?, ?, null, ?, ?, null, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  sqlite.transaction(() => {
    for (const item of items) {
      const attributes = item.compareAtPrice === null ? '{}' : JSON.stringify({ compare_at_price: item.compareAtPrice });
      insertProduct.run(
        'default',
        item.id,
        `Product ${item.id}`,
        `https://shop.example/${item.id}`,
        item.category,
        item.brand,
        item.price,
        'EUR',
        item.inventory,
        attributes,
        item.createdAt,
        item.createdAt,
      );
    }
  })();
  const insertEvent = sqlite.prepare(
    "insert into events (workspace_id, partition, seq, message_id, type, event, user_id, anonymous_id, timestamp, received_at, source_id, payload) values ('default', 0, ?, ?, 'track', ?, ?, null, ?, ?, null, ?)",
  );
  const insertTimeline = sqlite.prepare("insert into profile_events (workspace_id, profile_id, timestamp, partition, seq) values ('default', ?, ?, 0, ?)");
  const insertProfile = sqlite.prepare("insert into profiles (workspace_id, id, merged_into, created_at, updated_at, state) values ('default', ?, null, ?, ?, ?)");
  const names: Record<InteractionKind, string> = { view: 'Product Viewed', cart: 'Product Added', purchase: 'Order Completed' };
  const states = new Map<string, ReturnType<typeof emptyState>>();
  let seq = 0;
  const batch: Interaction[] = [];
  const flush = () => {
    sqlite.transaction(() => {
      for (const interaction of batch) {
        seq++;
        const properties = interaction.kind === 'purchase' ? { order_id: `o${seq}`, products: [{ product_id: interaction.item, quantity: 1 }] } : { product_id: interaction.item };
        const payload = JSON.stringify({
          type: 'track',
          event: names[interaction.kind],
          messageId: `m${seq}`,
          userId: interaction.profile,
          timestamp: new Date(interaction.t).toISOString(),
          context: {},
          properties,
        });
        insertEvent.run(seq, `m${seq}`, names[interaction.kind], interaction.profile, interaction.t, interaction.t, payload);
        insertTimeline.run(interaction.profile, interaction.t, seq);
        let state = states.get(interaction.profile);
        if (state === undefined) {
          state = emptyState();
          state.traits.gender = { v: interaction.groups?.[0]?.slice(7) ?? 'female', t: interaction.t };
          states.set(interaction.profile, state);
        }
        if (interaction.kind === 'view') state.viewed = [{ id: interaction.item, t: interaction.t, name: null }, ...state.viewed.filter((view) => view.id !== interaction.item)].slice(0, 20);
      }
    })();
    batch.length = 0;
  };
  for (const interaction of interactions(STORE_EVENTS, STORE_PROFILES, 23)) {
    batch.push(interaction);
    if (batch.length === 20_000) {
      flush();
      process.stderr.write(`\rstore: ${seq.toLocaleString()} events`);
    }
  }
  flush();
  process.stderr.write('\n');
  sqlite.transaction(() => {
    for (const [id, state] of states) insertProfile.run(id, now, now, JSON.stringify({ ids: { user_id: [id] }, state }));
  })();
  sqlite.prepare("insert into log_heads (workspace_id, partition, head) values ('default', 0, ?) on conflict (workspace_id, partition) do update set head = excluded.head").run(seq);
  sqlite
    .prepare("insert into processor_cursors (workspace_id, partition, seq, updated_at) values ('default', 0, ?, ?) on conflict (workspace_id, partition) do update set seq = excluded.seq")
    .run(seq, now);
  await database.close();
}

function requestPaths(count: number): string[] {
  const next = random(99);
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const product = `p${Math.floor(next() * Math.min(PRODUCTS, 20_000))}`;
    const profile = `prf_${Math.floor(next() * STORE_PROFILES)}`;
    const roll = i % 6;
    if (roll === 0 || roll === 1) paths.push(`/api/v1/recommendations?strategy=for-you&profile=${profile}&limit=10`);
    else if (roll === 2) paths.push(`/api/v1/recommendations?strategy=also-bought&product=${product}&limit=10`);
    else if (roll === 3) paths.push(`/api/v1/recommendations?strategy=viewed-together&product=${product}&profile=${profile}&limit=10`);
    else if (roll === 4) paths.push(`/api/v1/recommendations?strategy=trending&limit=10`);
    else paths.push(`/api/v1/recommendations?strategy=best-sellers&group=gender:female&limit=10`);
  }
  return paths;
}

/** Open-loop load: request i leaves at start + i / rate; latency is measured from that moment. */
async function load(
  port: number,
  paths: string[],
  headers: Record<string, string>,
  rate: number,
): Promise<{ rate: number; p50: number; p99: number; max: number; achievedRate: number; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < paths.length; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const pathname = paths[i] ?? '/';
    // From the scheduled moment when the client is late (no coordinated omission), from the send when early.
    const from = Math.min(due, performance.now());
    pending.push(
      request({ port, method: 'GET', path: pathname, headers }).then(
        (response) => {
          if (response.status !== 200) errors++;
          latencies.push(performance.now() - from);
        },
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate, p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2), max: round(latencies.at(-1) ?? 0, 1), achievedRate: Math.round(paths.length / elapsed), errors };
}

/** The limit: a bare HTTP server answering from a precomputed table, in its own process. */
async function startTableServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const code = `
    import http from 'node:http';
    const table = new Map();
    for (let i = 0; i < ${PRODUCTS}; i++) {
      table.set('p' + i, JSON.stringify({ items: Array.from({ length: 10 }, (_, k) => ({ id: 'p' + ((i + k * 7919) % ${PRODUCTS}), name: 'Product', price: 10, score: 1 / (k + 1) })) }));
    }
    http.createServer((req, res) => {
      const key = new URL(req.url, 'http://x').searchParams.get('product') ?? 'p0';
      const body = table.get(key) ?? table.get('p0');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    }).listen(${port}, '127.0.0.1', () => process.stdout.write('ready\\n'));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (exitCode) => reject(new Error(`table server exited with ${String(exitCode)}`)));
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  const keep = process.env.BENCH_POPULATE_ONLY;
  if (keep !== undefined) {
    fs.mkdirSync(keep, { recursive: true });
    await populateStore(keep);
    return;
  }
  const training = await benchTraining();
  if (process.env.BENCH_TRAINING_ONLY === '1') {
    console.log(JSON.stringify({ bench: 'recs', machine: machine(), training, loadAverage: os.loadavg().map((value) => round(value, 1)) }));
    return;
  }
  globalThis.gc?.();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-recs-'));
  try {
    process.stderr.write(`populating the serving store: ${PRODUCTS.toLocaleString()} products, ${STORE_PROFILES.toLocaleString()} profiles, ${STORE_EVENTS.toLocaleString()} events...\n`);
    await populateStore(root);
    // The analytics replica would copy the whole prepared log into DuckDB at start; it is not part of serving.
    const server = await startServer({ RAPPORT_DATA_DIR: root, RAPPORT_BOOTSTRAP_ADMIN_TOKEN: ADMIN, RAPPORT_RECS_RETRAIN_MINUTES: '0', RAPPORT_ANALYTICS_SYNC_MS: '0' });
    const serving: Awaited<ReturnType<typeof load>>[] = [];
    let serverTraining;
    try {
      const headers = { authorization: `Bearer ${ADMIN}` };
      const rssBefore = rssMb(server.child.pid);
      const trainStarted = performance.now();
      const started = await request({ port: server.port, method: 'POST', path: '/api/v1/recommendations/trainings', headers });
      if (started.status !== 202) throw new Error(`training answered ${started.status}: ${started.body}`);
      const id = field(JSON.parse(started.body), 'id');
      let training: unknown;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const polled = await request({ port: server.port, method: 'GET', path: `/api/v1/recommendations/trainings/${String(id)}`, headers });
        training = JSON.parse(polled.body);
        process.stderr.write(`\rserver training: ${Math.round(Number(field(training, 'progress')) * 100)}%   `);
        const status = field(training, 'status');
        if (status === 'succeeded' || status === 'failed') break;
      }
      process.stderr.write('\n');
      if (field(training, 'status') !== 'succeeded') throw new Error(`server training failed: ${JSON.stringify(training)}`);
      const report = field(training, 'report');
      serverTraining = {
        seconds: round((performance.now() - trainStarted) / 1000, 2),
        events: field(report, 'events'),
        stagesMs: field(report, 'trainMs'),
        rssGrowthMb: Math.round(rssMb(server.child.pid) - rssBefore),
        rssMb: Math.round(rssMb(server.child.pid)),
      };
      // Warm up, then wait until the server is idle (other modules' start-up work on a large
      // store, such as segment backfills, would otherwise land in the first measured run).
      process.stderr.write('warming up...\n');
      const warm = requestPaths(2000);
      for (let i = 0; i < warm.length; i += 20) await Promise.all(warm.slice(i, i + 20).map((pathname) => request({ port: server.port, method: 'GET', path: pathname, headers })));
      const settleUntil = performance.now() + 120_000;
      for (let fast = 0, i = 0; fast < 100 && performance.now() < settleUntil; i++) {
        const began = performance.now();
        await request({ port: server.port, method: 'GET', path: warm[i % warm.length] ?? '/', headers });
        fast = performance.now() - began < 10 ? fast + 1 : 0;
      }
      for (const rate of RATES) {
        process.stderr.write(`serving at ${rate} requests/s for ${SECONDS} s...\n`);
        serving.push(await load(server.port, requestPaths(rate * SECONDS), headers, rate));
      }
    } finally {
      await server.stop();
    }
    process.stderr.write('measuring the limit (precomputed in-memory table over bare HTTP)...\n');
    const table = await startTableServer();
    const limit: Awaited<ReturnType<typeof load>>[] = [];
    try {
      for (const rate of RATES) {
        const paths = Array.from({ length: rate * SECONDS }, (_, i) => `/?product=p${i % PRODUCTS}`);
        limit.push(await load(table.port, paths, {}, rate));
      }
    } finally {
      await table.stop();
    }
    console.log(
      JSON.stringify({
        bench: 'recs',
        machine: machine(),
        training,
        serverTraining,
        serving: { seconds: SECONDS, products: PRODUCTS, profiles: STORE_PROFILES, storeEvents: STORE_EVENTS, runs: serving },
        limit: { what: 'precomputed in-memory table lookup over bare node:http, same client and rates', runs: limit },
        p99RatioToLimit: serving.map((run, index) => ({ rate: run.rate, ratio: (limit[index]?.p99 ?? 0) === 0 ? null : round(run.p99 / (limit[index]?.p99 ?? 1), 2) })),
        loadAverage: os.loadavg().map((value) => round(value, 1)),
        target: { p99Ms: 5, rate: 2000 },
      }),
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
