import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, refuseInserts, type TestStore } from '../../test/helpers/databases.js';
import { manualClock } from '../shared/clock.js';
import { findEvents } from '../log/store/event-log.js';
import { IngestService } from './ingest-service.js';

describe.each(dialects)('group commit (%s)', (dialect) => {
  let store: TestStore;
  const clock = manualClock(Date.parse('2026-01-01T00:00:00Z'));
  beforeEach(async () => {
    store = await createTestStore(dialect);
    // The real store refuses one message, as a constraint or a bad byte would.
    await refuseInserts(store, 'events', 'message_id', 'poison', 'poisoned row');
  });
  afterEach(async () => {
    await store.drop();
  });

  it('commits concurrent requests together, and fails only the one the store refuses', async () => {
    const ingest = new IngestService({ database: store.database, partitions: 1, clock });
    const ctx = { workspaceId: 'w', sourceId: null, receivedAt: clock.now() };
    const track = (messageId: string) => ({ type: 'track', userId: 'u', event: 'E', messageId });
    // Started together, so they land in one group.
    const results = await Promise.allSettled([
      ingest.ingest(ctx, { items: [track('a1'), track('a2')] }),
      ingest.ingest(ctx, { items: [track('b1'), track('poison')] }),
      ingest.ingest(ctx, { items: [track('c1')] }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const stored = (await findEvents(store.database.db, 'w')).map((event) => event.messageId).sort();
    // Nothing of the refused request was stored, not even its valid b1: it was not acknowledged.
    expect(stored).toEqual(['a1', 'a2', 'c1']);
  });
});
