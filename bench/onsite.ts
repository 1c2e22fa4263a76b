/**
 * On-site benchmark: the built server on a fresh SQLite store with the starter campaigns live and
 * a few thousand shoppers (profiles with carts, scores, verified user ids), against a bare
 * in-memory lookup over node:http in a process of its own, like the server (the limit, measured
 * in the same run with the same load generator and the same phases, 2,000 requests/s included).
 *
 * - `config`: GET /v1/onsite/config (the full 200 body, as a first visit or an expired cache gets it)
 * - `visitor`: POST /v1/onsite/visitor, half anonymous, half with a verified userHash
 *
 * Each is offered an open-loop 2,000 requests/s (latency counted from the scheduled send time, so
 * queueing is not hidden), after a lower rate (BENCH_LOW_RATE) and 2,000 requests one at a time
 * (latency without queueing); then a closed loop of 32 connections measures the most requests/s.
 * During the 2,000 requests/s phase the server's own latency histogram (GET /metrics, from a
 * request's arrival in Fastify to its answer) gives the server-side share within 10 ms and the
 * bucket bound of its p99, with the server's event-loop delay over the phase (its /metrics gauge):
 * the issue's target is server-side, the client-side p99 adds the load generator's and the
 * kernel's queueing on the same two cores.
 * - `browser`: in Chromium, trigger to visible with a warm cache against the page doing the same DOM work
 *   itself, and the SDK's gzip bytes per file (bench/lib/onsite-browser.ts), after the server phases.
 *
 * Environment: BENCH_SECONDS (per phase, default 8), BENCH_SHOPPERS (default 2000), BENCH_ROUNDS (Chromium, default 50),
 * BENCH_ONLY=visitor (the visitor endpoint and its bare limit only: no config phases, no Chromium; for profiling).
 * The last line of stdout is one JSON object.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { machine, percentile, request, round, startServer, type ServerProcess } from './lib/harness.js';
import { browserFigures } from './lib/onsite-browser.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const SHOPPERS = Number(process.env.BENCH_SHOPPERS ?? 2000);
const RATE = 2000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 50);
/** A second offered rate below saturation on a small machine, to show the latency when not queueing. */
const LOW_RATE = Number(process.env.BENCH_LOW_RATE ?? 300);
const VISITOR_ONLY = process.env.BENCH_ONLY === 'visitor';
const WRITE_KEY = 'WK_ONSITE';
const ADMIN = 'ADM_ONSITE';
const basic = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

interface Call {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

interface Figures {
  offeredPerSecond: number;
  achievedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  maxPerSecond: number;
}

function send(port: number, call: Call): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method: call.method, path: call.path, agent, headers: call.body === undefined ? {} : { 'content-type': 'text/plain' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    req.end(call.body);
  });
}

/** Open loop: `rate` requests a second for `seconds`, latency from each request's scheduled time. */
async function openLoop(port: number, next: (i: number) => Call, rate: number, seconds: number): Promise<{ latencies: number[]; errors: number; elapsed: number }> {
  const total = rate * seconds;
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const start = performance.now();
  const pending: Promise<void>[] = [];
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    for (; sent < due; sent++) {
      const scheduled = start + (sent / rate) * 1000;
      pending.push(
        send(port, next(sent)).then((status) => {
          latencies.push(performance.now() - scheduled);
          if (status !== 200 && status !== 304) errors++;
        }),
      );
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(pending);
  return { latencies, errors, elapsed: (performance.now() - start) / 1000 };
}

/** Closed loop: `connections` clients back to back for `seconds`; requests per second. */
async function closedLoop(port: number, next: (i: number) => Call, connections: number, seconds: number): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        await send(port, next(done));
        done++;
      }
    }),
  );
  return done / seconds;
}

async function atRate(port: number, next: (i: number) => Call, rate: number): Promise<Omit<Figures, 'maxPerSecond'>> {
  const run = await openLoop(port, next, rate, SECONDS);
  const sorted = run.latencies.sort((a, b) => a - b);
  return { offeredPerSecond: rate, achievedPerSecond: round(run.latencies.length / run.elapsed), p50Ms: round(percentile(sorted, 50), 2), p99Ms: round(percentile(sorted, 99), 2), errors: run.errors };
}

/** One request at a time: the latency without queueing (what the server itself takes, plus loopback). */
async function serial(port: number, next: (i: number) => Call, count: number): Promise<{ requests: number; p50Ms: number; p99Ms: number }> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await send(port, next(i));
    latencies.push(performance.now() - start);
  }
  latencies.sort((a, b) => a - b);
  return { requests: count, p50Ms: round(percentile(latencies, 50), 2), p99Ms: round(percentile(latencies, 99), 2) };
}

interface ServerSide {
  /** Requests of the route the server answered during the phase. */
  requests: number;
  /** Share answered within 10 ms, from the request's arrival in Fastify to its answer (exact: 10 ms is a bucket bound). */
  within10MsShare: number;
  /** The histogram bucket bound the 99th percentile falls under (the p99 is at most this). */
  p99AtMostMs: number;
  /** How late the server's event loop ran during the phase (its /metrics gauge, reset by the scrape before the phase): p50, p99, max in ms. */
  loopDelayMs: { p50: number; p99: number; max: number };
}

