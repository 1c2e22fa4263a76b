import { afterEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { dialectOf } from './database.js';

describe.each(dialects)('dialectOf (%s)', (dialect) => {
  let store: TestStore;
  afterEach(async () => store.drop());

  it('reads the dialect from the store, a transaction and a held connection alike', async () => {
    store = await createTestStore(dialect);
    const { database } = store;
    expect(dialectOf(database.db)).toBe(dialect);
    expect(await database.transaction(async (trx) => dialectOf(trx))).toBe(dialect);
    expect(await database.db.connection().execute(async (conn) => dialectOf(conn))).toBe(dialect);
  });
});
