import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { IngestService } from '../ingest/ingest-service.js';
import { Processor } from '../processor/processor.js';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { registerReadiness } from '../http/readiness.js';
import { manualClock, systemClock } from '../shared/clock.js';
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
    // 3 s: long enough that its lease and heartbeat outlive the next three rounds on a loaded machine (300 ms did not).
    const c = new PartitionLeases({ database: store.database, partitions: 8, ttlMs: 3000, renewMs: 3_600_000 });
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

  it('makes /readyz answer 503 while a worker cannot renew its leases (the lease table unreachable), and again once it can', async () => {
    const clock = manualClock(0);
    const database = await openDatabase({ databaseUrl: store.databaseUrl, dataDir: store.dataDir, migrate: false });
    opened.push(database);
    const errors: unknown[] = [];
    const lease = new PartitionLeases({ database, partitions: 8, ttlMs: 10_000, renewMs: 2000, clock, onError: (error) => errors.push(error) });
    leases.push(lease);
    const app = Fastify();
    registerReadiness(app, {
      phase: () => 'running',
      pendingMigrations: async () => [],
      modules: [{ name: 'processor', dependencies: [], health: () => lease.health() }],
      processor: undefined,
      maxLagMs: 0,
    });
    const readyz = async (): Promise<{ status: number; body: { failed: string[]; checks: Record<string, string> } }> => {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      return { status: response.statusCode, body: response.json() };
    };
    try {
      await lease.tick();
      expect(lease.partitions()).toEqual(all);
      expect((await readyz()).status).toBe(200);

      await sql`alter table log_leases rename to log_leases_away`.execute(store.database.db);
      clock.advance(2000);
      await lease.tick();
      expect(errors).toHaveLength(1);
      // One missed renewal is within the margin: the leases still have 8 s to run.
      expect((await readyz()).status).toBe(200);
      clock.advance(2000);
      await lease.tick();
      clock.advance(2000);
      const down = await readyz();
      expect(down.status).toBe(503);
      expect(down.body.failed).toEqual(['module:processor']);
      expect(down.body.checks['module:processor']).toMatch(/^partition leases not renewed for 6 s \(TTL 10 s; last error: .*log_leases/);

      await sql`alter table log_leases_away rename to log_leases`.execute(store.database.db);
      await lease.tick();
      expect((await readyz()).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('reports a worker that holds no partition while it should, once a take-over has had time to happen', async () => {
    const holder = await worker();
    await holder.lease.tick();
    expect(holder.lease.partitions()).toEqual(all);
    const clock = manualClock(0);
    const database = await openDatabase({ databaseUrl: store.databaseUrl, dataDir: store.dataDir, migrate: false });
    opened.push(database);
    const joining = new PartitionLeases({ database, partitions: 8, ttlMs: 10_000, renewMs: 2000, clock });
    leases.push(joining);
    await joining.tick();
    expect(joining.partitions()).toEqual([]);
    // Within TTL and two renewals the holder should release half: not yet a fault.
    clock.advance(14_000);
    await joining.tick();
    expect(joining.health()).toEqual({ ok: true });
    clock.advance(1);
    expect(joining.health()).toEqual({ ok: false, reason: "holds none of the 8 partitions' leases for 14 s while 2 workers share them" });
    await holder.lease.tick();
    await joining.tick();
    expect(joining.partitions()).toHaveLength(4);
    expect(joining.health()).toEqual({ ok: true });
  });
});
