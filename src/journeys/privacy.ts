import type { PersonalDataHandler, Subject } from '../privacy/index.js';
import type { Tx } from '../storage/database.js';
import { deleteJobsWithKeys, jobsWithPayloadContaining, replaceJobPayload } from '../scheduler/index.js';
import { deleteJourneyRowsOfProfiles, deleteJourneyRowsOfRuns, journeyRowsOfProfiles, runIdsOfProfiles, type JourneyProfileTable } from './store/journey-personal-data.js';
import { profileIdBefore } from '../profiles/index.js';
import { runJobKey } from './engine.js';

const byProfile = (name: string, table: JourneyProfileTable): PersonalDataHandler => ({
  name,
  erase: (trx, subject) => deleteJourneyRowsOfProfiles(trx, table, subject.workspaceId, subject.profileIds),
});

/**
 * Scans over profiles (audience, date and catalog fan-out jobs) keep their position as
 * `"after":"<profile id>"`. When that id is the person's, the cursor moves to the greatest
 * remaining id below it: the same position, without their id (no one is skipped or repeated).
 */
async function moveScanCursorsOff(trx: Tx, subject: Subject): Promise<number> {
  let moved = 0;
  for (const profileId of subject.profileIds) {
    for (const job of await jobsWithPayloadContaining(trx, subject.workspaceId, JSON.stringify({ after: profileId }).slice(1, -1))) {
      const payload: unknown = JSON.parse(job.payload);
      if (typeof payload !== 'object' || payload === null || Reflect.get(payload, 'after') !== profileId) continue;
      const before = (await profileIdBefore(trx, subject.workspaceId, profileId, subject.profileIds)) ?? '';
      await replaceJobPayload(trx, subject.workspaceId, job.key, JSON.stringify({ ...payload, after: before }));
      moved += 1;
    }
  }
  return moved;
}

/**
 * What journeys hold about a person: their runs (the state, the trigger's properties, the
 * awaited event and key), each run's steps, conversions and pending scheduler job, entry
 * counts, sends counted for frequency caps, list memberships, catalog interest (who viewed or
 * carted what, for price-drop and back-in-stock fan-outs), messages recorded by the recording
 * delivery, and scans paused on their profile id. Register before the scheduler's handler: the
 * run jobs name the run, not the person, so they go with the runs.
 * @example for (const handler of journeyPrivacyHandlers()) registry.register(handler);
 */
export function journeyPrivacyHandlers(): PersonalDataHandler[] {
  return [
    {
      name: 'journey_runs',
      async erase(trx, subject) {
        const runIds = await runIdsOfProfiles(trx, subject.workspaceId, subject.profileIds);
        let erased = await deleteJobsWithKeys(trx, subject.workspaceId, runIds.map(runJobKey));
        erased += await deleteJourneyRowsOfRuns(trx, 'journey_steps', subject.workspaceId, runIds);
        erased += await deleteJourneyRowsOfRuns(trx, 'journey_conversions', subject.workspaceId, runIds);
        return erased + (await deleteJourneyRowsOfProfiles(trx, 'journey_runs', subject.workspaceId, subject.profileIds));
      },
      export: (db, subject) => journeyRowsOfProfiles(db, subject.workspaceId, subject.profileIds),
    },
    byProfile('journey_entries', 'journey_entries'),
    byProfile('journey_sends', 'journey_sends'),
    byProfile('journey_list_members', 'list_members'),
    byProfile('journey_product_interest', 'product_interest'),
    byProfile('journey_recorded_messages', 'recorded_messages'),
    { name: 'journey_scan_cursors', erase: moveScanCursorsOff },
  ];
}
