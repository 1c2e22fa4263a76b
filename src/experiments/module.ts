import type { Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { IngestModule } from '../ingest/index.js';
import type { WorkspacesModule } from '../workspaces/index.js';
import { ExperimentService } from './experiment-service.js';
import { experimentPrivacyHandler } from './privacy.js';
import { ProfileTargeting } from './profile-targeting.js';
import { publicExperimentRoutes } from './public-routes.js';
import { experimentRoutes } from './routes.js';

/** A/B tests: assignment, exposures, results and auto-promotion. */
export interface ExperimentsModule extends Module {
  experiments: ExperimentService;
}

/** @example const experiments = experimentsModule(kernel, { ingest, workspaces }); */
export function experimentsModule(kernel: Kernel, deps: { ingest: IngestModule; workspaces: WorkspacesModule }): ExperimentsModule {
  const { database, clock } = kernel;
  const experiments = new ExperimentService({ database, clock, ingest: deps.ingest.ingest, targeting: new ProfileTargeting(database) });
  return {
    name: 'experiments',
    dependencies: dependsOn(deps),
    experiments,
    routes: (scope) => experimentRoutes(scope, experiments),
    publicRoutes: (scope) => publicExperimentRoutes(scope, { experiments, workspaces: deps.workspaces.service }),
    privacy: [experimentPrivacyHandler()],
  };
}
