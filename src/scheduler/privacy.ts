import type { PersonalDataHandler, Subject } from '../privacy/index.js';
import type { Tx } from '../storage/database.js';
import { deleteJobsWithKeys, jobsWithPayloadContaining } from './store/jobs-personal-data.js';

async function jobsNaming(db: Tx, subject: Subject): Promise<{ key: string; kind: string; payload: string; dueAt: number; status: string }[]> {
  const found = new Map<string, { key: string; kind: string; payload: string; dueAt: number; status: string }>();
  // Payloads are JSON: a profile id appears quoted, so `"prf_1"` does not match `prf_10`.
  for (const profileId of subject.profileIds) for (const job of await jobsWithPayloadContaining(db, subject.workspaceId, JSON.stringify(profileId))) found.set(job.key, job);
  return [...found.values()];
}

/**
 * Scheduler jobs whose payload names the person (a birthday timer, a job another module keyed
 * on them): deleted, pending, dead or leased alike. Register it after the owners that only move
 * their references (journeys' scan cursors), so those jobs survive without the person.
 * @example registry.register(schedulerPrivacyHandler());
 */
export function schedulerPrivacyHandler(): PersonalDataHandler {
  return {
    name: 'scheduler_jobs',
    erase: async (trx, subject) =>
      deleteJobsWithKeys(
        trx,
        subject.workspaceId,
        (await jobsNaming(trx, subject)).map((job) => job.key),
      ),
    export: async (db, subject) =>
      (await jobsNaming(db, subject)).map((job) => ({ kind: job.kind, status: job.status, dueAt: new Date(job.dueAt).toISOString(), payload: JSON.parse(job.payload) as unknown })),
  };
}
