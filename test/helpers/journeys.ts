import { CatalogService } from '../../src/catalog/catalog-service.js';
import type { MessageSender } from '../../src/channels/sender.js';
import { IngestService } from '../../src/ingest/ingest-service.js';
import { createJourneys, type Journeys } from '../../src/journeys/journeys.js';
import { RecordingSender } from '../../src/journeys/recording-sender.js';
import { Processor } from '../../src/processor/processor.js';
import { manualClock } from '../../src/shared/clock.js';
import type { Dialect } from '../../src/storage/database.js';
import { findIdentityOwner } from '../../src/identity/store/identities.js';
import { nextDueAt } from '../../src/scheduler/store/jobs.js';
import { createTestStore, type TestStore } from './databases.js';
import { OutboundHttp } from '../../src/channels/outbound/outbound-http.js';

export const WS = 'ws1';

/**
 * A real store with the real ingest → processor → journeys path and a manual clock: events go
 * in through IngestService, `advanceTo` moves time job by job (each timer fires at its own due
 * time, as in production), and sends land in a RecordingSender.
 */
export interface JourneyHarness {
  store: TestStore;
  clock: ReturnType<typeof manualClock>;
  sender: RecordingSender;
  journeys: Journeys;
  catalog: CatalogService;
  ingest: IngestService;
  /** Sends one message (track by default) for `userId` at the clock's now, then settles. */
  track(userId: string, event: string, properties?: Record<string, unknown>, extra?: Record<string, unknown>): Promise<void>;
  identify(userId: string, traits: Record<string, unknown>): Promise<void>;
  profileOf(userId: string): Promise<string>;
  /** Processes everything due at the current time (events, consumer, jobs) until quiet. */
  settle(): Promise<void>;
  /** Moves the clock to `target`, stopping at every job due on the way. */
  advanceTo(target: number): Promise<void>;
  advance(ms: number): Promise<void>;
  /** Recorded sends as `templateId@iso-time` for compact assertions. */
  sends(profileId?: string): string[];
  stop(): Promise<void>;
}

let messageSeq = 0;

/** Webhook nodes call receivers on this machine, so the harness allows loopback as an operator would (RAPPORT_OUTBOUND_ALLOW). */
const loopbackAllowed = new OutboundHttp({ allow: ['127.0.0.1/32'] });

export async function journeyHarness(dialect: Dialect, start: number, options: { sender?: MessageSender } = {}): Promise<JourneyHarness> {
  const store = await createTestStore(dialect);
  const clock = manualClock(start);
  const { database } = store;
  const ingest = new IngestService({ database, partitions: 1, clock });
  const processor = new Processor({ database, clock });
  const catalog = new CatalogService({ database, events: ingest, clock });
  const sender = new RecordingSender();
  const sentAt = new Map<string, number>();
  const recording = {
    async send(request: Parameters<RecordingSender['send']>[0]) {
      if (!sentAt.has(request.idempotencyKey)) sentAt.set(request.idempotencyKey, clock.now());
      return (options.sender ?? sender).send(request);
    },
  };
  const journeys = createJourneys({ database, sender: recording, clock, ingest, templates: async () => [], outbound: loopbackAllowed });
  const settle = async (): Promise<void> => {
    for (let round = 0; round < 50; round++) {
      await processor.drain();
      const read = await journeys.consumer.drain();
      const ran = await journeys.scheduler.runDue();
      if (read === 0 && ran === 0) return;
    }
    throw new Error('the harness did not settle in 50 rounds');
  };
  const advanceTo = async (target: number): Promise<void> => {
    for (;;) {
      await settle();
      const next = await nextDueAt(database.db, ['journey.run', 'journey.fanout', 'journey.date', 'journey.date-scan', 'journey.schedule', 'journey.audience']);
      if (next === undefined || next > target) break;
      clock.set(Math.max(clock.now(), next));
    }
    clock.set(Math.max(clock.now(), target));
    await settle();
  };
  const send = async (item: Record<string, unknown>): Promise<void> => {
    messageSeq += 1;
    const outcome = await ingest.ingest(
      { workspaceId: WS, sourceId: null, receivedAt: clock.now() },
      { items: [{ messageId: `m-${process.pid}-${messageSeq}`, timestamp: new Date(clock.now()).toISOString(), ...item }] },
    );
    if (outcome.rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(outcome.rejected)}`);
    await settle();
  };
  return {
    store,
    clock,
    sender,
    journeys,
    catalog,
    ingest,
    track: (userId, event, properties = {}, extra = {}) => send({ type: 'track', userId, event, properties, ...extra }),
    identify: (userId, traits) => send({ type: 'identify', userId, traits }),
    async profileOf(userId) {
      const id = await findIdentityOwner(database.db, WS, { type: 'user_id', value: userId });
      if (id === undefined) throw new Error(`no profile for ${userId}`);
      return id;
    },
    settle,
    advanceTo,
    advance: (ms) => advanceTo(clock.now() + ms),
    sends(profileId) {
      return sender.sent
        .filter((request) => profileId === undefined || request.profileId === profileId)
        .map((request) => `${request.templateId}@${new Date(sentAt.get(request.idempotencyKey) ?? 0).toISOString()}`);
    },
    async stop() {
      await journeys.stop();
      await store.drop();
    },
  };
}
