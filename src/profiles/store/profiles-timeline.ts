import { sql } from 'kysely';
import { isJsonObject, messageTypes, type TrackingMessage } from '../../ingest/index.js';
import { PAYLOAD_JSON_FUNCTION, payloadText } from '../../storage/payload-codec.js';
import { dialectOf, type Tx } from '../../storage/database.js';
import { bulkInsert, inList, type BulkTarget } from '../../storage/bulk.js';
import { groupBySurvivor } from '../../identity/index.js';

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
export async function moveProfileEvents(trx: Tx, workspaceId: string, moves: ReadonlyMap<string, string>): Promise<void> {
  const dialect = dialectOf(trx);
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
  return isJsonObject(value) && messageTypes.some((type) => type === value.type) && typeof value.messageId === 'string' && isJsonObject(value.context);
}

/** Which of a profile's events a timeline page shows; every part is optional and they combine with AND. */
export interface TimelineFilter {
  /** Message types (track, identify, page, screen, group, alias). */
  types?: readonly string[];
  /** Track event names: only track events with one of these names. */
  events?: readonly string[];
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
}

/**
 * A page of a profile's events, newest first, strictly older than `before` when given (keyset
 * pagination: stable while new events arrive), narrowed by `filter`. The read walks the
 * timeline's primary key (workspace, profile, timestamp, …) backwards from `to` (or `before`),
 * so a date range bounds it; types and names are checked on each event found through the
 * events primary key, so a page reads no more than the profile's own events in that range.
 */
export async function readTimeline(db: Tx, workspaceId: string, profileId: string, limit: number, before?: TimelinePosition, filter: TimelineFilter = {}): Promise<TimelineEntry[]> {
  const dialect = dialectOf(db);
  let query = db
    .selectFrom('profile_events as pe')
    .innerJoin('events as e', (join) => join.onRef('e.workspace_id', '=', 'pe.workspace_id').onRef('e.partition', '=', 'pe.partition').onRef('e.seq', '=', 'pe.seq'))
    .select(['pe.timestamp', 'pe.partition', 'pe.seq', 'e.event', 'e.type', 'e.message_id', 'e.user_id', 'e.anonymous_id', 'e.received_at', 'e.timestamp as event_timestamp', 'e.payload'])
    .where('pe.workspace_id', '=', workspaceId)
    .where('pe.profile_id', '=', profileId);
  if (before !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('pe.timestamp', '<', before.timestamp),
        eb.and([eb('pe.timestamp', '=', before.timestamp), eb.or([eb('pe.partition', '<', before.partition), eb.and([eb('pe.partition', '=', before.partition), eb('pe.seq', '<', before.seq)])])]),
      ]),
    );
  }
  if (filter.from !== undefined) query = query.where('pe.timestamp', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('pe.timestamp', '<', filter.to);
  if (filter.types !== undefined && filter.types.length > 0) query = query.where(inList(dialect, 'e.type', filter.types));
  if (filter.events !== undefined && filter.events.length > 0) query = query.where('e.type', '=', 'track').where(inList(dialect, 'e.event', filter.events));
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
    .select([
      'pe.profile_id',
      'pe.timestamp',
      'pe.partition',
      'pe.seq',
      'e.event',
      'e.type',
      'e.message_id',
      'e.user_id',
      'e.anonymous_id',
      'e.received_at',
      'e.timestamp as event_timestamp',
      'e.payload',
    ])
    .where('pe.workspace_id', '=', workspaceId);
  if (after !== undefined) {
    query = query.where((eb) => eb(eb.refTuple('pe.profile_id', 'pe.timestamp', 'pe.partition', 'pe.seq'), '>', eb.tuple(after.profileId, after.timestamp, after.partition, after.seq)));
  }
  const rows = await query.orderBy('pe.profile_id').orderBy('pe.timestamp').orderBy('pe.partition').orderBy('pe.seq').limit(limit).execute();
  const events = rows.map((row) => ({
    profileId: row.profile_id,
    timestamp: Number(row.timestamp),
    partition: row.partition,
    seq: Number(row.seq),
    type: row.type,
    event: row.event,
    payload: payloadText(row.payload, { ...row, timestamp: row.event_timestamp }),
  }));
  const lastRow = events.at(-1);
  return { rows: events, last: lastRow === undefined ? undefined : { profileId: lastRow.profileId, timestamp: lastRow.timestamp, partition: lastRow.partition, seq: lastRow.seq } };
}

// Backfills and conditions read profiles in chunks of this many ids.
const SCAN_CHUNK = 2000;

/**
 * The events each profile owns (its timeline), oldest first, optionally only those whose
 * name (track event, or `page` / `screen` / `identify`) is in `names`. Only what conditions
 * read comes back (type, event name, properties, identify traits), extracted by the database
 * rather than parsing whole payloads here: a backfill reads every event of every profile.
 */