/**
 * The server's own latency histogram of one route from GET /metrics (bucket bound (s) → cumulative
 * count) and its event-loop delay quantiles since the previous scrape (quantile → seconds).
 */
async function serverHistogram(port: number, route: string): Promise<{ buckets: Map<number, number>; loop: Map<string, number> }> {
  const response = await request({ port, method: 'GET', path: '/metrics' });
  const buckets = new Map<number, number>();
  const loop = new Map<string, number>();
  for (const line of response.body.split('\n')) {
    const quantile = line.startsWith('rapport_event_loop_delay_seconds{') ? /quantile="([^"]+)"/.exec(line)?.[1] : undefined;
    if (quantile !== undefined) loop.set(quantile, Number(line.slice(line.lastIndexOf(' ') + 1)));
    if (!line.startsWith('rapport_http_request_duration_seconds_bucket{') || !line.includes(`route="${route}"`)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const count = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + count);
  }
  return { buckets, loop };
}

function serverSide(before: Map<number, number>, phase: { buckets: Map<number, number>; loop: Map<string, number> }): ServerSide {
  const after = phase.buckets;
  const loopMs = (quantile: string) => round((phase.loop.get(quantile) ?? 0) * 1000, 2);
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = (bound: number) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0);
  const requests = delta(Number.POSITIVE_INFINITY);
  const p99 = bounds.find((bound) => delta(bound) >= requests * 0.99) ?? Number.POSITIVE_INFINITY;
  return {
    requests,
    within10MsShare: requests === 0 ? 0 : round(delta(0.01) / requests, 4),
    p99AtMostMs: p99 === Number.POSITIVE_INFINITY ? -1 : round(p99 * 1000, 1),
    loopDelayMs: { p50: loopMs('0.5'), p99: loopMs('0.99'), max: loopMs('1') },
  };
}

/** Every phase against `port`; with `route`, also the server's own latency of the 2,000 req/s phase from its /metrics. */
async function measure(
  port: number,
  next: (i: number) => Call,
  route?: string,
): Promise<Figures & { low: Omit<Figures, 'maxPerSecond'>; serial: { requests: number; p50Ms: number; p99Ms: number }; server?: ServerSide }> {
  await openLoop(port, next, LOW_RATE, 1); // warm-up
  const oneAtATime = await serial(port, next, 2000);
  const low = await atRate(port, next, LOW_RATE);
  const before = route === undefined ? undefined : (await serverHistogram(port, route)).buckets;
  const high = await atRate(port, next, RATE);
  const server = route === undefined || before === undefined ? undefined : serverSide(before, await serverHistogram(port, route));
  const maxPerSecond = await closedLoop(port, next, 32, Math.max(2, SECONDS / 2));
  return { ...high, maxPerSecond: round(maxPerSecond), low, serial: oneAtATime, ...(server === undefined ? {} : { server }) };
}

