import { afterEach, describe, expect, it } from 'vitest';
import { dialects, openOtherProcess } from '../../test/helpers/databases.js';
import { journeyHarness, WS, type JourneyHarness } from '../../test/helpers/journeys.js';
import { waitFor } from '../../test/helpers/server.js';
import { PartitionLeases } from '../log/leases.js';
import { Processor } from '../processor/processor.js';
import type { Database } from '../storage/database.js';
import { createJourneys, type Journeys } from './journeys.js';
import { RecordingSender } from './recording-sender.js';

/*
 * Issue 17: on PostgreSQL the journeys consumer goes by the log's partition leases, not by a
 * session-level advisory lock (which a hung process keeps for as long as its connection lives,
 * and which PgBouncer's transaction pooling cannot carry). A worker that stops renewing loses
 * its partitions after the TTL; the one that takes them over reads on from the stored cursor,
 * and the hung one's next batch is fenced out inside its transaction.
 */

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const journey = {
  name: 'Welcome',
  trigger: { type: 'event', event: 'Signed Up' },
  start: 'wait',
  nodes: [
    { id: 'wait', type: 'wait', duration: { amount: 1, unit: 'days' }, next: 'end' },
    { id: 'end', type: 'exit' },
  ],
};

describe.each(dialects.filter((dialect) => dialect === 'postgres'))('journey consumer on partition leases (%s)', (dialect) => {
  let harness: JourneyHarness;
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await harness.stop();
  });

  /** A worker process: its own connections, leases (renewed by the test) and journeys consumer. */
  async function worker(): Promise<{ database: Database; leases: PartitionLeases; journeys: Journeys }> {
    const database = await openOtherProcess(harness.store);
    const leases = new PartitionLeases({ database, partitions: 1, ttlMs: 3000, renewMs: 3_600_000 });
    const journeys = createJourneys({ database, sender: new RecordingSender(), clock: harness.clock });
    stops.push(async () => {
      await journeys.stop();
      await leases.stop();
      await database.close();
    });
    return { database, leases, journeys };
  }

  it('moves a hung worker’s partition to another after the TTL; each customer enters once', async () => {
    harness = await journeyHarness(dialect, T0);
    const created = await harness.journeys.service.create(WS, journey);
    await harness.journeys.service.activate(WS, created.id);
    const processor = new Processor({ database: harness.store.database, clock: harness.clock });
    const signUp = async (userId: string): Promise<void> => {
      await harness.ingest.ingest({ workspaceId: WS, sourceId: null, receivedAt: T0 }, { items: [{ type: 'track', userId, event: 'Signed Up', messageId: `signup-${userId}` }] });
      await processor.drain();
    };
    const entered = async (): Promise<string[]> => (await harness.journeys.service.runs(WS, created.id)).map((run) => run.profileId).sort();

    const a = await worker();
    const b = await worker();
    await a.leases.tick();
    expect(a.leases.partitions()).toEqual([0]);
    await signUp('u1');
    // Renewed right before each step that needs the lease: a loaded machine may take longer than the TTL to ingest.
    await a.leases.tick();
    expect(await a.journeys.consumer.drain()).toBeGreaterThan(0);
    expect(await entered()).toEqual([await harness.profileOf('u1')]);

    // a hangs (renews no more). b, joining, finds the partition held and reads nothing.
    await signUp('u2');
    await a.leases.tick();
    await b.leases.tick();
    expect(b.leases.partitions()).toEqual([]);
    expect(await b.journeys.consumer.drain()).toBe(0);
    expect((await b.journeys.consumer.lag()).lagEvents).toBe(1);

    // Once a's lease has expired (on the database's clock), b's next round takes the partition.
    await waitFor(
      'the hung worker’s lease to expire and move',
      async () => {
        await b.leases.tick();
        return b.leases.owns(0) ? true : undefined;
      },
      30_000,
    );
    // a still believes it owns the partition: its batch is fenced out before it writes.
    expect(a.leases.owns(0)).toBe(true);
    expect(await a.journeys.consumer.drain()).toBe(0);
    expect(await entered()).toEqual([await harness.profileOf('u1')]);

    expect(await b.journeys.consumer.drain()).toBeGreaterThan(0);
    expect((await b.journeys.consumer.lag()).lagEvents).toBe(0);
    expect(await entered()).toEqual([await harness.profileOf('u1'), await harness.profileOf('u2')].sort());
    // a wakes up, renews and learns it lost the partition: nothing is read twice.
    await a.leases.tick();
    expect(a.leases.partitions()).toEqual([]);
    expect(await a.journeys.consumer.drain()).toBe(0);
    expect(await entered()).toHaveLength(2);
    await processor.stop();
  });
});