export async function eventsOfProfiles(
  db: Tx,
  workspaceId: string,
  profileIds: readonly string[],
  names: readonly string[] | undefined,
  options: { propertiesOf?: readonly string[] } = {},
): Promise<Map<string, { timestamp: number; message: TrackingMessage }[]>> {
  const dialect = dialectOf(db);
  const result = new Map<string, { timestamp: number; message: TrackingMessage }[]>();
  const tracks = names?.filter((name) => !['page', 'screen', 'identify'].includes(name));
  const types = names?.filter((name) => ['page', 'screen', 'identify'].includes(name));
  // Parsing payloads is most of the cost: only the events whose properties a condition reads carry them.
  const withProperties = options.propertiesOf;
  // Compacted payloads (bytes, SQLite only) are read through the payload_json function.
  const payloadJson = sql`case when typeof(e.payload) = 'text' then e.payload else ${sql.raw(PAYLOAD_JSON_FUNCTION)}(e.payload) end`;
  const propertiesPath = dialect === 'sqlite' ? sql<string | null>`json_extract(${payloadJson}, '$.properties')` : sql<string | null>`(e.payload::jsonb -> 'properties')::text`;
  const wantedTracks = withProperties?.filter((name) => !['page', 'screen', 'identify'].includes(name)) ?? [];
  const wantedTypes = withProperties?.filter((name) => ['page', 'screen'].includes(name)) ?? [];
  const everyName = names !== undefined && withProperties !== undefined && names.every((name) => name === 'identify' || withProperties.includes(name));
  const properties =
    withProperties === undefined || everyName
      ? propertiesPath
      : wantedTracks.length === 0 && wantedTypes.length === 0
        ? sql<string | null>`null`
        : sql<string | null>`case when ${sql.join(
            [...(wantedTracks.length > 0 ? [sql`(e.type = 'track' and e.event in (${sql.join(wantedTracks)}))`] : []), ...(wantedTypes.length > 0 ? [sql`e.type in (${sql.join(wantedTypes)})`] : [])],
            sql` or `,
          )} then ${propertiesPath} end`;
  const traits =
    withProperties !== undefined && !withProperties.includes('identify')
      ? sql<string | null>`null`
      : dialect === 'sqlite'
        ? sql<string | null>`case when e.type = 'identify' then json_extract(${payloadJson}, '$.traits') end`
        : sql<string | null>`case when e.type = 'identify' then (e.payload::jsonb -> 'traits')::text end`;
  for (let start = 0; start < profileIds.length; start += SCAN_CHUNK) {
    let query = db
      .selectFrom('profile_events as pe')
      .innerJoin('events as e', (join) => join.onRef('e.workspace_id', '=', 'pe.workspace_id').onRef('e.partition', '=', 'pe.partition').onRef('e.seq', '=', 'pe.seq'))
      .select(['pe.profile_id', 'pe.timestamp', 'e.type', 'e.event', 'e.message_id', properties.as('properties'), traits.as('traits')])
      .where('pe.workspace_id', '=', workspaceId)
      .where(inList(dialect, 'pe.profile_id', profileIds.slice(start, start + SCAN_CHUNK)));
    if (tracks !== undefined && types !== undefined) {
      query = query.where((eb) =>
        eb.or([
          ...(tracks.length > 0 ? [eb.and([eb('e.type', '=', 'track'), inList(dialect, 'e.event', tracks)])] : []),
          ...(types.length > 0 ? [inList(dialect, 'e.type', types)] : []),
          ...(tracks.length === 0 && types.length === 0 ? [sql<boolean>`1 = 0`] : []),
        ]),
      );
    }
    const rows = await query.orderBy('pe.profile_id').orderBy('pe.timestamp').orderBy('pe.partition').orderBy('pe.seq').execute();
    for (const row of rows) {
      if (!(messageTypes as readonly string[]).includes(row.type)) throw new Error(`an event of profile ${row.profile_id} has an unknown type ${row.type}`);
      const parsedProperties: unknown = row.properties === null ? undefined : JSON.parse(row.properties);
      const parsedTraits: unknown = row.traits === null ? undefined : JSON.parse(row.traits);
      const timestamp = Number(row.timestamp);
      const iso = new Date(timestamp).toISOString();
      const message: TrackingMessage = {
        // Checked against messageTypes just above.
        type: row.type as TrackingMessage['type'],
        messageId: row.message_id,
        context: {},
        timestamp: iso,
        receivedAt: iso,
        ...(row.event === null ? {} : { event: row.event }),
        ...(isJsonObject(parsedProperties) ? { properties: parsedProperties } : {}),
        ...(isJsonObject(parsedTraits) ? { traits: parsedTraits } : {}),
      };
      const list = result.get(row.profile_id);
      const entry = { timestamp, message };
      if (list === undefined) result.set(row.profile_id, [entry]);
      else list.push(entry);
    }
  }
  return result;
}

/**
 * Timeline rows of a workspace (the denominator of the reading progress).
 * @example const total = await countTimelineRows(db, 'ws');
 */
export async function countTimelineRows(db: Tx, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('profile_events')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
