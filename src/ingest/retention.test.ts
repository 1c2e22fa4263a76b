import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { Processor } from '../processor/processor.js';
import { manualClock } from '../shared/clock.js';
import { findEvents } from '../log/store/event-log.js';
import { insertWorkspace } from '../workspaces/store/workspaces.js';
import { IngestService } from './ingest-service.js';
import { EventRetention } from './retention.js';

const DAY = 86_400_000;

describe.each(dialects)('event retention (%s)', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(dialect);
  });
  afterEach(async () => {
    await store.drop();
  });

  it('deletes only old events the processor has applied, and keeps the profile they built', async () => {
    const clock = manualClock(Date.parse('2026-01-01T00:00:00Z'));
    const { database } = store;
    await insertWorkspace(database.db, { id: 'w', name: 'W', createdAt: clock.now() });
    const ingest = new IngestService({ database, partitions: 1, clock });
    const order = (id: string) => ({ type: 'track', userId: 'u', event: 'Order Completed', messageId: id, properties: { revenue: 5 } });
    await ingest.ingest({ workspaceId: 'w', sourceId: null, receivedAt: clock.now() }, { items: [order('old-1'), order('old-2')] });
    await new Processor({ database, clock }).drain();
    // Received 40 days ago too, but not yet processed: it must survive.
    await ingest.ingest({ workspaceId: 'w', sourceId: null, receivedAt: clock.now() }, { items: [order('old-unprocessed')] });
    clock.advance(40 * DAY);
    await ingest.ingest({ workspaceId: 'w', sourceId: null, receivedAt: clock.now() }, { items: [order('new-1')] });

    const deleted = await new EventRetention({ database, clock, days: 30 }).runOnce();
    expect(deleted).toBe(2);
    expect((await findEvents(database.db, 'w')).map((event) => event.messageId).sort()).toEqual(['new-1', 'old-unprocessed']);
    expect(await new EventRetention({ database, clock, days: 0 }).runOnce()).toBe(0);
  });

  it('keeps processed events the journeys consumer has not read yet', async () => {
    const clock = manualClock(Date.parse('2026-01-01T00:00:00Z'));
    const { database } = store;
    await insertWorkspace(database.db, { id: 'w', name: 'W', createdAt: clock.now() });
    const ingest = new IngestService({ database, partitions: 1, clock });
    const order = (id: string) => ({ type: 'track', userId: 'u', event: 'Order Completed', messageId: id, properties: { revenue: 5 } });
    await ingest.ingest({ workspaceId: 'w', sourceId: null, receivedAt: clock.now() }, { items: [order('a'), order('b'), order('c')] });
    await new Processor({ database, clock }).drain();
    const [first] = await findEvents(database.db, 'w');
    // Journeys have read only the first event of the partition.
    await database.db
      .insertInto('journey_cursors')
      .values({ workspace_id: 'w', partition: first?.partition ?? 0, seq: first?.seq ?? 0, updated_at: clock.now() })
      .execute();
    clock.advance(40 * DAY);
    expect(await new EventRetention({ database, clock, days: 30 }).runOnce()).toBe(1);
    expect((await findEvents(database.db, 'w')).map((event) => event.messageId).sort()).toEqual(['b', 'c']);
  });
});
