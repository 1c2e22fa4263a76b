import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../../test/helpers/databases.js';
import { holdLease, releaseLease } from './replica-lease.js';

describe.each(dialects)('analytics replica lease (%s)', (dialect) => {
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
});
