import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../../test/helpers/databases.js';
import { appendEvents as builderAppend, createEventAppender, readPartition, type AppendRow, type EventAppender } from './event-log.js';
import { advanceCursor, cursorPositions } from '../../processor/store/processor-state.js';

function row(messageId: string, partition: number, timestamp = 1000): AppendRow {
  return {
    partition,
    messageId,
    type: 'track',
    event: 'Product Viewed',
    userId: 'u1',
    anonymousId: null,
    timestamp,
    receivedAt: timestamp,
    sourceId: null,
    payload: JSON.stringify({ type: 'track', messageId }),
  };
}

// Each dialect's native appender (prepared statements on SQLite) and the portable one.
const cases = dialects.flatMap((dialect) => [
  { dialect, appender: 'native' },
  { dialect, appender: 'query builder' },
]);

describe.each(cases)('event log ($dialect, $appender)', ({ dialect, appender }) => {
  let store: TestStore;
  let appendEvents: EventAppender;
  beforeEach(async () => {
    store = await createTestStore(dialect);
    appendEvents = appender === 'native' ? createEventAppender(store.database) : builderAppend;
  });
  afterEach(async () => {
    await store.drop();
  });

  it('gives each partition its own contiguous sequence', async () => {
    const { database } = store;
    await database.transaction((trx) => appendEvents(trx, 'w1', [row('a', 0), row('b', 1), row('c', 0)]));
    await database.transaction((trx) => appendEvents(trx, 'w1', [row('d', 0)]));
    const p0 = await readPartition(database.db, 'w1', 0, 0, 10);
    expect(p0.map((e) => [e.messageId, e.seq])).toEqual([
      ['a', 1],
      ['c', 2],
      ['d', 3],
    ]);
    const p1 = await readPartition(database.db, 'w1', 1, 0, 10);
    expect(p1.map((e) => [e.messageId, e.seq])).toEqual([['b', 1]]);
  });

  it('stores a retried batch once and reports the duplicates', async () => {
    const { database } = store;
    const first = await database.transaction((trx) => appendEvents(trx, 'w1', [row('a', 0), row('b', 0)]));
    expect(first).toEqual({ inserted: 2, insertedIds: new Set(['a', 'b']), duplicates: [] });
    const retry = await database.transaction((trx) => appendEvents(trx, 'w1', [row('a', 0), row('b', 0), row('c', 0), row('c', 0)]));
    expect(retry.inserted).toBe(1);
    expect([...retry.duplicates].sort()).toEqual(['a', 'b', 'c']);
    expect((await readPartition(database.db, 'w1', 0, 0, 10)).map((e) => e.messageId)).toEqual(['a', 'b', 'c']);
  });

  it('keeps workspaces apart: the same messageId in two workspaces is two events', async () => {
    const { database } = store;
    await database.transaction((trx) => appendEvents(trx, 'w1', [row('a', 0)]));
    const other = await database.transaction((trx) => appendEvents(trx, 'w2', [row('a', 0)]));
    expect(other.inserted).toBe(1);
    expect(await readPartition(database.db, 'w2', 0, 0, 10)).toHaveLength(1);
  });

  it('rolls back the whole batch when the transaction fails', async () => {
    const { database } = store;
    await expect(
      database.transaction(async (trx) => {
        await appendEvents(trx, 'w1', [row('a', 0)]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await readPartition(database.db, 'w1', 0, 0, 10)).toHaveLength(0);
    expect(await cursorPositions(database.db, 'w1')).toEqual([]);
  });

  it('tracks head and cursor per partition', async () => {
    const { database } = store;
    await database.transaction((trx) => appendEvents(trx, 'w1', [row('a', 2), row('b', 2)]));
    await database.transaction((trx) => advanceCursor(trx, 'w1', 2, 0, 1, 5));
    expect((await cursorPositions(database.db, 'w1')).map(({ partition, head, cursor }) => ({ partition, head, cursor }))).toEqual([{ partition: 2, head: 2, cursor: 1 }]);
  });
});
