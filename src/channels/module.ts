import type { Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { CatalogModule } from '../catalog/index.js';
import type { CouponsModule } from '../coupons/index.js';
import type { IngestModule } from '../ingest/index.js';
import type { ProfilesModule } from '../profiles/index.js';
import type { RecommendationsModule } from '../recommendations/index.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { TemplatesModule } from '../templates/index.js';
import type { WorkspacesModule } from '../workspaces/index.js';
import { checkSharedSecretKey, loadOrCreateSecretBox, reportUnreadable } from './key-files.js';
import { createMessaging, type Messaging } from './messaging.js';
import { OutboundHttp } from './outbound/outbound-http.js';
import { channelsRoutes } from './routes/channels.js';
import { consentRoutes } from './routes/consent.js';
import { outboxRoutes } from './routes/outbox.js';
import { publicChannelRoutes } from './routes/public.js';
import { templateRenderingRoutes } from './routes/template-rendering.js';

/** Channels: the send pipeline (email, SMS, web push, webhook, inbox), consent, and the one guarded outbound HTTP path. */
export interface ChannelsModule extends Module {
  messaging: Messaging;
  /** Every outbound HTTP call of every module goes through this (docs/outbound.md). */
  outbound: OutboundHttp;
  /** Seals secrets at rest under the operator's key. */
  secrets: SecretBox;
}

/**
 * Builds the channels module from configuration. At start, webhook secrets written before
 * sealing, or sealed under a rotated-out key, move to the current key.
 * @example const channels = channelsModule(kernel, { workspaces, ingest, profiles, catalog, recommendations, templates, coupons });
 */
export function channelsModule(
  kernel: Kernel,
  deps: {
    workspaces: WorkspacesModule;
    ingest: IngestModule;
    profiles: ProfilesModule;
    catalog: CatalogModule;
    recommendations: RecommendationsModule;
    templates: TemplatesModule;
    coupons: CouponsModule;
  },
): ChannelsModule {
  const { config, database, clock, logger } = kernel;
  const outbound = new OutboundHttp({ allow: config.outboundAllow });
  const secrets = loadOrCreateSecretBox(config.secretKey, config.secretKeysOld, config.dataDir);
  const messaging = createMessaging({
    config,
    database,
    clock,
    ingest: deps.ingest.ingest,
    profiles: deps.profiles.profiles,
    catalog: deps.catalog.catalog,
    recommendations: deps.recommendations.recommendations.slotProvider(),
    outbound,
    secrets,
    templates: deps.templates.templates,
    coupons: deps.coupons.coupons,
    ...(logger === undefined ? {} : { logger }),
  });
  return {
    name: 'channels',
    dependencies: dependsOn(deps),
    messaging,
    outbound,
    secrets,
    privacy: [messaging.outbox.privacyHandler()],
    async routes(scope) {
      await channelsRoutes(scope, messaging);
      await templateRenderingRoutes(scope, messaging);
      await consentRoutes(scope, messaging);
      await outboxRoutes(scope, messaging);
    },
    publicRoutes: (scope) => publicChannelRoutes(scope, { messaging, workspaces: deps.workspaces.service, profiles: deps.profiles.profiles }),
    async start() {
      await messaging.loadKeys();
      const problem = await checkSharedSecretKey(database, secrets, clock.now());
      if (problem !== undefined) logger?.error(problem);
      reportUnreadable(kernel, await messaging.webhooks.reseal());
    },
    stop: () => messaging.stop(),
  };
}
