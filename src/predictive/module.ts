import type { Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { ProfilesModule } from '../profiles/index.js';
import type { SchedulerModule } from '../scheduler/index.js';
import { PredictiveService } from './jobs/predictive-service.js';
import { predictiveRoutes } from './routes.js';

/** Predictive models (CLV, churn, propensity, next order, stock-out): scores on profiles and model reports. */
export interface PredictiveModule extends Module {
  predictive: PredictiveService;
}

/**
 * Builds the predictive module: its daily refresh is a durable job on the scheduler module,
 * enqueued for every workspace at start while events are processed.
 * @example const predictive = predictiveModule(kernel, { scheduler, profiles });
 */
export function predictiveModule(kernel: Kernel, deps: { scheduler: SchedulerModule; profiles: ProfilesModule }): PredictiveModule {
  const predictive = new PredictiveService({ database: kernel.database, clock: kernel.clock, scores: deps.profiles.scores });
  return {
    name: 'predictive',
    dependencies: dependsOn(deps),
    predictive,
    routes: (scope) => predictiveRoutes(scope, predictive),
    chores: [predictive.refreshChore()].filter((chore) => chore !== undefined),
    stop: () => predictive.stop(),
  };
}
