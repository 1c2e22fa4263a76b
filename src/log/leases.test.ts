import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { IngestService } from '../ingest/ingest-service.js';
import { Processor } from '../processor/processor.js';
import { systemClock } from '../shared/clock.js';
import { openDatabase, type Database } from '../storage/database.js';
import { PartitionLeases } from './leases.js';
import { countEvents } from './store/event-log.js';

const all = [0, 1, 2, 3, 4, 5, 6, 7];

// Leases are how PostgreSQL workers split the log; SQLite has one process.
describe.each(dialects.filter((dialect) => dialect === 'postgres'))('partition leases (%s)', (dialect) => {
  let store: TestStore;
  const opened: Database[] = [];
  const leases: PartitionLeases[] = [];
  beforeEach(async () => {
    store = await createTestStore(dialect);
  });
  afterEach(async () => {
    for (const lease of leases.splice(0)) await lease.stop();
    for (const database of opened.splice(0)) await database.close();
    await store.drop();
  });

  /** A worker process: its own connections to the same store and its own leases (renewed by the test). */
  async function worker(ttlMs = 60_000): Promise<{ database: Database; lease: PartitionLeases }> {
    const database = await openDatabase({ databaseUrl: store.databaseUrl, dataDir: store.dataDir, migrate: false });
    opened.push(database);
    const lease = new PartitionLeases({ database, partitions: 8, ttlMs, renewMs: 3_600_000 });
    leases.push(lease);
    return { database, lease };
  }

  it('gives a joining worker its fair share, and the partitions of one that stops or dies to the others', async () => {
    const a = await worker();
    const b = await worker();
    await a.lease.tick();
    expect(a.lease.partitions()).toEqual(all);
    // b joins: nothing is free until a, counting two workers, releases half.
    await b.lease.tick();
    expect(b.lease.partitions()).toEqual([]);
    await a.lease.tick();
    await b.lease.tick();
    expect(a.lease.partitions()).toHaveLength(4);
    expect([...a.lease.partitions(), ...b.lease.partitions()].sort()).toEqual(all);

    // A third worker that dies (never renews) keeps its share only until its lease expires.
    const c = new PartitionLeases({ database: store.database, partitions: 8, ttlMs: 300, renewMs: 3_600_000 });
    await c.tick();
    await a.lease.tick();
    await b.lease.tick();
    await c.tick();
    const held = (lease: PartitionLeases): number => lease.partitions().length;
    expect(held(a.lease) + held(b.lease) + held(c)).toBe(8);
    expect(Math.max(held(a.lease), held(b.lease), held(c))).toBeLessThanOrEqual(3);
    for (let round = 0; round < 200 && held(a.lease) + held(b.lease) < 8; round++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await a.lease.tick();
      await b.lease.tick();
    }
    expect([...a.lease.partitions(), ...b.lease.partitions()].sort()).toEqual(all);

    // b stops: it gives its partitions up at once.
    await b.lease.stop();
    await a.lease.tick();
    expect(a.lease.partitions()).toEqual(all);
  });

  it('lets two processors split the log by lease, each batch fenced by its lease, and process every event once', async () => {
    const a = await worker();
    const b = await worker();
    await a.lease.tick();
    await b.lease.tick();
    await a.lease.tick();
    await b.lease.tick();
    const ingest = new IngestService({ database: store.database, partitions: 8, clock: systemClock });
    const items = Array.from({ length: 200 }, (_, i) => ({ type: 'track', userId: `u${i % 40}`, event: 'Product Viewed', messageId: `m${i}` }));
    await ingest.ingest({ workspaceId: 'w', sourceId: null, receivedAt: Date.now() }, { items });
    const first = new Processor({ database: a.database, batchSize: 50 });
    const second = new Processor({ database: b.database, batchSize: 50 });
    // Each reads only its own partitions: alone, one of them leaves the other half.
    while ((await first.runOnce()) > 0);
    const afterFirst = await first.status();
    const lagging = afterFirst.cursors.filter((position) => position.unread > 0).map((position) => position.partition);
    expect(lagging.length).toBeGreaterThan(0);
    expect(lagging.every((partition) => b.lease.owns(partition))).toBe(true);
    await second.drain();
    expect((await first.status()).lagEvents).toBe(0);
    expect(await countEvents(store.database.db, 'w')).toBe(200);

    // A lease that moved fences the old owner's batch out inside its transaction.
    const [partition = 0] = b.lease.partitions();
    await store.database.transaction(async (trx) => {
      expect(await b.lease.holds(trx, partition)).toBe(true);
      expect(await a.lease.holds(trx, partition)).toBe(false);
    });
  });
});
