import type { Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { ChannelsModule, MessageSender } from '../channels/index.js';
import type { CouponsModule } from '../coupons/index.js';
import type { IdentityModule } from '../identity/index.js';
import type { IngestModule } from '../ingest/index.js';
import type { SchedulerModule } from '../scheduler/index.js';
import type { TemplatesModule } from '../templates/index.js';
import type { JourneyService } from './journey-service.js';
import { createJourneys, type Journeys } from './journeys.js';
import type { OnsiteQueueWriter } from './engine.js';
import { journeyPrivacyHandlers } from './privacy.js';
import { StoreRecordingSender } from './recording-sender.js';
import { journeysRoutes } from './routes.js';

/** Journeys: definitions, lifecycle, the engine's steps on the scheduler, and the consumer that follows the log. */
export interface JourneysModule extends Module {
  journeys: Journeys;
  service: JourneyService;
}

export type JourneysModuleDeps = {
  scheduler: SchedulerModule;
  channels: ChannelsModule;
  templates: TemplatesModule;
  coupons: CouponsModule;
  ingest: IngestModule;
  identity: IdentityModule;
};

/**
 * Builds the journeys module. They send through the channels module (templates must exist),
 * or, with RAPPORT_JOURNEY_DELIVERY=record, only record what they would send (table
 * recorded_messages; nothing rendered, no template needed); `sender` replaces both (tests).
 * `onsite` is where `onsite` nodes queue a campaign for the person's next visit.
 * @example const journeys = journeysModule(kernel, { scheduler, channels, templates, coupons, ingest, identity });
 */
export function journeysModule(kernel: Kernel, deps: JourneysModuleDeps, options: { sender?: MessageSender | undefined; onsite?: OnsiteQueueWriter } = {}): JourneysModule {
  const { database, clock, logger } = kernel;
  const { sender } = options;
  const recordOnly = sender === undefined && kernel.config.journeyDelivery === 'record';
  const journeys = createJourneys({
    database,
    clock,
    scheduler: deps.scheduler.scheduler,
    sender: sender ?? (recordOnly ? new StoreRecordingSender({ database, clock }) : deps.channels.messaging.channels),
    // Real delivery: installing a recipe creates its templates (from the starters) and coupon pools.
    ...(recordOnly ? { templates: async () => [] } : { recipeSupplies: { templates: deps.templates.templates, coupons: deps.coupons.coupons } }),
    ingest: deps.ingest.ingest,
    identityRules: deps.identity.rules.rulesFor,
    outbound: deps.channels.outbound,
    secrets: deps.channels.secrets,
    ...(options.onsite === undefined ? {} : { onsite: options.onsite }),
    ...(logger === undefined ? {} : { logger }),
  });
  return {
    name: 'journeys',
    dependencies: dependsOn(deps),
    journeys,
    service: journeys.service,
    routes: (scope) => journeysRoutes(scope, journeys.service),
    followers: [{ name: 'journeys.consumer', wake: () => journeys.consumer.wake(), lag: () => journeys.consumer.lag() }],
    privacy: journeyPrivacyHandlers(),
    start({ processing }) {
      if (processing) journeys.consumer.start();
    },
    stop: () => journeys.consumer.stop(),
  };
}
