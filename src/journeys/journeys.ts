import type { OutboundHttp, MessageSender } from '../channels/index.js';
import { SecretBox } from '../shared/secret-box.js';
import type { IdentityRules } from '../identity/index.js';
import type { IngestService } from '../ingest/index.js';
import { Scheduler } from '../scheduler/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import { JourneyConsumer } from './consumer.js';
import type { TemplateCheck } from './definition.js';
import { JourneyEngine, type OnsiteQueueWriter } from './engine.js';
import { JourneyService } from './journey-service.js';
import type { RecipeSupplies } from './recipe-installer.js';
import { IngestProfileUpdater } from './profile-updater.js';
import { JourneyTriggers } from './triggers.js';

export interface JourneysOptions {
  database: Database;
  sender: MessageSender;
  clock?: Clock;
  /** For `update_profile` nodes; without it those steps fail (and retry). */
  ingest?: Pick<IngestService, 'ingest'>;
  identityRules?: (workspaceId: string) => IdentityRules;
  templates?: TemplateCheck;
  /** What recipes install when journeys really send (templates, coupon pools); omit when they only record. */
  recipeSupplies?: RecipeSupplies;
  /** An existing scheduler to share (other modules' jobs); default a new one. */
  scheduler?: Scheduler;
  logger?: { error(details: object, message: string): void };
  /** The guarded outbound path for webhook nodes; default one with no operator allow list. */
  outbound?: OutboundHttp;
  /** Seals webhook node headers at rest; default a key held in memory only (tests, benchmarks). */
  secrets?: SecretBox;
  /** The on-site queue `onsite` nodes write to. */
  onsite?: OnsiteQueueWriter;
}

/** The journeys module, wired: scheduler handlers, engine, triggers, event consumer and service. */
export interface Journeys {
  scheduler: Scheduler;
  engine: JourneyEngine;
  triggers: JourneyTriggers;
  consumer: JourneyConsumer;
  service: JourneyService;
  /** Starts the scheduler loop and the event consumer. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * Builds the journeys module on a store.
 * @example const journeys = createJourneys({ database, sender }); journeys.start();
 */
export function createJourneys(options: JourneysOptions): Journeys {
  const clock = options.clock ?? systemClock;
  const secrets = options.secrets ?? SecretBox.ephemeral();
  const scheduler = options.scheduler ?? new Scheduler({ database: options.database, clock, ...(options.logger === undefined ? {} : { logger: options.logger }) });
  const engine = new JourneyEngine({
    database: options.database,
    scheduler,
    sender: options.sender,
    clock,
    ...(options.outbound === undefined ? {} : { outbound: options.outbound }),
    secrets,
    ...(options.onsite === undefined ? {} : { onsite: options.onsite }),
    ...(options.ingest === undefined ? {} : { profiles: new IngestProfileUpdater({ database: options.database, ingest: options.ingest, clock }) }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  engine.register();
  const triggers = new JourneyTriggers({ database: options.database, scheduler, engine, clock });
  triggers.register();
  const consumer = new JourneyConsumer({
    database: options.database,
    engine,
    scheduler,
    clock,
    ...(options.identityRules === undefined ? {} : { identityRules: options.identityRules }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const service = new JourneyService({
    database: options.database,
    scheduler,
    engine,
    triggers,
    clock,
    ...(options.templates === undefined ? {} : { templates: options.templates }),
    ...(options.identityRules === undefined ? {} : { identityRules: options.identityRules }),
    ...(options.recipeSupplies === undefined ? {} : { recipeSupplies: options.recipeSupplies }),
    ...(options.outbound === undefined ? {} : { guard: options.outbound.guard }),
    secrets,
    onChange: () => consumer.invalidate(),
  });
  return {
    scheduler,
    engine,
    triggers,
    consumer,
    service,
    start() {
      scheduler.start();
      consumer.start();
    },
    async stop() {
      await consumer.stop();
      await scheduler.stop();
    },
  };
}
