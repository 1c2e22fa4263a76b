/**
 * Journeys benchmark: N customers enter an abandoned-cart journey (reminder, coupon, scarcity,
 * exit) within SPREAD seconds, on a fresh SQLite store, in one process with the real scheduler
 * loop (timers armed to the next due job) and the recording sender. The recipe's 1 h / 23 h /
 * 24 h waits are compressed to WAIT seconds each, so the whole journey plays out in real time.
 *
 * Figures: scheduling rate (entries stored per second: run, entry record and timer job),
 * timer lateness p50/p99 (a wait's due time to its handler starting), steps per second
 * (journey steps committed, sends through the recording sender included), peak memory.
 * Limit, measured in the same run: the same number of steps done the simplest way that is still
 * durable, one prepared UPDATE of a state row per step plus the recording sender's call, 500
 * steps per transaction, with no scheduler, no step log and no definitions.
 *
 * Environment: BENCH_CUSTOMERS (default 20000, up to 1000000), BENCH_SPREAD_S (10), BENCH_WAIT_S (5),
 * BENCH_BATCH (jobs per scheduler claim, 500).
 * The last line of stdout is one JSON object.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { createJourneys } from '../src/journeys/journeys.js';
import type { JourneyDefinition } from '../src/journeys/definition.js';
import { RecordingSender } from '../src/journeys/recording-sender.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { systemClock } from '../src/shared/clock.js';
import { openDatabase } from '../src/storage/database.js';
import { machine, percentile, progress, round } from './lib/harness.js';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 20_000);
const SPREAD_S = Number(process.env.BENCH_SPREAD_S ?? 10);
const WAIT_S = Number(process.env.BENCH_WAIT_S ?? 5);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const WS = 'bench';
const STEPS_PER_RUN = 7; // wait, send, wait, send, wait, send, exit

if (!Number.isInteger(CUSTOMERS) || CUSTOMERS < 1 || CUSTOMERS > 1_000_000) throw new Error(`BENCH_CUSTOMERS must be 1..1000000, got ${process.env.BENCH_CUSTOMERS}`);
if (!(SPREAD_S > 0) || !(WAIT_S > 0)) throw new Error('BENCH_SPREAD_S and BENCH_WAIT_S must be positive numbers of seconds');

function abandonedCart(): JourneyDefinition {
  const wait = (id: string, next: string): JourneyDefinition['nodes'][number] => ({ id, type: 'wait', duration: { amount: WAIT_S, unit: 'seconds' }, next });
  return {
    name: 'Abandoned cart (compressed)',
    trigger: { type: 'api' },
    start: 'wait-1h',
    nodes: [
      wait('wait-1h', 'reminder'),
      { id: 'reminder', type: 'send', channel: 'email', templateId: 'cart-reminder', next: 'wait-24h' },
      wait('wait-24h', 'coupon'),
      { id: 'coupon', type: 'send', channel: 'email', templateId: 'cart-coupon', coupon: { poolId: 'cart-10' }, next: 'wait-48h' },
      wait('wait-48h', 'scarcity'),
      { id: 'scarcity', type: 'send', channel: 'email', templateId: 'cart-flash-sale', next: 'done' },
      { id: 'done', type: 'exit' },
    ],
    settings: { entry: { mode: 'once_per_key' }, goal: { event: 'Order Completed', matchKey: 'cart_id' } },
  };
}

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-journeys-'));
  const database = await openDatabase({ dataDir });
  const sender = new RecordingSender();
  const entryLateness: number[] = [];
  const timerLateness: number[] = [];
  const fired = new Set<string>();
  let busyMs = 0;
  const scheduler = new Scheduler({
    database,
    clock: systemClock,
    batchSize: BATCH,
    onBatch: (kind, _jobs, ms) => {
      if (kind === 'journey.run') busyMs += ms;
    },
    onFired: (job, lateness) => {
      if (job.kind !== 'journey.run') return;
      if (fired.has(job.key)) timerLateness.push(lateness);
      else {
        fired.add(job.key);
        entryLateness.push(lateness);
      }
    },
  });
  const journeys = createJourneys({ database, sender, clock: systemClock, scheduler, templates: async () => [] });
  const journey = await journeys.service.create(WS, abandonedCart());
  await journeys.service.activate(WS, journey.id);
  scheduler.start();

  // Entering: CUSTOMERS carts over SPREAD_S seconds, in chunks of 1000 at their times.
  const chunk = 1000;
  const started = performance.now();
  let entered = 0;
  let enterMs = 0;
  for (let offset = 0; offset < CUSTOMERS; offset += chunk) {
    const due = started + (offset / CUSTOMERS) * SPREAD_S * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const entrants = Array.from({ length: Math.min(chunk, CUSTOMERS - offset) }, (_, i) => ({
      profileId: `prf_bench_${offset + i}`,
      entryKey: `cart-${offset + i}`,
      trigger: { kind: 'event', event: 'Product Added', properties: { cart_id: `cart-${offset + i}` }, at: Date.now() },
    }));
    const t = performance.now();
    entered += (await journeys.engine.enter(WS, journey.id, entrants)).length;
    enterMs += performance.now() - t;
    progress('entering', offset + entrants.length, CUSTOMERS);
  }
  const expectedSends = CUSTOMERS * 3;
  for (;;) {
    progress('sending', sender.sent.length, expectedSends);
    if (sender.sent.length >= expectedSends) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const elapsedMs = performance.now() - started;
  await scheduler.stop();
  const report = await journeys.service.report(WS, journey.id);
  const steps = Number(
    (
      await database.db
        .selectFrom('journey_steps')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  await database.close();

  // Limit: the same steps, the simplest durable way.
  const limitFile = path.join(dataDir, 'limit.db');
  const handle = new SqliteDatabase(limitFile);
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = NORMAL');
  handle.exec('create table runs (id text primary key, node text not null, step integer not null)');
  const insert = handle.prepare('insert into runs (id, node, step) values (?, ?, 0)');
  handle.transaction(() => {
    for (let i = 0; i < CUSTOMERS; i++) insert.run(`r${i}`, 'wait-1h');
  })();
  const update = handle.prepare('update runs set node = ?, step = step + 1 where id = ?');
  const limitSender = new RecordingSender();
  const nodes = ['wait-1h', 'reminder', 'wait-24h', 'coupon', 'wait-48h', 'scarcity', 'done'];
  const limitStart = performance.now();
  for (let step = 0; step < STEPS_PER_RUN; step++) {
    const node = nodes[step] ?? 'done';
    for (let offset = 0; offset < CUSTOMERS; offset += 500) {
      const sends: Promise<unknown>[] = [];
      handle.transaction(() => {
        for (let i = offset; i < Math.min(CUSTOMERS, offset + 500); i++) {
          update.run(node, `r${i}`);
          if (node === 'reminder' || node === 'coupon' || node === 'scarcity') {
            sends.push(limitSender.send({ workspaceId: WS, profileId: `p${i}`, channel: 'email', templateId: node, idempotencyKey: `k${i}:${step}` }));
          }
        }
      })();
      await Promise.all(sends);
    }
  }
  const limitMs = performance.now() - limitStart;
  handle.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  clearInterval(sampler);

  entryLateness.sort((a, b) => a - b);
  timerLateness.sort((a, b) => a - b);
  // The journey takes SPREAD_S + 3 * WAIT_S of wall time by design, so steps per second are
  // counted over the time the scheduler spent running journey batches (claim, handler, commit).
  const stepsPerSecond = steps / (busyMs / 1000);
  const limitStepsPerSecond = (CUSTOMERS * STEPS_PER_RUN) / (limitMs / 1000);
  const result = {
    bench: 'journeys',
    machine: machine(),
    customers: CUSTOMERS,
    spreadSeconds: SPREAD_S,
    waitSeconds: WAIT_S,
    batch: BATCH,
    entered,
    sends: sender.sent.length,
    senderCalls: sender.calls,
    steps,
    reportSent: report.sent,
    completed: report.completed,
    schedulingPerSecond: round(entered / (enterMs / 1000), 0),
    entryLatenessMs: { p50: round(percentile(entryLateness, 50), 1), p99: round(percentile(entryLateness, 99), 1) },
    timerLatenessMs: { p50: round(percentile(timerLateness, 50), 1), p99: round(percentile(timerLateness, 99), 1), max: round(timerLateness.at(-1) ?? 0, 1), timers: timerLateness.length },
    wallSeconds: round(elapsedMs / 1000, 1),
    engineBusySeconds: round(busyMs / 1000, 1),
    stepsPerSecond: round(stepsPerSecond, 0),
    sendsPerSecond: round(sender.sent.length / (busyMs / 1000), 0),
    peakRssMb: round(peakRss / 1024 / 1024, 0),
    limit: { what: 'one prepared UPDATE per step + recording sender, 500 steps per transaction', stepsPerSecond: round(limitStepsPerSecond, 0) },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

void main().catch((error: unknown) => {
  clearInterval(sampler);
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
