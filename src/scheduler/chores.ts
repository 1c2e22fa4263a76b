import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import { listWorkspaces } from '../workspaces/index.js';
import type { Chore } from '../app/module.js';
import type { Scheduler } from './scheduler.js';

export type { Chore } from '../app/module.js';

type ChoreScheduler = Pick<Scheduler, 'register' | 'enqueue'>;

/** Kinds registered per scheduler: scheduling a chore again (a second start) only enqueues. */
const registered = new WeakMap<ChoreScheduler, Set<string>>();

/**
 * Makes a chore a durable job on the scheduler instead of a process's timer: leased (one worker
 * runs it when several share the store), retried with backoff, listed with the dead jobs when it
 * keeps failing, and it survives restarts. Every workspace gets one job, first due `everyMs`
 * from now; each run reschedules itself and gives workspaces created since their job.
 * Idempotent: an existing job is left as it is.
 * @example await scheduleChore(scheduler, { database, clock }, { kind: 'log.retention', everyMs: 3_600_000, run: (ws) => retention.sweep(ws) });
 */
export async function scheduleChore(scheduler: ChoreScheduler, deps: { database: Database; clock: Clock }, chore: Chore): Promise<void> {
  let kinds = registered.get(scheduler);
  if (kinds === undefined) registered.set(scheduler, (kinds = new Set()));
  if (!kinds.has(chore.kind)) {
    kinds.add(chore.kind);
    scheduler.register<unknown>(
      chore.kind,
      async (job) => {
        await chore.run(job.workspaceId);
        await enqueueEverywhere(scheduler, deps, chore);
        return { rescheduleAt: deps.clock.now() + chore.everyMs };
      },
      { maxAttempts: chore.maxAttempts ?? 5, backoffMs: chore.backoffMs ?? 10_000, maxBackoffMs: Math.max(chore.backoffMs ?? 10_000, chore.everyMs) },
    );
  }
  await enqueueEverywhere(scheduler, deps, chore);
}

/** One job per workspace that has none (a dedupe on the key: one statement). */
async function enqueueEverywhere(scheduler: ChoreScheduler, { database, clock }: { database: Database; clock: Clock }, chore: Chore): Promise<void> {
  const dueAt = clock.now() + chore.everyMs;
  const workspaces = await listWorkspaces(database.db);
  await scheduler.enqueue(workspaces.map((workspace) => ({ workspaceId: workspace.id, kind: chore.kind, key: chore.kind, dueAt })));
}
