import { randomBytes } from 'node:crypto';
import { CatalogService } from '../../src/catalog/catalog-service.js';
import { createChannelModule, type ChannelModule } from '../../src/channels/channel-module.js';
import type { ChannelSettings } from '../../src/channels/channel-service.js';
import type { ChannelProvider } from '../../src/channels/provider.js';
import type { ChannelName } from '../../src/channels/sender.js';
import { IngestService } from '../../src/ingest/ingest-service.js';
import { Processor, type BatchExtension } from '../../src/processor/processor.js';
import { ProfileService } from '../../src/profiles/profile-service.js';
import type { Clock } from '../../src/shared/clock.js';
import type { RecommendationSlotProvider } from '../../src/templates/recommendation-slot.js';
import type { Database, Dialect } from '../../src/storage/database.js';
import { createTestStore, type TestStore } from './databases.js';

/** A store with ingest, processor, profiles, catalog and the channel module wired for tests. */
export interface ChannelShop extends ChannelModule {
  store: TestStore;
  ingest: IngestService;
  processor: Processor;
  profiles: ProfileService;
  catalog: CatalogService;
  /** Ingests messages through the real path and processes them into profiles. */
  track(items: Record<string, unknown>[]): Promise<void>;
  /** Processes whatever the module appended (lifecycle and consent events). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function createChannelShop(
  dialect: Dialect,
  options: {
    clock: Clock;
    providers: Partial<Record<ChannelName, ChannelProvider>> | ((database: Database) => Partial<Record<ChannelName, ChannelProvider>>);
    settings?: Partial<ChannelSettings>;
    uniform?: () => number;
    /** Processor extensions (e.g. the segment engine's), built on the store. */
    extensions?: (database: Database) => BatchExtension[];
    /** Fills templates' recommendation slots (a fault injector in retry tests). */
    recommendations?: RecommendationSlotProvider;
  },
): Promise<ChannelShop> {
  const store = await createTestStore(dialect);
  const { database } = store;
  const ingest = new IngestService({ database, partitions: 2, clock: options.clock });
  const processor = new Processor({ database, clock: options.clock, batchSize: 1000, ...(options.extensions === undefined ? {} : { extensions: options.extensions(database) }) });
  const profiles = new ProfileService({ database });
  const catalog = new CatalogService({ database, events: ingest, clock: options.clock });
  const module = createChannelModule({
    database,
    clock: options.clock,
    ingest,
    profiles,
    catalog,
    providers: typeof options.providers === 'function' ? options.providers(database) : options.providers,
    settings: { publicBaseUrl: 'http://rapport.test', emailDoubleOptIn: false, retry: { attempts: 3, baseDelayMs: 1 }, ...options.settings },
    linkSecret: randomBytes(32),
    sleep: async () => undefined,
    ...(options.uniform === undefined ? {} : { uniform: options.uniform }),
    ...(options.recommendations === undefined ? {} : { recommendations: options.recommendations }),
  });
  return {
    ...module,
    store,
    ingest,
    processor,
    profiles,
    catalog,
    async track(items) {
      const outcome = await ingest.ingest({ workspaceId: 'ws', sourceId: null, receivedAt: options.clock.now() }, { items });
      if (outcome.rejected.length > 0) throw new Error(JSON.stringify(outcome.rejected));
      await processor.drain();
    },
    async settle() {
      await processor.drain();
    },
    async close() {
      await module.channels.close();
      await store.drop();
    },
  };
}
