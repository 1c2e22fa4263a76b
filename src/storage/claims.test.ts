import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, openOtherProcess, type TestStore } from '../../test/helpers/databases.js';
import { claimForTransaction } from './claims.js';
import type { Database } from './database.js';

describe.each(dialects)('claims for a transaction (%s)', (dialect) => {
  let store: TestStore;
  let other: Database;

  beforeEach(async () => {
    store = await createTestStore(dialect);
    // A second handle on the same store, as a second server process has.
    other = await openOtherProcess(store);
  });

  afterEach(async () => {
    await other.close();
    await store.drop();
  });

  it('one transaction at a time holds a claim, and its end releases it', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let claimed: (value: boolean) => void = () => undefined;
    const first = new Promise<boolean>((resolve) => (claimed = resolve));
    // SQLite runs write transactions one after another, so the second never overlaps the first: only PostgreSQL can refuse.
    const holder =
      dialect === 'postgres'
        ? store.database.transaction(async (trx) => {
            claimed(await claimForTransaction(trx, 'segments.due'));
            await held;
          })
        : (claimed(true), Promise.resolve());
    expect(await first).toBe(true);
    if (dialect === 'postgres') {
      expect(await other.transaction((trx) => claimForTransaction(trx, 'segments.due'))).toBe(false);
      // Another name is free.
      expect(await other.transaction((trx) => claimForTransaction(trx, 'coupons.follow'))).toBe(true);
    }
    release();
    await holder;
    expect(await other.transaction((trx) => claimForTransaction(trx, 'segments.due'))).toBe(true);
  });
});
