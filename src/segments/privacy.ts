import type { PersonalDataHandler } from '../privacy/index.js';
import {
  deleteDeliveriesOfProfiles,
  deleteSegmentRowsOfProfiles,
  deleteTransitionEventsOfProfiles,
  moveBackfillCursorsOff,
  segmentRowsOfProfiles,
  type SegmentProfileTable,
} from './store/segment-personal-data.js';

/** The events the engine appends to the log for each transition (src/segments/engine.ts). */
const TRANSITION_EVENTS = ['Segment Entered', 'Segment Exited'];

const byProfile = (name: string, table: SegmentProfileTable): PersonalDataHandler => ({
  name,
  erase: (trx, subject) => deleteSegmentRowsOfProfiles(trx, table, subject.workspaceId, subject.profileIds),
});

/**
 * What segments hold about a person: memberships (dynamic and static lists), their history, the
 * event statistics conditions read, due times of time-window re-checks, webhook deliveries that
 * name them, the Segment Entered/Exited events appended to the log, and backfill cursors that
 * point at them. No exit is emitted for an erased member: that would write the person back.
 * The export shows memberships and history.
 * @example for (const handler of segmentPrivacyHandlers()) registry.register(handler);
 */
export function segmentPrivacyHandlers(): PersonalDataHandler[] {
  return [
    {
      name: 'segment_members',
      erase: (trx, subject) => deleteSegmentRowsOfProfiles(trx, 'segment_members', subject.workspaceId, subject.profileIds),
      export: (db, subject) => segmentRowsOfProfiles(db, subject.workspaceId, subject.profileIds),
    },
    byProfile('segment_history', 'segment_history'),
    byProfile('segment_profile_state', 'segment_profile_state'),
    byProfile('segment_due', 'segment_due'),
    { name: 'segment_deliveries', erase: (trx, subject) => deleteDeliveriesOfProfiles(trx, subject.workspaceId, subject.profileIds) },
    { name: 'segment_events', erase: (trx, subject) => deleteTransitionEventsOfProfiles(trx, subject.workspaceId, subject.profileIds, TRANSITION_EVENTS) },
    { name: 'segment_backfill_cursors', erase: (trx, subject) => moveBackfillCursorsOff(trx, subject.workspaceId, subject.profileIds) },
  ];
}
