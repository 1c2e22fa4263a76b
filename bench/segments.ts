/**
 * Segments benchmark, in lite mode (one process, SQLite, processor inline), on demo-store data.
 *
 * 1. Per-event processor cost: the same demo events processed into two fresh stores, one with
 *    no segment (the limit) and one with BENCH_SEGMENTS (200) live segments of every kind.
 * 2. Backfill of a 3-condition segment over all history (the store without segments), against
 *    the limit of the same question written by hand as one SQL query in DuckDB over the same
 *    events (loaded beforehand, not timed); both answers must have the same members.
 *    The same backfill again in the store where the segments are live (`amongLiveSegments`).
 * 3. Acceptance → `Segment Entered` committed: probes ingested one at a time through
 *    IngestService (acceptance = the append committed) with the processor running inline,
 *    timed until the membership commit (the engine's after-commit listener), p50 / p99.
 * 4. Memory of the process (RSS, heap) at the end.
 *
 * Environment: BENCH_EVENTS (default 100000, up to 20M: events are generated and appended in
 * chunks; the demo makes about one profile per 24 events),
 * BENCH_SEGMENTS (200), BENCH_PROBES (300). The last line of stdout is one JSON object.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateDemoStore } from '../src/demo/generator.js';
import { profileIdFor } from '../src/identity/resolve.js';
import { IngestService } from '../src/ingest/ingest-service.js';
import { normalizeMessage } from '../src/ingest/normalize.js';
import { Processor } from '../src/processor/processor.js';
import { SegmentEngine } from '../src/segments/engine.js';
import { SegmentService } from '../src/segments/segment-service.js';
import type { Clock } from '../src/shared/clock.js';
import { SecretBox } from '../src/shared/secret-box.js';
import { openDatabase, type Database } from '../src/storage/database.js';
import { createEventAppender, type AppendRow } from '../src/log/store/event-log.js';
import { machine, percentile, round } from './lib/harness.js';
import { payloadText } from '../src/storage/payload-codec.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const SEGMENTS = Number(process.env.BENCH_SEGMENTS ?? 200);
const PROBES = Number(process.env.BENCH_PROBES ?? 300);
const WS = 'default';
const DAY = 86_400_000;
// "Now" is just after the last demo event (the demo window starts 2024-01-01 and lasts as long as
// the events asked for), moving with the wall clock so latencies and windows stay real.
let demoEnd = Date.parse('2024-03-31T00:00:00Z');
let started = Date.now();
const clock: Clock = { now: () => demoEnd + (Date.now() - started) };

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

async function freshStore(name: string): Promise<{ database: Database; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rapport-bench-${name}-`));
  return { database: await openDatabase({ dataDir: dir }), dir };
}

async function appendAll(database: Database, rows: AppendRow[]): Promise<void> {
  const append = createEventAppender(database);
  for (let start = 0; start < rows.length; start += 5000) {
    const chunk = rows.slice(start, start + 5000);
    await database.transaction((trx) => append(trx, WS, chunk));
  }
}

const category = 'Apparel';

/** 200 segments of every kind, deterministic. */
function segmentConditions(count: number): unknown[] {
  const windows = [1, 2, 7, 14, 30, 60, 90];
  const events = ['Product Viewed', 'Product Added', 'Order Completed', 'Checkout Started', 'Cart Viewed', 'page'];
  const list: unknown[] = [];
  for (let index = 0; list.length < count; index++) {
    const days = windows[index % windows.length] ?? 7;
    const event = events[index % events.length] ?? 'page';
    switch (index % 8) {
      case 0:
        list.push({ type: 'event', event, window: { type: 'last', amount: days, unit: 'days' } });
        break;
      case 1:
        list.push({ type: 'event', event, count: { op: 'at_least', value: 1 + (index % 5) }, window: { type: 'last', amount: days, unit: 'days' } });
        break;
      case 2:
        list.push({ type: 'computed', key: index % 2 === 0 ? 'orders' : 'revenue', op: 'gte', value: 1 + (index % 7) * 20 });
        break;
      case 3:
        list.push({ type: 'lifecycle', stages: [['visitor', 'engaged_browser', 'cart_abandoner', 'repeat_buyer', 'lapsed'][index % 5] ?? 'visitor'] });
        break;
      case 4:
        list.push({
          type: 'and',
          conditions: [
            { type: 'reachable', channel: 'email' },
            { type: 'computed', key: 'daysSinceLastSeen', op: 'lte', value: days },
          ],
        });
        break;
      case 5:
        list.push({ type: 'event', event: 'Order Completed', aggregate: { fn: 'sum', property: 'revenue', op: 'gte', value: 50 + index }, window: { type: 'last', amount: 90, unit: 'days' } });
        break;
      case 6:
        list.push({ type: 'trait', key: index % 2 === 0 ? 'email' : 'firstName', op: 'exists' });
        break;
      default:
        list.push({ type: 'event', event: 'Product Viewed', where: [{ property: 'category', op: 'contains', value: category }], window: { type: 'last', amount: days, unit: 'days' } });
        break;
    }
  }
  return list;
}

