import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { holdLease, releaseLease, withLease } from './named-leases.js';

describe.each(dialects)('named leases (%s)', (dialect) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore(dialect);
  });
  afterAll(async () => {
    await store.drop();
  });

  it('is held by one process until it lapses, then taken over; a release hands it on at once', async () => {
    const db = store.database.db;
    expect(await holdLease(db, 'clickhouse', 'a', 1_000, 30_000)).toBe(true);
    expect(await holdLease(db, 'clickhouse', 'b', 2_000, 30_000)).toBe(false);
    // Renewed by its holder: still not b's at the first expiry.
    expect(await holdLease(db, 'clickhouse', 'a', 20_000, 30_000)).toBe(true);
    expect(await holdLease(db, 'clickhouse', 'b', 31_000, 30_000)).toBe(false);
    // a stops renewing: b takes over once it lapses, and a is then refused.
    expect(await holdLease(db, 'clickhouse', 'b', 50_000, 30_000)).toBe(true);
    expect(await holdLease(db, 'clickhouse', 'a', 51_000, 30_000)).toBe(false);
    // Another lease name is another lease; a release by a non-holder changes nothing.
    expect(await holdLease(db, 'other', 'a', 51_000, 30_000)).toBe(true);
    await releaseLease(db, 'clickhouse', 'a');
    expect(await holdLease(db, 'clickhouse', 'a', 52_000, 30_000)).toBe(false);
    await releaseLease(db, 'clickhouse', 'b');
    expect(await holdLease(db, 'clickhouse', 'a', 53_000, 30_000)).toBe(true);
  });

  it('runs one holder at a time, keeps the lease renewed while the work outlasts its ttl, and frees it when the work ends', async () => {
    const db = store.database.db;
    let now = 1_000_000;
    const timing = { ttlMs: 1_000, renewMs: 5, now: () => now };
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = withLease(
      db,
      'train:ws',
      async () => {
        started();
        await held;
        return 'trained';
      },
      timing,
    );
    await running;
    expect(await withLease(db, 'train:ws', async () => 'twice', timing)).toBeUndefined();
    // Time passes beyond the ttl while the first holder works: its renewals keep the lease.
    now += 5_000;
    const renewed = async (): Promise<boolean> => {
      const row = await db.selectFrom('named_leases').select('expires_at').where('name', '=', 'train:ws').executeTakeFirst();
      return row !== undefined && Number(row.expires_at) > now;
    };
    await expect.poll(renewed, { timeout: 5_000, interval: 10 }).toBe(true);
    expect(await withLease(db, 'train:ws', async () => 'twice', timing)).toBeUndefined();
    release();
    expect(await first).toBe('trained');
    // Released when the work ended, and a throw releases it too.
    await expect(withLease(db, 'train:ws', async () => Promise.reject(new Error('failed')), timing)).rejects.toThrow('failed');
    expect(await withLease(db, 'train:ws', async () => 'next', timing)).toBe('next');
  });

  it("is the store's named lock: a second caller is turned away while the first runs", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = store.database.tryWithLock('predictive:ws', async () => {
      started();
      await held;
      return 1;
    });
    await running;
    expect(await store.database.tryWithLock('predictive:ws', async () => 2)).toBeUndefined();
    expect(await store.database.tryWithLock('predictive:other', async () => 3)).toBe(3);
    release();
    expect(await first).toBe(1);
    expect(await store.database.tryWithLock('predictive:ws', async () => 4)).toBe(4);
  });
});
