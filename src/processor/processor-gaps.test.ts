import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { IngestService } from '../ingest/ingest-service.js';
import { ProfileService } from '../profiles/profile-service.js';
import { manualClock } from '../shared/clock.js';
import { Processor } from './processor.js';

// A retried batch takes sequence numbers for rows that turn out to be duplicates, so a
// partition's head can sit above its last row. The processor must still catch up.
describe.each(dialects)('processor over sequence gaps (%s)', (dialect) => {
  let store: TestStore;
  const clock = manualClock(Date.parse('2026-01-01T00:00:00Z'));
  beforeEach(async () => {
    store = await createTestStore(dialect);
  });
  afterEach(async () => {
    await store.drop();
  });

  it('drains to the head when the last sequence numbers belong to duplicates', async () => {
    const ingest = new IngestService({ database: store.database, partitions: 1, clock });
    const ctx = { workspaceId: 'w', sourceId: null, receivedAt: clock.now() };
    const order = (id: string) => ({ type: 'track', userId: 'buyer', event: 'Order Completed', messageId: id, properties: { order_id: id, revenue: 10 } });
    await ingest.ingest(ctx, { items: [order('o1'), order('o2')] });
    const retry = await ingest.ingest(ctx, { items: [order('o3'), order('o1'), order('o2')] });
    expect(retry.duplicates).toBe(2);

    const processor = new Processor({ database: store.database, clock, batchSize: 2 });
    await processor.drain();
    const status = await processor.status();
    expect(status.lagEvents).toBe(0);
    const profile = await new ProfileService({ database: store.database }).lookupProfile('w', 'user_id', 'buyer');
    expect(profile?.computed).toMatchObject({ orders: 3, revenue: 30 });
  });
});
