import type { Kernel } from '../app/kernel.js';
import type { Module } from '../app/module.js';
import { scheduleChore } from './chores.js';
import { schedulerPrivacyHandler } from './privacy.js';
import { Scheduler } from './scheduler.js';

/** Durable jobs and timers (due time, lease, retries, dead letters), shared by every module. */
export interface SchedulerModule extends Module {
  scheduler: Scheduler;
}

/**
 * Builds the scheduler module. At start it registers every module's `jobs`, then, while events
 * are processed, gives every workspace its job of each module's `chores` and runs its loop.
 * @example const scheduler = schedulerModule(kernel); scheduler.scheduler.enqueue({ workspaceId, kind: 'report.send' });
 */
export function schedulerModule(kernel: Kernel): SchedulerModule {
  const scheduler = new Scheduler({ database: kernel.database, clock: kernel.clock, ...(kernel.logger === undefined ? {} : { logger: kernel.logger }) });
  return {
    name: 'scheduler',
    dependencies: [],
    scheduler,
    // Jobs naming a person go after the owners that only move their references (see the privacy module).
    privacy: [schedulerPrivacyHandler()],
    async start({ modules, processing }) {
      for (const job of modules.flatMap((module) => module.jobs ?? [])) scheduler.register(job.kind, job.handler, job.options);
      if (!processing) return;
      for (const chore of modules.flatMap((module) => module.chores ?? [])) await scheduleChore(scheduler, kernel, chore);
      scheduler.start();
    },
    stop: () => scheduler.stop(),
  };
}
