import { reportTo, type Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { IngestModule } from '../ingest/index.js';
import type { WorkspacesModule } from '../workspaces/index.js';
import { RecommendationService } from './recommendation-service.js';

/** Product recommendations: strategies, rules, training runs, serving and the live trending tail. */
export interface RecommendationsModule extends Module {
  recommendations: RecommendationService;
}

/**
 * Builds the recommendations module. It follows the log (a live tail per trained workspace),
 * retrains a model a request finds older than the retraining interval, and trains every workspace once at start-up when events are
 * processed (never inside a request or a send's render).
 * @example const recommendations = recommendationsModule(kernel, { ingest, workspaces });
 */
export function recommendationsModule(kernel: Kernel, deps: { ingest: IngestModule; workspaces: WorkspacesModule }): RecommendationsModule {
  const { config } = kernel;
  const recommendations = new RecommendationService({
    database: kernel.database,
    clock: kernel.clock,
    partitions: config.partitions,
    retrainIntervalMs: config.recsRetrainMinutes * 60_000,
    onError: reportTo(kernel, 'recommendations background work failed'),
  });
  // The live tail follows the log only in the background (not in CLI commands served in-process).
  let following = false;
  return {
    name: 'recommendations',
    dependencies: dependsOn(deps),
    recommendations,
    followers: [
      {
        name: 'recommendations.tail',
        wake: (workspaceId) => {
          if (following) recommendations.wake(workspaceId);
        },
      },
    ],
    start({ background, processing }) {
      following = background;
      if (!processing) return;
      void deps.workspaces.service.listWorkspaces().then((list) => recommendations.trainAtStart(list.map((workspace) => workspace.id)), reportTo(kernel, 'recommendations start-up training failed'));
    },
    stop: () => recommendations.stop(),
  };
}
