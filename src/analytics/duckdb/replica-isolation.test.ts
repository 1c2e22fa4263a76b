import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, dialects, tempDir, type TestStore } from '../../../test/helpers/databases.js';
import { Processor } from '../../processor/processor.js';
import { manualClock } from '../../shared/clock.js';
import { appendEvents, listRejected } from '../../log/store/event-log.js';
import type { Database } from '../../storage/database.js';
import { duckFile, T0, HOUR, MIN } from '../test/fixture.js';
import { DuckDbEngine } from './duckdb-engine.js';

/*
 * Issue 12 item 2: one workspace's events must never stop the replica for the others. An event
 * named `constructor` made event-facts read Object's constructor from a lookup table and the
 * appender throw, so every sync (and with it every analysis of every workspace) failed; a
 * payload nested thousands deep still cannot be turned into columns and must be set aside.
 */

const victim = 'victim';
const hostile = 'hostile';

/** Appends raw payload texts (as an older version or an import may have stored them) and processes them. */
async function appendRaw(database: Database, workspaceId: string, events: { messageId: string; event: string; userId: string; at: number; payload: string }[]): Promise<void> {
  await database.transaction((trx) =>
    appendEvents(
      trx,
      workspaceId,
      events.map((event) => ({
        partition: 0,
        messageId: event.messageId,
        type: 'track',
        event: event.event,
        userId: event.userId,
        anonymousId: null,
        timestamp: event.at,
        receivedAt: event.at,
        sourceId: null,
        payload: event.payload,
      })),
    ),
  );
  const processor = new Processor({ database, clock: manualClock(Date.now()), batchSize: 500, concurrency: 1 });
  await processor.drain();
  await processor.stop();
}

function track(messageId: string, event: string, userId: string, at: number, properties: string): { messageId: string; event: string; userId: string; at: number; payload: string } {
  const iso = new Date(at).toISOString();
  const payload = `{"type":"track","messageId":${JSON.stringify(messageId)},"event":${JSON.stringify(event)},"userId":${JSON.stringify(userId)},"context":{},"timestamp":"${iso}","receivedAt":"${iso}","properties":${properties}}`;
  return { messageId, event, userId, at, payload };
}

const deep = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const window = { from: new Date(T0 - HOUR).toISOString(), to: new Date(T0 + HOUR).toISOString() };

describe.each(dialects)('analytics replica isolation (%s log)', (dialect) => {
  let store: TestStore;
  let engine: DuckDbEngine;
  let dir: string;

  beforeAll(async () => {
    store = await createTestStore(dialect);
    await appendRaw(store.database, victim, [track('v1', 'Product Viewed', 'u1', T0, '{}'), track('v2', 'Order Completed', 'u1', T0 + MIN, '{"order_id":"o1","revenue":40}')]);
    await appendRaw(store.database, hostile, [
      track('h1', 'constructor', 'x1', T0, '{"__proto__":{"polluted":true},"constructor":"c"}'),
      track('h2', '__proto__', 'x1', T0 + MIN, '{}'),
      track('h3', 'Order Completed', 'x1', T0 + 2 * MIN, deep(20_000)),
      track('h4', 'toString', 'x1', T0 + 3 * MIN, '{}'),
    ]);
    dir = tempDir('rapport-duck-');
    engine = await DuckDbEngine.open(store.database, { file: duckFile(dir) });
  });
  afterAll(async () => {
    await engine.close();
    await store.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('copies prototype-named events as ordinary names and sets aside the one it cannot read, with the reason', async () => {
    const report = await engine.sync();
    expect(report.failed).toEqual([]);
    expect(report.setAside).toBe(1);
    expect(report.events).toBe(6);
    const names = await engine.funnel(hostile, { steps: [{ event: 'constructor' }, { event: '__proto__' }, { event: 'toString' }], ...window });
    expect(names.steps.map((step) => step.profiles)).toEqual([1, 1, 1]);
    const rejected = await listRejected(store.database.db, hostile);
    expect(rejected).toHaveLength(1);
    // Named by partition and log position (on PostgreSQL positions come from one sequence, so they skip).
    expect(rejected[0]).toMatchObject({ id: expect.stringMatching(/^replica-0-\d+$/), code: 'replica_failed' });
    expect(rejected[0]?.message).toMatch(/could not be copied to the analytics replica: .*call stack/);
    expect(await listRejected(store.database.db, victim)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers the other workspace, and a rebuild meets the same event without failing', async () => {
    const figures = await engine.periodFigures(victim, T0 - HOUR, T0 + HOUR);
    expect(figures.orders).toBe(1);
    expect(figures.revenue).toBe(40);
    const funnel = await engine.funnel(victim, { steps: [{ event: 'Product Viewed' }, { event: 'Order Completed' }], ...window });
    expect(funnel.steps.map((step) => step.profiles)).toEqual([1, 1]);
    const rebuilt = await engine.rebuild();
    expect(rebuilt).toMatchObject({ events: 6, setAside: 1, failed: [] });
    expect(await listRejected(store.database.db, hostile)).toHaveLength(1);
    expect((await engine.cohorts(victim, {})).cohorts).toHaveLength(1);
  });
});
