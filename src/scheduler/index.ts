/*
 * The scheduler module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { SchedulerModule } from './module.js';
export { scheduleChore } from './chores.js';
export type { Chore } from './chores.js';
export { Scheduler } from './scheduler.js';
export type { BatchOutcome, HandlerOptions, Job, JobHandler } from './scheduler.js';
export { deleteJobsWithKeys, jobsWithPayloadContaining, replaceJobPayload } from './store/jobs-personal-data.js';
