import type { Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { ChannelsModule } from '../channels/index.js';
import type { CouponsModule } from '../coupons/index.js';
import type { IngestModule } from '../ingest/index.js';
import type { JourneysModule } from '../journeys/index.js';
import type { ProfilesModule } from '../profiles/index.js';
import type { SchedulerModule } from '../scheduler/index.js';
import type { SegmentsModule } from '../segments/index.js';
import type { TemplatesModule } from '../templates/index.js';
import type { WorkspacesModule } from '../workspaces/index.js';
import { RapportError } from '../shared/errors.js';
import { createOnsite, type Onsite } from './onsite.js';
import { onsiteAdminRoutes, onsitePublicRoutes } from './routes.js';

/** On-site campaigns as a module: the SDK's configuration, visitor facts, reveals, submissions and reports. */
export interface OnsiteModule extends Module {
  onsite: Onsite;
}

export type OnsiteModuleDeps = {
  workspaces: WorkspacesModule;
  ingest: IngestModule;
  profiles: ProfilesModule;
  segments: SegmentsModule;
  channels: ChannelsModule;
  templates: TemplatesModule;
  coupons: CouponsModule;
  journeys: JourneysModule;
  scheduler: SchedulerModule;
};

/**
 * Builds the on-site module over the modules it reads (segment memberships, coupons, consent,
 * journeys to enter after a capture). Journeys' `onsite` nodes write to its queue
 * (`OnsiteQueue`), which the composition root hands to the journeys module.
 * @example const onsite = onsiteModule(kernel, { workspaces, ingest, profiles, segments, channels, templates, coupons, journeys, scheduler });
 */
export function onsiteModule(kernel: Kernel, deps: OnsiteModuleDeps): OnsiteModule {
  const { config, database, clock, logger } = kernel;
  const { messaging } = deps.channels;
  const segments = deps.segments.segments;
  const onsite = createOnsite({
    database,
    clock,
    secrets: deps.channels.secrets,
    references: {
      segmentExists: (workspaceId, id) => exists(() => segments.get(workspaceId, id)),
      poolExists: (workspaceId, id) => exists(() => deps.coupons.coupons.getPool(workspaceId, id)),
      journeyExists: async (workspaceId, id) => (await deps.journeys.service.get(workspaceId, id)) !== undefined,
      templateExists: (workspaceId, id) => exists(() => deps.templates.templates.get(workspaceId, id)),
    },
    profiles: deps.profiles.profiles,
    segmentsOf: (workspaceId, profileId) => segments.segmentIdsOf(workspaceId, profileId),
    brands: messaging.brands,
    coupons: deps.coupons.coupons,
    ingest: deps.ingest.ingest,
    consent: messaging.consent,
    preferences: messaging.preferences,
    journeys: deps.journeys.service,
    scheduler: deps.scheduler.scheduler,
    ...(logger === undefined ? {} : { logger }),
  });
  return {
    name: 'onsite',
    dependencies: dependsOn(deps),
    onsite,
    privacy: [onsite.privacy],
    routes: (scope) => onsiteAdminRoutes(scope, onsite, { coupons: deps.coupons.coupons }),
    publicRoutes: (scope) => onsitePublicRoutes(scope, onsite, { workspaces: deps.workspaces.service, rateLimits: config.rateLimits, clock }),
    stop: () => onsite.stop(),
  };
}

/** Whether a lookup that throws `not_found` for a missing id finds it (in the caller's workspace). */
async function exists(lookup: () => Promise<unknown>): Promise<boolean> {
  try {
    await lookup();
    return true;
  } catch (error) {
    if (error instanceof RapportError && error.code === 'not_found') return false;
    throw error;
  }
}
