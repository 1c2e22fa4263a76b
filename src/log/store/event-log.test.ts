import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, openOtherProcess, type TestStore } from '../../../test/helpers/databases.js';
import { appendEvents as builderAppend, createEventAppender, publishLogHeads, readHead, readPartition, type AppendRow, type EventAppender } from './event-log.js';
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
    const p1 = await readPartition(database.db, 'w1', 1, 0, 10);
    if (dialect === 'sqlite') {
      expect(p0.map((e) => [e.messageId, e.seq])).toEqual([
        ['a', 1],
        ['c', 2],
        ['d', 3],
      ]);
      expect(p1.map((e) => [e.messageId, e.seq])).toEqual([['b', 1]]);
    } else {
      // One sequence for the whole log: positions follow append order, with gaps per partition.
      expect(p0.map((e) => e.messageId)).toEqual(['a', 'c', 'd']);
      expect(p1.map((e) => e.messageId)).toEqual(['b']);
      expect([...p0, ...p1].map((e) => e.seq).sort((x, y) => x - y)).toEqual([1, 2, 3, 4]);
      expect(p0.map((e) => e.seq)).toEqual([1, 3, 4]);
    }
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
    expect(await publishLogHeads(database.db)).toBe(true);
    expect((await cursorPositions(database.db, 'w1')).map(({ partition, head, cursor }) => ({ partition, head, cursor }))).toEqual([{ partition: 2, head: 2, cursor: 1 }]);
  });
});

// PostgreSQL appends take positions without waiting for each other, so a later append can
// commit before an earlier one. The published head must never pass a position still in flight.
describe.each(dialects.filter((dialect) => dialect === 'postgres'))('log heads over appends in flight (%s)', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(dialect);
  });
  afterEach(async () => {
    await store.drop();
  });

  it('publishes a head only once every position below it has committed or rolled back', async () => {
    const { database } = store;
    // The partition's head row exists (a first append creates it, and its creators queue on it).
    await database.transaction((trx) => builderAppend(trx, 'w1', [row('first', 0)]));
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let taken = (): void => undefined;
    const slowHasPositions = new Promise<void>((resolve) => (taken = resolve));
    const slow = database.transaction(async (trx) => {
      await builderAppend(trx, 'w1', [row('slow', 0)]);
      taken();
      await held;
    });
    await slowHasPositions;
    await database.transaction((trx) => builderAppend(trx, 'w1', [row('fast', 0)]));
    // The fast append is committed and readable above a position that is not.
    expect((await readPartition(database.db, 'w1', 0, 0, 10)).map((e) => [e.messageId, e.seq])).toEqual([
      ['first', 1],
      ['fast', 3],
    ]);
    expect(await publishLogHeads(database.db, 50)).toBe(false);
    expect(await readHead(database.db, 'w1', 0)).toBe(0);
    // The slow append is still open; once it ends, its position and everything below are settled.
    release();
    await slow;
    expect(await publishLogHeads(database.db)).toBe(true);
    expect(await readHead(database.db, 'w1', 0)).toBe(3);
    expect((await readPartition(database.db, 'w1', 0, 0, 10, 3)).map((e) => e.messageId)).toEqual(['first', 'slow', 'fast']);
  });

  it('publishes past a position whose append rolled back', async () => {
    const { database } = store;
    await expect(
      database.transaction(async (trx) => {
        await builderAppend(trx, 'w1', [row('lost', 0)]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await database.transaction((trx) => builderAppend(trx, 'w1', [row('kept', 0)]));
    expect(await publishLogHeads(database.db)).toBe(true);
    expect(await readHead(database.db, 'w1', 0)).toBe(2);
  });

  it('moves only the heads appends noted since the last publish, and a new handle first recomputes every head', async () => {
    const { database } = store;
    await database.transaction((trx) => builderAppend(trx, 'w1', [row('a', 0), row('b', 1)]));
    await database.transaction((trx) => builderAppend(trx, 'w2', [row('c', 0)]));
    expect(await publishLogHeads(database.db)).toBe(true);
    const heads = async (): Promise<number[]> => [await readHead(database.db, 'w1', 0), await readHead(database.db, 'w1', 1), await readHead(database.db, 'w2', 0)];
    expect(await heads()).toEqual([1, 2, 3]);
    // Published notes are gone; the next append notes only its own partition.
    expect(await database.db.selectFrom('log_heads_pending').selectAll().execute()).toEqual([]);
    await database.transaction((trx) => builderAppend(trx, 'w2', [row('d', 0), row('e', 0)]));
    expect(await database.db.selectFrom('log_heads_pending').select(['workspace_id', 'partition', 'seq']).execute()).toEqual([{ workspace_id: 'w2', partition: 0, seq: 5 }]);
    expect(await publishLogHeads(database.db)).toBe(true);
    expect(await heads()).toEqual([1, 2, 5]);

    // A store upgraded with events appended before the notes existed: a handle's first publish
    // recomputes every head from the log.
    await database.transaction((trx) => builderAppend(trx, 'w1', [row('f', 1)]));
    await database.db.deleteFrom('log_heads_pending').execute();
    expect(await publishLogHeads(database.db)).toBe(true);
    expect(await readHead(database.db, 'w1', 1)).toBe(2);
    const other = await openOtherProcess(store);
    try {
      expect(await publishLogHeads(other.db)).toBe(true);
    } finally {
      await other.close();
    }
    expect(await readHead(database.db, 'w1', 1)).toBe(6);
  });
});
