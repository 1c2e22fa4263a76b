import type { Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { ChannelsModule } from '../channels/index.js';
import type { IngestModule } from '../ingest/index.js';
import type { JourneysModule } from '../journeys/index.js';
import type { OnsiteModule } from '../onsite/index.js';
import type { ProfilesModule } from '../profiles/index.js';
import type { SchedulerModule } from '../scheduler/index.js';
import { overviewRoutes } from './routes.js';

/**
 * The dashboard's home screen as a module: an aggregate read over the modules whose figures it
 * shows (dead jobs, failed sends, events set aside, live counts). It owns no data, runs nothing in
 * the background and contributes only its routes; a module of its own because the screen depends
 * on six modules that do not depend on each other that way, so no one of them could hold it
 * without taking on the others.
 * @example const overview = overviewModule(kernel, { ingest, profiles, journeys, onsite, channels, scheduler });
 */
export function overviewModule(
  kernel: Kernel,
  deps: { ingest: IngestModule; profiles: ProfilesModule; journeys: JourneysModule; onsite: OnsiteModule; channels: ChannelsModule; scheduler: SchedulerModule },
): Module {
  const routeDeps = {
    eventLog: deps.ingest.eventLog,
    profiles: deps.profiles.profiles,
    journeys: deps.journeys.service,
    onsite: deps.onsite.onsite,
    messaging: deps.channels.messaging,
    scheduler: deps.scheduler.scheduler,
    clock: kernel.clock,
  };
  return { name: 'overview', dependencies: dependsOn(deps), routes: (scope) => overviewRoutes(scope, routeDeps) };
}
