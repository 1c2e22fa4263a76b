import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../../test/helpers/databases.js';
import { emptyState } from '../state.js';
import { appendEvents } from '../../log/store/event-log.js';
import { findIdentities, insertIdentities, listIdentities, moveIdentities } from '../../identity/store/identities.js';
import { advanceCursor, cursorPositions, deleteDerivedState, readCursor } from '../../processor/store/processor-state.js';
import { listMergedFrom, loadProfiles, redirectMerged, upsertProfiles, type StoredProfile } from './profiles.js';
import { insertProfileEvents, moveProfileEvents, readTimeline } from './profiles-timeline.js';

function profile(id: string, mergedInto: string | null = null, events = 0): StoredProfile {
  return { id, mergedInto, createdAt: 10, updatedAt: 20, ids: { user_id: [id] }, state: { ...emptyState(), events } };
}

describe.each(dialects)('profile repositories (%s)', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(dialect);
  });
  afterEach(async () => {
    await store.drop();
  });

  it('upserts profiles and round-trips their state document', async () => {
    const { database } = store;
    await database.transaction((trx) => upsertProfiles(trx, store.database, 'w', [profile('p1'), profile('p2')]));
    await database.transaction((trx) => upsertProfiles(trx, store.database, 'w', [profile('p1', null, 7)]));
    const loaded = await loadProfiles(database.db, 'w', ['p1', 'p2', 'missing']);
    expect(loaded.map((row) => [row.id, row.state.events, row.ids])).toEqual([
      ['p1', 7, { user_id: ['p1'] }],
      ['p2', 0, { user_id: ['p2'] }],
    ]);
    expect(await loadProfiles(database.db, 'other', ['p1'])).toEqual([]);
  });

  it('moves identities, timeline rows and merge chains to the survivor', async () => {
    const { database } = store;
    await database.transaction(async (trx) => {
      await upsertProfiles(trx, store.database, 'w', [profile('old', 'loser'), profile('loser'), profile('winner')]);
      await insertIdentities(trx, store.database, 'w', [
        { type: 'anonymous_id', value: 'a', profileId: 'loser', createdAt: 1, messageId: 'm1' },
        { type: 'email', value: 'e@x.com', profileId: 'winner', createdAt: 2, messageId: null },
      ]);
      await insertProfileEvents(trx, store.database, 'w', [{ profileId: 'loser', timestamp: 5, partition: 0, seq: 1 }]);
    });
    const moves = new Map([['loser', 'winner']]);
    await database.transaction(async (trx) => {
      await upsertProfiles(trx, store.database, 'w', [profile('loser', 'winner')]);
      await redirectMerged(trx, 'w', moves);
      await moveIdentities(trx, 'w', moves);
      await moveProfileEvents(trx, 'w', moves);
    });
    expect(await listMergedFrom(database.db, 'w', 'winner')).toEqual(['loser', 'old']);
    expect((await listIdentities(database.db, 'w', 'winner')).map((row) => [row.type, row.messageId])).toEqual([
      ['anonymous_id', 'm1'],
      ['email', null],
    ]);
    expect(
      await findIdentities(database.db, 'w', [
        { type: 'anonymous_id', value: 'a' },
        { type: 'email', value: 'a' },
      ]),
    ).toEqual([{ type: 'anonymous_id', value: 'a', profileId: 'winner' }]);
  });

  it('reads a timeline newest first with keyset pagination', async () => {
    const { database } = store;
    const message = (id: string) => JSON.stringify({ type: 'track', messageId: id, event: 'E', context: {}, timestamp: '', receivedAt: '' });
    await database.transaction(async (trx) => {
      await appendEvents(
        trx,
        'w',
        ['a', 'b', 'c'].map((id, index) => ({
          partition: 0,
          messageId: id,
          type: 'track',
          event: 'E',
          userId: 'u',
          anonymousId: null,
          timestamp: 100,
          receivedAt: 100 + index,
          sourceId: null,
          payload: message(id),
        })),
      );
      await insertProfileEvents(
        trx,
        store.database,
        'w',
        [1, 2, 3].map((seq) => ({ profileId: 'p', timestamp: 100, partition: 0, seq })),
      );
    });
    const first = await readTimeline(database.db, 'w', 'p', 2);
    expect(first.map((row) => row.message.messageId)).toEqual(['c', 'b']);
    const last = first.at(-1);
    const rest = await readTimeline(database.db, 'w', 'p', 2, last);
    expect(rest.map((row) => row.message.messageId)).toEqual(['a']);
  });

  it('advances a cursor only from where it stands, and forgets derived state on reset', async () => {
    const { database } = store;
    expect(await database.transaction((trx) => advanceCursor(trx, 'w', 0, 0, 5, 1))).toBe(true);
    expect(await database.transaction((trx) => advanceCursor(trx, 'w', 0, 0, 9, 1))).toBe(false);
    expect(await database.transaction((trx) => advanceCursor(trx, 'w', 0, 4, 9, 1))).toBe(false);
    expect(await database.transaction((trx) => advanceCursor(trx, 'w', 0, 5, 9, 1))).toBe(true);
    expect(await readCursor(database.db, 'w', 0)).toBe(9);
    await database.transaction(async (trx) => {
      await upsertProfiles(trx, store.database, 'w', [profile('p1')]);
      await upsertProfiles(trx, store.database, 'keep', [profile('p1')]);
      await deleteDerivedState(trx, 'w');
    });
    expect(await readCursor(database.db, 'w', 0)).toBe(0);
    expect(await loadProfiles(database.db, 'w', ['p1'])).toEqual([]);
    expect(await loadProfiles(database.db, 'keep', ['p1'])).toHaveLength(1);
    expect(await database.transaction((trx) => advanceCursor(trx, 'w', 0, 9, 12, 1))).toBe(false);
    expect(await cursorPositions(database.db, 'w')).toEqual([]);
  });
});
