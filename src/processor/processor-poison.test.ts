import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, refuseInserts, type TestStore } from '../../test/helpers/databases.js';
import { profileIdFor } from '../identity/resolve.js';
import { IngestService } from '../ingest/ingest-service.js';
import { ProfileService } from '../profiles/profile-service.js';
import { manualClock } from '../shared/clock.js';
import { listRejected } from '../log/store/event-log.js';
import { Processor } from './processor.js';

describe.each(dialects)('processor with an event it cannot apply (%s)', (dialect) => {
  let store: TestStore;
  const clock = manualClock(Date.parse('2026-01-01T00:00:00Z'));
  beforeEach(async () => {
    store = await createTestStore(dialect);
    // The store refuses one person's timeline rows, standing in for any event processing cannot
    // apply. It must not stall everyone behind it.
    await refuseInserts(store, 'profile_events', 'profile_id', profileIdFor('w', { type: 'user_id', value: 'poison' }), 'cannot apply');
  });
  afterEach(async () => {
    await store.drop();
  });

  it('sets that event aside, reports it, and processes the rest', async () => {
    const ingest = new IngestService({ database: store.database, partitions: 1, clock });
    const order = (userId: string, messageId: string) => ({ type: 'track', userId, event: 'Order Completed', messageId, properties: { revenue: 10 } });
    await ingest.ingest({ workspaceId: 'w', sourceId: null, receivedAt: clock.now() }, { items: [order('u1', 'm1'), order('poison', 'm2'), order('u2', 'm3'), order('u1', 'm4')] });

    const processor = new Processor({ database: store.database, clock, batchSize: 100 });
    await processor.drain();
    expect((await processor.status()).lagEvents).toBe(0);
    const profiles = new ProfileService({ database: store.database });
    expect((await profiles.lookupProfile('w', 'user_id', 'u1'))?.computed.orders).toBe(2);
    expect((await profiles.lookupProfile('w', 'user_id', 'u2'))?.computed.orders).toBe(1);
    expect(await profiles.lookupProfile('w', 'user_id', 'poison')).toBeUndefined();
    const [aside] = await listRejected(store.database.db, 'w');
    expect(aside?.code).toBe('processing_failed');
    expect(aside?.message).toContain('m2');
    expect(aside?.message).toContain('cannot apply');
  });
});
