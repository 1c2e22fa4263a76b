import { isJsonObject, messageTypes, type TrackingMessage } from '../../ingest/message.js';
import { payloadText } from '../payload-codec.js';
import type { Dialect, Tx } from '../database.js';
import { bulkInsert, inList, type BulkTarget } from './processor-bulk.js';
import { groupBySurvivor } from './identities.js';

/*
 * The timeline index: one `profile_events` row per event a profile owns, keyed so that a
 * profile's events read newest first straight from the primary key. Payloads stay in `events`.
 */

/** Position of an event in a profile's timeline, newest first by (timestamp, partition, seq). */
export interface TimelinePosition {
  timestamp: number;
  partition: number;
  seq: number;
}

export interface ProfileEventRow extends TimelinePosition {
  profileId: string;
}

export interface TimelineEntry extends TimelinePosition {
  message: TrackingMessage;
}

const IN_CHUNK = 5000;

/** Adds timeline rows; call inside `Database.transaction`. */
export async function insertProfileEvents(trx: Tx, target: BulkTarget, workspaceId: string, rows: readonly ProfileEventRow[]): Promise<void> {
  await bulkInsert(
    trx,
    target,
    'profile_events',
    ['workspace_id', 'profile_id', 'timestamp', 'partition', 'seq'],
    rows.map((row) => [workspaceId, row.profileId, row.timestamp, row.partition, row.seq]),
  );
}

/** Retroactive merge: every event of each merged-away profile (key) now belongs to its survivor (value). */
export async function moveProfileEvents(trx: Tx, dialect: Dialect, workspaceId: string, moves: ReadonlyMap<string, string>): Promise<void> {
  for (const [into, froms] of groupBySurvivor(moves)) {
    for (let start = 0; start < froms.length; start += IN_CHUNK) {
      await trx
        .updateTable('profile_events')
        .set({ profile_id: into })
        .where('workspace_id', '=', workspaceId)
        .where(inList(dialect, 'profile_id', froms.slice(start, start + IN_CHUNK)))
        .execute();
    }
  }
}

// Narrow adapter: payloads were validated and normalized by ingest before they were appended.
function isTrackingMessage(value: unknown): value is TrackingMessage {
  return (
    isJsonObject(value) &&
    messageTypes.some((type) => type === value.type) &&
    typeof value.messageId === 'string' &&
    isJsonObject(value.context)
  );
}

/**
 * A page of a profile's events, newest first, strictly older than `before` when given (keyset
 * pagination: stable while new events arrive).
 */
export async function readTimeline(
  db: Tx,
  workspaceId: string,
  profileId: string,
  limit: number,
  before?: TimelinePosition,
): Promise<TimelineEntry[]> {
  let query = db
    .selectFrom('profile_events as pe')
    .innerJoin('events as e', (join) =>
      join.onRef('e.workspace_id', '=', 'pe.workspace_id').onRef('e.partition', '=', 'pe.partition').onRef('e.seq', '=', 'pe.seq'),
    )
    .select(['pe.timestamp', 'pe.partition', 'pe.seq', 'e.event', 'e.type', 'e.message_id', 'e.user_id', 'e.anonymous_id', 'e.received_at', 'e.timestamp as event_timestamp', 'e.payload'])
    .where('pe.workspace_id', '=', workspaceId)
    .where('pe.profile_id', '=', profileId);
  if (before !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('pe.timestamp', '<', before.timestamp),
        eb.and([
          eb('pe.timestamp', '=', before.timestamp),
          eb.or([eb('pe.partition', '<', before.partition), eb.and([eb('pe.partition', '=', before.partition), eb('pe.seq', '<', before.seq)])]),
        ]),
      ]),
    );
  }
  const rows = await query.orderBy('pe.timestamp', 'desc').orderBy('pe.partition', 'desc').orderBy('pe.seq', 'desc').limit(limit).execute();
  const entries: TimelineEntry[] = [];
  for (const row of rows) {
    const message: unknown = JSON.parse(payloadText(row.payload, { ...row, timestamp: row.event_timestamp }));
    if (!isTrackingMessage(message)) throw new Error(`event ${row.partition}/${row.seq} has an unreadable payload`);
    entries.push({ timestamp: row.timestamp, partition: row.partition, seq: row.seq, message });
  }
  return entries;
}

/** A place in the walk over every profile's timeline, in (profile, time) order. */
export interface TimelineKey {
  profileId: string;
  timestamp: number;
  partition: number;
  seq: number;
}

/** One event of that walk with its raw stored message. */
export interface TimelineEventRow extends TimelineKey {
  type: string;
  event: string | null;
  /** The stored message JSON, parsed only by callers that need it. */
  payload: string;
}

/**
 * A page of every profile's timeline in (profile, time) order after `after` (keyset pagination
 * on the timeline's primary key), so a profile's events arrive together and in order; for
 * model training. `last` is where the next page starts (undefined at the end).
 * @example let page = await readTimelinePage(db, 'ws', undefined, 5000);
 */
export async function readTimelinePage(db: Tx, workspaceId: string, after: TimelineKey | undefined, limit: number): Promise<{ rows: TimelineEventRow[]; last: TimelineKey | undefined }> {
  let query = db
    .selectFrom('profile_events as pe')
    .innerJoin('events as e', (join) => join.onRef('e.workspace_id', '=', 'pe.workspace_id').onRef('e.partition', '=', 'pe.partition').onRef('e.seq', '=', 'pe.seq'))
    .select(['pe.profile_id', 'pe.timestamp', 'pe.partition', 'pe.seq', 'e.event', 'e.type', 'e.message_id', 'e.user_id', 'e.anonymous_id', 'e.received_at', 'e.timestamp as event_timestamp', 'e.payload'])
    .where('pe.workspace_id', '=', workspaceId);
  if (after !== undefined) {
    query = query.where((eb) =>
      eb(eb.refTuple('pe.profile_id', 'pe.timestamp', 'pe.partition', 'pe.seq'), '>', eb.tuple(after.profileId, after.timestamp, after.partition, after.seq)),
    );
  }
  const rows = await query.orderBy('pe.profile_id').orderBy('pe.timestamp').orderBy('pe.partition').orderBy('pe.seq').limit(limit).execute();
  const events = rows.map((row) => ({ profileId: row.profile_id, timestamp: Number(row.timestamp), partition: row.partition, seq: Number(row.seq), type: row.type, event: row.event, payload: payloadText(row.payload, { ...row, timestamp: row.event_timestamp }) }));
  const lastRow = events.at(-1);
  return { rows: events, last: lastRow === undefined ? undefined : { profileId: lastRow.profileId, timestamp: lastRow.timestamp, partition: lastRow.partition, seq: lastRow.seq } };
}
