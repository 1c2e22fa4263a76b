import { reportTo, type Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { IngestModule } from '../ingest/index.js';
import type { SchedulerModule } from '../scheduler/index.js';
import type { WorkspacesModule } from '../workspaces/index.js';
import { RecommendationService } from './recommendation-service.js';
import { publicRecommendationRoutes } from './public-routes.js';
import { recommendationRoutes } from './routes.js';

/** Product recommendations: strategies, rules, training runs, serving and the live trending tail. */
export interface RecommendationsModule extends Module {
  recommendations: RecommendationService;
}

/** The durable job that trains one workspace's models (key: the kind, so one per workspace at a time). */
const TRAIN_JOB = 'recommendations.train';

/**
 * Builds the recommendations module. Trainings are durable jobs (one worker of all the
 * processes on the store trains; the models are stored as a snapshot that every process loads
 * and reloads when a newer one is stored): asked for by the first request of a workspace without
 * models, by a request that finds them older than the retraining interval, and at start-up for
 * workspaces that have none. Each process follows the log (a live tail per loaded workspace).
 * @example const recommendations = recommendationsModule(kernel, { ingest, workspaces, scheduler });
 */
export function recommendationsModule(kernel: Kernel, deps: { ingest: IngestModule; workspaces: WorkspacesModule; scheduler: SchedulerModule }): RecommendationsModule {
  const { config } = kernel;
  const recommendations = new RecommendationService({
    database: kernel.database,
    clock: kernel.clock,
    partitions: config.partitions,
    retrainIntervalMs: config.recsRetrainMinutes * 60_000,
    onError: reportTo(kernel, 'recommendations background work failed'),
    requestTraining: async (workspaceId, trigger) => {
      await deps.scheduler.scheduler.enqueue({ workspaceId, kind: TRAIN_JOB, key: TRAIN_JOB, payload: { trigger } });
    },
  });
  // The live tail follows the log only in the background (not in CLI commands served in-process).
  let following = false;
  return {
    name: 'recommendations',
    dependencies: dependsOn(deps),
    recommendations,
    routes: (scope) => recommendationRoutes(scope, recommendations),
    publicRoutes: (scope) => publicRecommendationRoutes(scope, { recommendations, workspaces: deps.workspaces.service }),
    jobs: [
      {
        kind: TRAIN_JOB,
        handler: async (job) => {
          const trigger = typeof job.payload === 'object' && job.payload !== null ? Reflect.get(job.payload, 'trigger') : undefined;
          await recommendations.trainAsJob(job.workspaceId, typeof trigger === 'string' ? trigger : 'job');
        },
        // A training that fails (a store error) is tried again a few times, minutes apart.
        options: { maxAttempts: 3, backoffMs: 60_000 },
      },
    ],
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
