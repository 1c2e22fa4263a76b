import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { listRejected } from './store/event-log.js';
import { LogFollower, type FollowerHandler, type FollowerPosition } from './follower.js';
import { CursorMoved } from './retry.js';

const WS = 'ws1';

/**
 * A follower whose "state" is the list of sequence numbers it applied and whose cursor is kept by
 * the handler (as every follower keeps its own); event 4 of partition 0 cannot be applied, and the
 * first batch of partition 1 conflicts once with a concurrent one.
 */
function toyHandler(head: number): { handler: FollowerHandler; applied: Map<number, number[]>; cursors: Map<number, number>; conflicts: number[] } {
  const applied = new Map<number, number[]>([
    [0, []],
    [1, []],
  ]);
  const cursors = new Map<number, number>([
    [0, 0],
    [1, 0],
  ]);
  const conflicts: number[] = [];
  const handler: FollowerHandler = {
    positions: async () => [0, 1].map((partition) => ({ workspaceId: WS, partition, cursor: cursors.get(partition) ?? 0, head })),
    // Toy positions, not the log's: every one in between is an event.
    unread: async (positions) => positions.map((position) => ({ ...position, unread: position.head - position.cursor })),
    step: async (position, limit) => {
      const from = cursors.get(position.partition) ?? 0;
      if (position.partition === 1 && conflicts.length === 0) {
        conflicts.push(from);
        throw new CursorMoved();
      }
      const to = Math.min(head, from + limit);
      const seqs = Array.from({ length: to - from }, (_, i) => from + i + 1);
      if (position.partition === 0 && seqs.includes(4)) throw new Error('event 4 has no profile to apply to');
      applied.get(position.partition)?.push(...seqs);
      cursors.set(position.partition, to);
      return { moved: to - from, full: to - from >= limit, linger: true };
    },
    skipNext: async (_trx, position: FollowerPosition) => {
      const seq = (cursors.get(position.partition) ?? 0) + 1;
      if (seq > head) return undefined;
      cursors.set(position.partition, seq);
      return { partition: position.partition, seq, messageId: `m-${seq}`, receivedAt: 0, sourceId: null, payload: '{}' };
    },
  };
  return { handler, applied, cursors, conflicts };
}

describe.each(dialects)('log follower (%s)', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(dialect);
  });
  afterEach(async () => store.drop());

  it('retries a conflicting batch, sets aside the one event that fails on its own, and reports its lag', async () => {
    const toy = toyHandler(6);
    const setAside = { code: 'toy_failed', idPrefix: 'toy', failed: 'applied to the toy', consequence: 'the toy ignores it' };
    const follower = new LogFollower({ name: 'toy', database: store.database, handler: toy.handler, setAside, batchSize: 10 });
    expect((await follower.lag()).lagEvents).toBe(12);

    const pass = await follower.runOnce();
    expect(toy.conflicts).toEqual([0]);
    expect(toy.applied.get(1)).toEqual([1, 2, 3, 4, 5, 6]);
    // Partition 0: the failing batch walked one event at a time up to the event that fails alone.
    expect(toy.applied.get(0)).toEqual([1, 2, 3]);
    expect(pass.moved).toBe(6 + 3 + 1);
    const [rejected] = await listRejected(store.database.db, WS);
    expect(rejected).toMatchObject({ id: 'toy-0-4', code: 'toy_failed' });
    expect(rejected?.message).toBe('event m-4 (partition 0, seq 4) could not be applied to the toy: event 4 has no profile to apply to; it stays in the log and the toy ignores it');

    await follower.runOnce();
    expect(toy.applied.get(0)).toEqual([1, 2, 3, 5, 6]);
    expect((await follower.lag()).lagEvents).toBe(0);
    expect((await follower.runOnce()).moved).toBe(0);
  });

  it('leaves a partition another worker holds', async () => {
    const toy = toyHandler(2);
    const follower = new LogFollower({ name: 'toy', database: store.database, handler: toy.handler, setAside: { code: 'toy_failed', idPrefix: 'toy', failed: 'applied', consequence: 'ignored' } });
    await store.database.tryWithLock(`toy:${WS}:0`, async () => {
      await follower.runOnce();
      expect(toy.applied.get(0)).toEqual([]);
    });
    await follower.runOnce();
    expect(toy.applied.get(0)).toEqual([1, 2]);
  });
});