/** The 3-condition segment the backfill computes, and the same question in DuckDB SQL. */
const backfillCondition = {
  type: 'and',
  conditions: [
    { type: 'event', event: 'Order Completed', window: { type: 'last', amount: 60, unit: 'days' } },
    { type: 'event', event: 'Product Viewed', where: [{ property: 'category', op: 'contains', value: category }], window: { type: 'last', amount: 30, unit: 'days' } },
    { type: 'event', event: 'Order Completed', aggregate: { fn: 'sum', property: 'revenue', op: 'gte', value: 50 } },
  ],
};

function duckSql(now: number): string {
  return `select profile_id from ev group by profile_id having
    sum(case when event = 'Order Completed' and ts > ${now - 60 * DAY} then 1 else 0 end) >= 1
    and sum(case when event = 'Product Viewed' and ts > ${now - 30 * DAY} and contains(lower(category), '${category.toLowerCase()}') then 1 else 0 end) >= 1
    and sum(case when event = 'Order Completed' and revenue is not null then revenue else 0 end) >= 50
    and count(case when event = 'Order Completed' and revenue is not null then 1 end) > 0`;
}

async function main(): Promise<void> {
  // 1. Per-event processor cost, without and with segments.
  const plain = await freshStore('plain');
  const withSegments = await freshStore('segments');
  const engine = new SegmentEngine({ database: withSegments.database, clock });
  const service = new SegmentService({ database: withSegments.database, engine, clock, secrets: SecretBox.ephemeral() });
  const conditions = segmentConditions(SEGMENTS);
  for (const [index, condition] of conditions.entries()) await service.create(WS, { name: `bench ${index}`, condition });
  // The store is empty, so each backfill ends at once and the segments are live.
  for (const segment of await service.list(WS)) await engine.backfillStep(WS, segment.id, segment.version, 1000);

  // Demo events are generated and appended to both stores in chunks, so 20M events fit in memory.
  log(`generating and appending ${EVENTS} demo events to two stores...`);
  let appended = 0;
  let latest = 0;
  let chunk: AppendRow[] = [];
  const flush = async () => {
    await appendAll(plain.database, chunk);
    await appendAll(withSegments.database, chunk);
    chunk = [];
  };
  for (let round = 0; appended < EVENTS; round++) {
    const store = generateDemoStore({ customers: Math.max(20, Math.ceil((EVENTS - appended) / 60)), seed: 7 + round * 7919, days: 90 });
    for (const message of store.messagesSync()) {
      const time = Date.parse(message.timestamp);
      const result = normalizeMessage(message, 0, { receivedAt: time, partitions: 1, sourceId: 'bench' });
      if (!result.ok) continue;
      chunk.push(result.row);
      appended += 1;
      if (time > latest) latest = time;
      if (chunk.length >= 5000) await flush();
      if (appended >= EVENTS) break;
    }
  }
  await flush();
  demoEnd = latest + 60_000;
  started = Date.now();

  const processAll = async (database: Database, segmentEngine: SegmentEngine | undefined): Promise<number> => {
    const processor = new Processor({ database, clock, batchSize: 2000, extensions: segmentEngine === undefined ? [] : [segmentEngine.extension()] });
    const start = performance.now();
    await processor.drain();
    return performance.now() - start;
  };
  log('processing without segments...');
  const plainMs = await processAll(plain.database, undefined);
  log(`processing with ${SEGMENTS} segments...`);
  const segmentsMs = await processAll(withSegments.database, engine);
  const profiles = Number(
    (
      await plain.database.db
        .selectFrom('profiles')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('merged_into', 'is', null)
        .executeTakeFirstOrThrow()
    ).n,
  );
  const memberships = Number(
    (
      await withSegments.database.db
        .selectFrom('segment_members')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

  // 2. Backfill of a 3-condition segment vs DuckDB.
  log('backfilling a 3-condition segment...');
  const plainEngine = new SegmentEngine({ database: plain.database, clock });
  const plainService = new SegmentService({ database: plain.database, engine: plainEngine, clock, secrets: SecretBox.ephemeral() });
  const created = await plainService.create(WS, { name: 'backfill', condition: backfillCondition });
  const backfillStart = performance.now();
  for (;;) {
    const { processed } = await plainEngine.backfillStep(WS, created.id, created.version, 2000);
    if (processed === 0) break;
  }
  const backfillMs = performance.now() - backfillStart;
  const backfillNow = clock.now();
  // The same backfill in the store where the 200 segments are live (a segment created in a busy
  // workspace): it must read only the events its own conditions ask about.
  log('backfilling the same segment among the live segments...');
  const busy = await service.create(WS, { name: 'backfill among live', condition: backfillCondition });
  const busyStart = performance.now();
  while ((await engine.backfillStep(WS, busy.id, busy.version, 2000)).processed > 0);
  const busyMs = performance.now() - busyStart;
  const busyMembers = (await withSegments.database.db.selectFrom('segment_members').select('profile_id').where('segment_id', '=', busy.id).execute()).length;
  const members = (await plain.database.db.selectFrom('segment_members').select('profile_id').where('segment_id', '=', created.id).execute()).map((row) => row.profile_id).sort();

  log('loading the same events into DuckDB...');
  const csvFile = path.join(plain.dir, 'events.csv');
  const out = fs.createWriteStream(csvFile);
  out.write('profile_id,event,ts,revenue,category\n');
  const exported = plain.database.db
    .selectFrom('profile_events as pe')
    .innerJoin('events as e', (join) => join.onRef('e.workspace_id', '=', 'pe.workspace_id').onRef('e.partition', '=', 'pe.partition').onRef('e.seq', '=', 'pe.seq'))
    .select(['pe.profile_id', 'e.type', 'e.event', 'e.timestamp', 'e.message_id', 'e.user_id', 'e.anonymous_id', 'e.received_at', 'e.payload'])
    .stream(10_000);
  for await (const row of exported) {
    const payload: { properties?: { revenue?: unknown; category?: unknown } } = JSON.parse(payloadText(row.payload, row));
    const revenue = typeof payload.properties?.revenue === 'number' ? payload.properties.revenue : '';
    const rowCategory = typeof payload.properties?.category === 'string' ? `"${payload.properties.category.replace(/"/g, '""')}"` : '';
    const name = row.type === 'track' ? (row.event ?? '') : row.type;
    if (!out.write(`${row.profile_id},"${name}",${row.timestamp},${revenue},${rowCategory}\n`)) await once(out, 'drain');
  }
  await new Promise<void>((resolve) => out.end(resolve));
  const duck = await DuckDBInstance.create(':memory:');
  const connection = await duck.connect();
  await connection.run(
    `create table ev as select * from read_csv('${csvFile}', header = true, columns = {'profile_id': 'VARCHAR', 'event': 'VARCHAR', 'ts': 'BIGINT', 'revenue': 'DOUBLE', 'category': 'VARCHAR'})`,
  );
  const duckStart = performance.now();
  const duckRows = (await connection.runAndReadAll(duckSql(backfillNow))).getRowObjectsJS();
  const duckMs = performance.now() - duckStart;
  const duckMembers = duckRows.map((row) => String(row.profile_id)).sort();
  connection.closeSync();
  const agree = duckMembers.length === members.length && duckMembers.every((id, index) => id === members[index]);

  // 3. Acceptance → Segment Entered committed, with the segments live and the processor inline.
  log(`probing acceptance → Segment Entered (${PROBES} probes)...`);
  const probe = await service.create(WS, { name: 'probe', condition: { type: 'event', event: 'Bench Probe' } });
  await engine.backfillStep(WS, probe.id, probe.version, 100_000);
  while ((await engine.backfillStep(WS, probe.id, probe.version, 100_000)).processed > 0);
  const ingest = new IngestService({ database: withSegments.database, partitions: 1, clock });
  const processor = new Processor({ database: withSegments.database, clock, batchSize: 2000, lingerMs: 25, extensions: [engine.extension()] });
  ingest.onAppend(() => processor.wake());
  const waiting = new Map<string, (at: number) => void>();
  engine.onTransitions((transitions) => {
    const now = performance.now();
    for (const transition of transitions) if (transition.segmentId === probe.id) waiting.get(transition.profileId)?.(now);
  });
  processor.start();
  const latencies: number[] = [];
  for (let index = 0; index < PROBES; index++) {
    const userId = `probe-${index}`;
    const profileId = profileIdFor(WS, { type: 'user_id', value: userId });
    const committed = new Promise<number>((resolve) => waiting.set(profileId, resolve));
    await ingest.ingest({ workspaceId: WS, sourceId: null, receivedAt: clock.now() }, { items: [{ type: 'track', userId, event: 'Bench Probe', messageId: `probe-${index}` }] });
    const accepted = performance.now();
    const at = await committed;
    latencies.push(at - accepted);
    waiting.delete(profileId);
    // Past the processor's linger, as separate visitors would arrive.
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  await processor.stop();
  latencies.sort((a, b) => a - b);

  const memory = process.memoryUsage();
  const result = {
    bench: 'segments',
    mode: 'lite (one process, SQLite, processor inline)',
    size: { events: appended, profiles, segments: SEGMENTS, memberships },
    acceptanceToSegmentEnteredMs: { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2), probes: latencies.length },
    processor: {
      usPerEventWithoutSegments: round((plainMs * 1000) / appended, 1),
      usPerEventWithSegments: round((segmentsMs * 1000) / appended, 1),
      eventsPerSecWithSegments: Math.round(appended / (segmentsMs / 1000)),
      limit: 'the same events processed with no segment defined',
      ratio: round(plainMs / segmentsMs, 2),
    },
    backfill: {
      conditions: 3,
      seconds: round(backfillMs / 1000, 2),
      profiles,
      profilesPerSec: Math.round(profiles / (backfillMs / 1000)),
      members: members.length,
      limit: { engine: 'DuckDB, one hand-written SQL query over the same events (in memory, loaded beforehand)', seconds: round(duckMs / 1000, 3), members: duckMembers.length, sameMembers: agree },
      ratio: round(duckMs / backfillMs, 4),
      amongLiveSegments: { liveSegments: SEGMENTS, seconds: round(busyMs / 1000, 2), profilesPerSec: Math.round(profiles / (busyMs / 1000)), members: busyMembers },
    },
    memory: { rssMb: Math.round(memory.rss / 1024 ** 2), heapUsedMb: Math.round(memory.heapUsed / 1024 ** 2) },
    machine: machine(),
  };
  await plain.database.close();
  await withSegments.database.close();
  fs.rmSync(plain.dir, { recursive: true, force: true });
  fs.rmSync(withSegments.dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
