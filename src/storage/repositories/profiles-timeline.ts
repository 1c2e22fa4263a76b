import { isJsonObject, messageTypes, type TrackingMessage } from '../../ingest/message.js';
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
    .select(['pe.timestamp', 'pe.partition', 'pe.seq', 'e.payload'])
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
    const message: unknown = JSON.parse(row.payload);
    if (!isTrackingMessage(message)) throw new Error(`event ${row.partition}/${row.seq} has an unreadable payload`);
    entries.push({ timestamp: row.timestamp, partition: row.partition, seq: row.seq, message });
  }
  return entries;
}

export async function countProfileEvents(db: Tx, workspaceId: string, profileId: string): Promise<number> {
  const row = await db
    .selectFrom('profile_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('profile_id', '=', profileId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
