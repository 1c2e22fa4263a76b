import { sql } from 'kysely';
import type { Tx } from '../../storage/database.js';
import { survivingProfileIdBefore } from '../../profiles/index.js';

/*
 * SQL for privacy requests on the segments tables (migration 0005): find, export and erase one
 * person's membership, history, statistics, due times, webhook deliveries and transition events.
 */

const PERSONAL_CHUNK = 500;

/** A LIKE pattern matching `text` literally anywhere (escape character `\`). */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** Tables of per-profile segment rows (membership, its history, event statistics, due times). */
export type SegmentProfileTable = 'segment_members' | 'segment_history' | 'segment_profile_state' | 'segment_due';

/**
 * Deletes a table's rows of these profiles; returns how many.
 * @example await deleteSegmentRowsOfProfiles(trx, 'segment_members', 'ws', ['prf_1']);
 */
export async function deleteSegmentRowsOfProfiles(db: Tx, table: SegmentProfileTable, workspaceId: string, profileIds: readonly string[]): Promise<number> {
  let deleted = 0;
  for (let start = 0; start < profileIds.length; start += PERSONAL_CHUNK) {
    const result = await db
      .deleteFrom(table)
      .where('workspace_id', '=', workspaceId)
      .where('profile_id', 'in', profileIds.slice(start, start + PERSONAL_CHUNK))
      .executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}

/**
 * Deletes webhook deliveries (pending or delivered) whose payload names one of these profiles
 * (`"profileId":"<id>"`; the payload also carries the email).
 * @example await deleteDeliveriesOfProfiles(trx, 'ws', ['prf_1']);
 */
export async function deleteDeliveriesOfProfiles(db: Tx, workspaceId: string, profileIds: readonly string[]): Promise<number> {
  let deleted = 0;
  for (const profileId of profileIds) {
    const result = await db
      .deleteFrom('segment_deliveries')
      .where('workspace_id', '=', workspaceId)
      .where(sql<boolean>`payload like ${containsPattern(JSON.stringify({ profileId }).slice(1, -1))} escape '\\'`)
      .executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}

/**
 * Deletes the transition events the engine appended to the log for these profiles: system
 * events (no user or anonymous id, so not on any timeline) of the given names whose properties
 * carry `"profile_id":"<id>"`.
 * @example await deleteTransitionEventsOfProfiles(trx, 'ws', ['prf_1'], ['Segment Entered', 'Segment Exited']);
 */
export async function deleteTransitionEventsOfProfiles(db: Tx, workspaceId: string, profileIds: readonly string[], eventNames: readonly string[]): Promise<number> {
  let deleted = 0;
  for (const profileId of profileIds) {
    const result = await db
      .deleteFrom('events')
      .where('workspace_id', '=', workspaceId)
      .where('event', 'in', [...eventNames])
      .where('user_id', 'is', null)
      .where('anonymous_id', 'is', null)
      .where(sql<boolean>`payload like ${containsPattern(JSON.stringify({ profile_id: profileId }).slice(1, -1))} escape '\\'`)
      .executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}

/**
 * The segments these profiles are members of (with the segment's name) and their entries and
 * exits, oldest first, for a personal-data export.
 * @example const { memberships, history } = await segmentRowsOfProfiles(db, 'ws', ['prf_1']);
 */
export async function segmentRowsOfProfiles(
  db: Tx,
  workspaceId: string,
  profileIds: readonly string[],
): Promise<{ memberships: { segmentId: string; segmentName: string | null; enteredAt: string }[]; history: { segmentId: string; kind: string; at: string }[] }> {
  const memberships: { segmentId: string; segmentName: string | null; enteredAt: string }[] = [];
  const history: { segmentId: string; kind: string; at: string; time: number }[] = [];
  for (let start = 0; start < profileIds.length; start += PERSONAL_CHUNK) {
    const chunk = profileIds.slice(start, start + PERSONAL_CHUNK);
    const members = await db
      .selectFrom('segment_members as m')
      .leftJoin('segments as s', (join) => join.onRef('s.workspace_id', '=', 'm.workspace_id').onRef('s.id', '=', 'm.segment_id'))
      .select(['m.segment_id', 's.name', 'm.entered_at'])
      .where('m.workspace_id', '=', workspaceId)
      .where('m.profile_id', 'in', chunk)
      .orderBy('m.segment_id')
      .execute();
    for (const row of members) memberships.push({ segmentId: row.segment_id, segmentName: row.name, enteredAt: new Date(Number(row.entered_at)).toISOString() });
    const rows = await db.selectFrom('segment_history').select(['segment_id', 'kind', 'at']).where('workspace_id', '=', workspaceId).where('profile_id', 'in', chunk).execute();
    for (const row of rows) history.push({ segmentId: row.segment_id, kind: row.kind, at: new Date(Number(row.at)).toISOString(), time: Number(row.at) });
  }
  history.sort((a, b) => a.time - b.time);
  return { memberships, history: history.map(({ time: _time, ...rest }) => rest) };
}

/**
 * Moves backfill cursors that point at one of these (erased) profiles to the greatest other
 * profile id below it ('' if none): the cursor keeps its meaning (every profile up to it was
 * backfilled; one created since in between is backfilled again, which changes nothing) and
 * no longer names the person. Returns the segments changed.
 * @example await moveBackfillCursorsOff(trx, 'ws', ['prf_1']);
 */
export async function moveBackfillCursorsOff(db: Tx, workspaceId: string, profileIds: readonly string[]): Promise<number> {
  let changed = 0;
  for (let start = 0; start < profileIds.length; start += PERSONAL_CHUNK) {
    const pointing = await db
      .selectFrom('segments')
      .select(['id', 'backfill_cursor'])
      .where('workspace_id', '=', workspaceId)
      .where('backfill_cursor', 'in', profileIds.slice(start, start + PERSONAL_CHUNK))
      .execute();
    for (const segment of pointing) {
      const below = await survivingProfileIdBefore(db, workspaceId, segment.backfill_cursor, profileIds);
      await db
        .updateTable('segments')
        .set({ backfill_cursor: below ?? '' })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', segment.id)
        .execute();
      changed += 1;
    }
  }
  return changed;
}