async function admin(port: number, method: string, url: string, body?: unknown): Promise<unknown> {
  const response = await request({
    port,
    method,
    path: url,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${response.body}`);
  return JSON.parse(response.body);
}

async function seed(port: number): Promise<string> {
  await admin(port, 'POST', '/api/v1/onsite/starters/install', { activate: true });
  for (let from = 0; from < SHOPPERS; from += 250) {
    const batch = [];
    for (let i = from; i < Math.min(SHOPPERS, from + 250); i++) {
      const anonymousId = `anon-${i}`;
      if (i % 2 === 0) batch.push({ type: 'identify', anonymousId, userId: `user-${i}`, traits: { email: `shopper${i}@example.com`, country: 'BE' } });
      batch.push({ type: 'page', anonymousId, name: 'Home', properties: { path: '/' } });
      if (i % 3 === 0) batch.push({ type: 'track', anonymousId, event: 'Product Added', properties: { product_id: `sku-${i % 50}`, price: 25, quantity: 1 } });
    }
    const response = await request({ port, method: 'POST', path: '/v1/batch', headers: { authorization: basic, 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });
    if (response.status !== 200) throw new Error(`ingest: ${response.status} ${response.body}`);
  }
  for (;;) {
    const status = (await admin(port, 'GET', '/api/v1/processor')) as { lagEvents?: number };
    if (status.lagEvents === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const { secret } = (await admin(port, 'GET', '/api/v1/onsite/secret')) as { secret: string };
  return secret;
}

/**
 * The limit: the same two answers from a Map, over node:http, with no framework and no store, in
 * a process of its own as the server is (in the load generator's process it shared its event loop
 * and its core, so the two were not measured alike).
 */
async function bareServer(dir: string, config: string, facts: Map<string, string>): Promise<{ port: number; close: () => Promise<void> }> {
  const data = path.join(dir, 'bare.json');
  fs.writeFileSync(data, JSON.stringify({ config, facts: [...facts] }));
  const script = `
    const http = require('node:http');
    const { config, facts: entries } = JSON.parse(require('node:fs').readFileSync(process.argv[1], 'utf8'));
    const facts = new Map(entries);
    const server = http.createServer((req, res) => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json', etag: '"x"' }).end(config);
        return;
      }
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const id = typeof body === 'object' && body !== null && typeof body.anonymousId === 'string' ? body.anonymousId : '';
        res.writeHead(200, { 'content-type': 'application/json' }).end(facts.get(id) ?? '{}');
      });
    });
    server.listen(0, '127.0.0.1', () => process.send(server.address().port));
    process.on('disconnect', () => server.close());`;
  const child = spawn(process.execPath, ['-e', script, data], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve(Number(message)));
    child.once('exit', (code) => reject(new Error(`bare server exited with code ${code}`)));
  });
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-onsite-'));
  let server: ServerProcess | undefined;
  try {
    // A start takes 30 s and more when the shared machine is busy.
    server = await startServer({ RAPPORT_DATA_DIR: dataDir, RAPPORT_BOOTSTRAP_WRITE_KEY: WRITE_KEY, RAPPORT_BOOTSTRAP_ADMIN_TOKEN: ADMIN }, { startupMs: 120_000 });
    const port = server.port;
    process.stderr.write(`seeding ${SHOPPERS} shoppers and the starter campaigns...\n`);
    const secret = await seed(port);
    const configCall: Call = { method: 'GET', path: `/v1/onsite/config?writeKey=${WRITE_KEY}` };
    const visitorCall = (i: number): Call => {
      const n = (i * 7919) % SHOPPERS;
      const verified = n % 2 === 0 ? { userId: `user-${n}`, userHash: createHmac('sha256', secret).update(`user-${n}`).digest('hex') } : {};
      return { method: 'POST', path: `/v1/onsite/visitor?writeKey=${WRITE_KEY}`, body: JSON.stringify({ anonymousId: `anon-${n}`, ...verified }) };
    };
    const config = (await request({ port, method: 'GET', path: configCall.path })).body;
    const facts = new Map<string, string>();
    for (let n = 0; n < SHOPPERS; n++) {
      const call = visitorCall(n);
      facts.set(`anon-${(n * 7919) % SHOPPERS}`, (await request({ port, method: 'POST', path: call.path, body: call.body ?? '' })).body);
    }
    process.stderr.write(`config ${config.length} bytes, ${JSON.parse(config).campaigns.length} live campaigns\n`);
    const bare = await bareServer(dataDir, config, facts);
    try {
      const baselineConfig = VISITOR_ONLY ? undefined : await measure(bare.port, () => configCall);
      const baselineVisitor = await measure(bare.port, visitorCall);
      const onsiteConfig = VISITOR_ONLY ? undefined : await measure(port, () => configCall, '/v1/onsite/config');
      const onsiteVisitor = await measure(port, visitorCall, '/v1/onsite/visitor');
      if (!VISITOR_ONLY) process.stderr.write(`Chromium: ${ROUNDS} trigger-to-visible rounds...\n`);
      const browser = VISITOR_ONLY ? undefined : await browserFigures(ROUNDS);
      const result = {
        bench: 'onsite',
        machine: machine(),
        shoppers: SHOPPERS,
        seconds: SECONDS,
        configBytes: config.length,
        config: onsiteConfig,
        visitor: onsiteVisitor,
        baseline: { config: baselineConfig, visitor: baselineVisitor },
        targetP99Ms: 10,
        visitorP99UnderTarget: onsiteVisitor.p99Ms < 10,
        visitorP99UnderTargetAtLowRate: onsiteVisitor.low.p99Ms < 10,
        visitorP99UnderTargetSerial: onsiteVisitor.serial.p99Ms < 10,
        // The issue's target is server-side: the server's own histogram of the 2,000 req/s phase.
        visitorServerP99UnderTarget: onsiteVisitor.server !== undefined && onsiteVisitor.server.p99AtMostMs > 0 && onsiteVisitor.server.p99AtMostMs <= 10,
        browser,
        loadAvg: os.loadavg().map((value) => round(value, 2)),
      };
      for (const [name, figures, bareFigures] of [
        ['config', onsiteConfig, baselineConfig],
        ['visitor', onsiteVisitor, baselineVisitor],
      ] as const) {
        if (figures === undefined || bareFigures === undefined) continue;
        process.stdout.write(
          `${name}: ${figures.achievedPerSecond}/s at ${RATE}/s offered, p99 ${figures.p99Ms} ms (bare ${bareFigures.p99Ms} ms); at ${LOW_RATE}/s p99 ${figures.low.p99Ms} ms (bare ${bareFigures.low.p99Ms} ms); one at a time p99 ${figures.serial.p99Ms} ms (bare ${bareFigures.serial.p99Ms} ms); max ${figures.maxPerSecond}/s (bare ${bareFigures.maxPerSecond}/s)\n`,
        );
      }
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } finally {
      await bare.close();
    }
  } finally {
    await server?.stop();
    agent.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
