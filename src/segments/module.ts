import type { Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import { reportUnreadable, type ChannelsModule } from '../channels/index.js';
import type { IdentityModule } from '../identity/index.js';
import type { ProfilesModule } from '../profiles/index.js';
import { SegmentBackfiller } from './backfill.js';
import type { SegmentEngine } from './engine.js';
import { segmentPrivacyHandlers } from './privacy.js';
import { processorExtension, segmentEngineOf } from './processor-extension.js';
import { SegmentService } from './segment-service.js';
import { WebhookDeliverer } from './webhook.js';
import { segmentsRoutes } from './routes.js';

/** Real-time segments and audiences: membership, backfills, score re-checks and destination sync. */
export interface SegmentsModule extends Module {
  segments: SegmentService;
  engine: SegmentEngine;
}

/**
 * Builds the segments module. Membership is committed with each processor batch (its processor
 * extension); this module serves the API side (backfills, score changes, static lists) and
 * syncs destinations through the channels module's guarded outbound path.
 * @example const segments = segmentsModule(kernel, { identity, profiles, channels });
 */
export function segmentsModule(kernel: Kernel, deps: { identity: IdentityModule; profiles: ProfilesModule; channels: ChannelsModule }): SegmentsModule {
  const { database, clock, logger } = kernel;
  const { secrets, outbound } = deps.channels;
  const engine = segmentEngineOf({ database, clock, logger });
  const backfiller = new SegmentBackfiller({ database, engine, ...(logger === undefined ? {} : { logger }) });
  const webhooks = new WebhookDeliverer({ database, clock, secrets, outbound, ...(logger === undefined ? {} : { logger }) });
  const segments = new SegmentService({ database, engine, clock, onBackfillNeeded: () => backfiller.wake(), identityRules: deps.identity.rules.rulesFor, secrets, guard: outbound.guard });
  engine.onTransitions(() => webhooks.wake());
  deps.profiles.scores.subscribe(async (workspaceId, changes) => {
    await engine.reevaluateScores(workspaceId, changes);
  });
  return {
    name: 'segments',
    dependencies: dependsOn(deps),
    segments,
    engine,
    routes: (scope) => segmentsRoutes(scope, segments),
    processorExtensions: [processorExtension],
    privacy: segmentPrivacyHandlers(),
    async start({ processing }) {
      reportUnreadable(kernel, await segments.resealDestinations());
      if (!processing) return;
      backfiller.start();
      webhooks.start();
    },
    async stop() {
      await backfiller.stop();
      await webhooks.stop();
    },
  };
}
