import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { IngestService } from '../ingest/ingest-service.js';
import { Processor } from '../processor/processor.js';
import { manualClock } from '../shared/clock.js';
import { ExperimentService } from './experiment-service.js';
import { ProfileTargeting } from './profile-targeting.js';

describe.each(dialects)('experiment targeting by segment condition (%s)', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(dialect);
  });
  afterEach(async () => {
    await store.drop();
  });

  it('assigns only units whose profile matches, and rejects a bad condition naming the node', async () => {
    const clock = manualClock(Date.UTC(2026, 10, 1));
    const ingest = new IngestService({ database: store.database, partitions: 2, clock });
    const targeting = new ProfileTargeting(store.database);
    const experiments = new ExperimentService({ database: store.database, clock, ingest, targeting });
    await ingest.ingest(
      { workspaceId: 'w', sourceId: null, receivedAt: clock.now() },
      {
        items: [
          { type: 'identify', anonymousId: 'fr-1', traits: { country: 'FR' }, messageId: 'i1' },
          { type: 'identify', anonymousId: 'de-1', traits: { country: 'DE' }, messageId: 'i2' },
        ],
      },
    );
    await new Processor({ database: store.database, clock }).drain();

    const definition = {
      key: 'fr-only',
      name: 'French visitors only',
      variants: [
        { key: 'control', weight: 0.5 },
        { key: 'popup', weight: 0.5 },
      ],
      targeting: { type: 'trait', key: 'country', op: 'equals', value: 'FR' },
      metrics: [{ id: 'purchase', kind: 'conversion', event: 'Order Completed' }],
    };
    await experiments.create('w', definition);
    await experiments.start('w', 'fr-only');
    expect((await experiments.assign('w', { anonymousId: 'fr-1' }))[0]).toMatchObject({ inExperiment: true, reason: 'assigned' });
    expect((await experiments.assign('w', { anonymousId: 'de-1' }))[0]).toMatchObject({ inExperiment: false, reason: 'targeting', variant: 'control' });
    expect((await experiments.assign('w', { anonymousId: 'stranger' }))[0]).toMatchObject({ inExperiment: false, reason: 'targeting' });

    await expect(experiments.create('w', { ...definition, key: 'bad', targeting: { type: 'trait', key: 'country', op: 'sounds_like', value: 'FR' } })).rejects.toThrow(/targeting/);
  });
});
