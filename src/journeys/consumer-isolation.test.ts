import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from '../../test/helpers/databases.js';
import { journeyHarness, WS, type JourneyHarness } from '../../test/helpers/journeys.js';
import { Processor } from '../processor/processor.js';
import { appendEvents, listRejected } from '../log/store/event-log.js';

/*
 * Issue 12 item 2: a consumer that meets an event it cannot handle sets it aside with the
 * reason, as the processor does, and goes on; one workspace's events never stop another's.
 * A trigger event whose properties are nested thousands deep cannot be stored on a run
 * (JSON.stringify runs out of stack), so it stood for any event the consumer throws on.
 */

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const HOSTILE = 'hostile';
const journey = {
  name: 'Deep trigger',
  trigger: { type: 'event', event: 'Deep' },
  start: 'wait',
  nodes: [
    { id: 'wait', type: 'wait', duration: { amount: 1, unit: 'days' }, next: 'end' },
    { id: 'end', type: 'exit' },
  ],
};
const deep = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe.each(dialects)('journey consumer isolation (%s)', (dialect) => {
  let harness: JourneyHarness;
  afterEach(async () => harness.stop());

  it('sets aside an event it cannot apply and goes on, in that workspace and in the others', async () => {
    harness = await journeyHarness(dialect, T0);
    const { journeys, store } = harness;
    const ids: Record<string, string> = {};
    for (const workspaceId of [HOSTILE, WS]) {
      const created = await journeys.service.create(workspaceId, journey);
      await journeys.service.activate(workspaceId, created.id);
      ids[workspaceId] = created.id;
    }
    const row = (workspaceId: string, messageId: string, userId: string, properties: string) => ({
      partition: 0,
      messageId,
      type: 'track',
      event: 'Deep',
      userId,
      anonymousId: null,
      timestamp: T0,
      receivedAt: T0,
      sourceId: null,
      payload: `{"type":"track","messageId":"${messageId}","event":"Deep","userId":"${userId}","context":{},"timestamp":"${new Date(T0).toISOString()}","receivedAt":"${new Date(T0).toISOString()}","properties":${properties}}`,
    });
    await store.database.transaction(async (trx) => {
      // The hostile workspace's bad event comes first in its partition, and its partition first.
      await appendEvents(trx, HOSTILE, [row(HOSTILE, 'h1', 'x1', deep(20_000)), row(HOSTILE, 'h2', 'x2', '{}')]);
      await appendEvents(trx, WS, [row(WS, 'v1', 'u1', '{"fine":true}')]);
    });
    const processor = new Processor({ database: store.database, clock: harness.clock });
    await processor.drain();
    await processor.stop();
    // The processor applied all three events; journeys have read none yet.
    expect((await journeys.consumer.lag()).lagEvents).toBe(3);
    await journeys.consumer.drain();
    expect((await journeys.consumer.lag()).lagEvents).toBe(0);

    const victimRuns = await journeys.service.runs(WS, ids[WS] ?? '');
    expect(victimRuns).toHaveLength(1);
    const hostileRuns = await journeys.service.runs(HOSTILE, ids[HOSTILE] ?? '');
    expect(hostileRuns).toHaveLength(1);
    const rejected = await listRejected(store.database.db, HOSTILE);
    const journeyFailures = rejected.filter((entry) => entry.code === 'journey_failed');
    expect(journeyFailures).toHaveLength(1);
    expect(journeyFailures[0]?.message).toMatch(/event h1 .*could not be applied to journeys: .*call stack/);
    expect(await listRejected(store.database.db, WS)).toEqual([]);
    // Nothing is left to retry: the next pass moves nothing and throws nothing.
    expect(await journeys.consumer.drain()).toBe(0);
  });
});
