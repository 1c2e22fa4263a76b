import { sql, type RawBuilder } from 'kysely';
import { isJsonObject } from '../../ingest/index.js';
import { dialectOf, type Database, type Tx } from '../../storage/database.js';
import type { ProfileState } from '../state.js';
import { groupBySurvivor } from '../../identity/index.js';
import { bulkInsert, inList, prepared, type BulkTarget } from '../../storage/bulk.js';

/*
 * Profile rows and the merge log. The `state` column holds `{ ids, state }`: the profile's
 * non-anonymous identifiers (what the identity rules need to decide a merge without reading
 * every identity) and the unified profile state.
 */

export interface StoredProfile {
  id: string;
  mergedInto: string | null;
  /** Event time of the first event. */
  createdAt: number;
  updatedAt: number;
  /** Identifier values by type, anonymous ids excluded. */
  ids: Record<string, string[]>;
  state: ProfileState;
}

export interface MergeRow {
  id: string;
  into: string;
  from: string;
  reason: string;
  identifierType: string;
  identifierValue: string;
  messageId: string;
  mergedAt: number;
}

interface StoredDocument {
  ids: Record<string, string[]>;
  state: ProfileState;
}

// Narrow adapter: the processor is the only writer of this column, so a version and shape check suffices.
function isStoredDocument(value: unknown): value is StoredDocument {
  return isJsonObject(value) && isJsonObject(value.ids) && isJsonObject(value.state) && value.state.v === 1;
}

function decode(id: string, text: string): StoredDocument {
  const value: unknown = JSON.parse(text);
  if (!isStoredDocument(value)) throw new Error(`profile ${id} has an unreadable state document`);
  return value;
}

// Bound values a statement: merges 9 a row; SQLite allows 32766.
const MERGE_CHUNK = 3000;
const IN_CHUNK = 5000;

/**
 * Profiles by id. With `forUpdate` (PostgreSQL only) the rows stay locked until the transaction
 * ends, so two workers never both rewrite one profile from a stale copy.
 */
export async function loadProfiles(db: Tx, workspaceId: string, ids: readonly string[], options: { forUpdate?: boolean } = {}): Promise<StoredProfile[]> {
  const dialect = dialectOf(db);
  const unique = [...new Set(ids)].sort();
  const result: StoredProfile[] = [];
  for (let start = 0; start < unique.length; start += IN_CHUNK) {
    let query = db
      .selectFrom('profiles')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where(inList(dialect, 'id', unique.slice(start, start + IN_CHUNK)))
      .orderBy('id');
    // SQLite has no row locks: its write transaction already excludes every other writer.
    if (options.forUpdate === true && dialect === 'postgres') query = query.forUpdate();
    for (const row of await query.execute()) {
      const document = decode(row.id, row.state);
      result.push({ id: row.id, mergedInto: row.merged_into, createdAt: row.created_at, updatedAt: row.updated_at, ids: document.ids, state: document.state });
    }
  }
  return result;
}

/** Inserts or rewrites profiles; call inside `Database.transaction`. */
export async function upsertProfiles(trx: Tx, target: BulkTarget, workspaceId: string, profiles: readonly StoredProfile[]): Promise<void> {
  await bulkInsert(
    trx,
    target,
    'profiles',
    ['workspace_id', 'id', 'merged_into', 'created_at', 'updated_at', 'state'],
    profiles.map((profile) => [workspaceId, profile.id, profile.mergedInto, profile.createdAt, profile.updatedAt, JSON.stringify({ ids: profile.ids, state: profile.state })]),
    'on conflict (workspace_id, id) do update set merged_into = excluded.merged_into, created_at = excluded.created_at, ' + 'updated_at = excluded.updated_at, state = excluded.state',
  );
}

/** Profiles that were merged into a loser now point at the loser's survivor (keeps chains one hop long). */
export async function redirectMerged(trx: Tx, workspaceId: string, moves: ReadonlyMap<string, string>): Promise<void> {
  const dialect = dialectOf(trx);
  for (const [into, froms] of groupBySurvivor(moves)) {
    for (let start = 0; start < froms.length; start += IN_CHUNK) {
      await trx
        .updateTable('profiles')
        .set({ merged_into: into })
        .where('workspace_id', '=', workspaceId)
        .where(inList(dialect, 'merged_into', froms.slice(start, start + IN_CHUNK)))
        .execute();
    }
  }
}

/** Ids of the profiles merged into `profileId` (directly; merges keep chains one hop long). */
export async function listMergedFrom(db: Tx, workspaceId: string, profileId: string): Promise<string[]> {
  // Sorted here, not by `order by id`: with it SQLite walked the primary key over every profile of
  // the workspace to skip a sort (1 ms a call at 2,000 profiles, linear in their number) instead of
  // the `(workspace_id, merged_into)` index, which finds the few merged-away rows directly.
  const rows = await db.selectFrom('profiles').select('id').where('workspace_id', '=', workspaceId).where('merged_into', '=', profileId).execute();
  return rows.map((row) => row.id).sort();
}

export async function insertMerges(trx: Tx, workspaceId: string, merges: readonly MergeRow[]): Promise<void> {
  for (let start = 0; start < merges.length; start += MERGE_CHUNK) {
    const values = merges.slice(start, start + MERGE_CHUNK).map((merge) => ({
      workspace_id: workspaceId,
      id: merge.id,
      into_profile_id: merge.into,
      from_profile_id: merge.from,
      reason: merge.reason,
      identifier_type: merge.identifierType,
      identifier_value: merge.identifierValue,
      message_id: merge.messageId,
      merged_at: merge.mergedAt,
    }));
    await trx.insertInto('profile_merges').values(values).execute();
  }
}

/** Merges that involve any of the given profiles, oldest first. */
export async function listMerges(db: Tx, workspaceId: string, profileIds: readonly string[]): Promise<MergeRow[]> {
  if (profileIds.length === 0) return [];
  const ids = [...new Set(profileIds)];
  const rows = await db
    .selectFrom('profile_merges')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('into_profile_id', 'in', ids), eb('from_profile_id', 'in', ids)]))
    .orderBy('merged_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    into: row.into_profile_id,
    from: row.from_profile_id,
    reason: row.reason,
    identifierType: row.identifier_type,
    identifierValue: row.identifier_value,
    messageId: row.message_id,
    mergedAt: row.merged_at,
  }));
}

export interface ProfileHead {
  mergedInto: string | null;
  updatedAt: number;
}

/** One profile's merge pointer and version (`updated_at`), without its state document: the cheap freshness check. */
export async function loadProfileHead(db: Tx, workspaceId: string, id: string): Promise<ProfileHead | undefined> {
  const row = await db.selectFrom('profiles').select(['merged_into', 'updated_at']).where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : { mergedInto: row.merged_into, updatedAt: row.updated_at };
}

const HEAD_SQL = 'select merged_into, updated_at from profiles where workspace_id = ? and id = ?';

/**
 * `loadProfileHead` for a per-request freshness check. On SQLite it runs one statement prepared
 * once on the raw handle, synchronously: through the query builder the read cost 100-150 µs
 * (building, compiling, the connection's mutex and its promises) against 4-15 µs for the
 * statement itself, and it is the only read of a visitor-endpoint cache hit. A committed row is
 * all it needs, so it does not queue behind a transaction holding the connection (at worst it
 * sees that transaction's own write, which moves the version and only costs a cache miss). If the
 * statement cannot run now (an open iterator on the connection, a busy lock), the builder's
 * query runs instead. On PostgreSQL it is `loadProfileHead`.
 * @example const head = profileHeadReader(database); await head('ws', 'prf_1'); // { mergedInto: null, updatedAt: 1733… }
 */
export function profileHeadReader(database: Pick<Database, 'db' | 'sqlite'>): (workspaceId: string, id: string) => Promise<ProfileHead | undefined> {
  const handle = database.sqlite;
  if (handle === undefined) return (workspaceId, id) => loadProfileHead(database.db, workspaceId, id);
  return async (workspaceId, id) => {
    let row: unknown;
    try {
      row = prepared(handle, HEAD_SQL).get(workspaceId, id);
    } catch {
      return loadProfileHead(database.db, workspaceId, id);
    }
    if (row === undefined) return undefined;
    const mergedInto: unknown = typeof row === 'object' && row !== null ? Reflect.get(row, 'merged_into') : undefined;
    const updatedAt: unknown = typeof row === 'object' && row !== null ? Reflect.get(row, 'updated_at') : undefined;
    if ((mergedInto !== null && typeof mergedInto !== 'string') || typeof updatedAt !== 'number') return loadProfileHead(database.db, workspaceId, id);
    return { mergedInto, updatedAt };
  };
}

/** `updated_at` of each existing profile among `ids`: the version an optimistic writer checks. */
export async function profileVersions(db: Tx, workspaceId: string, ids: readonly string[]): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  const unique = [...new Set(ids)];
  for (let start = 0; start < unique.length; start += IN_CHUNK) {
    const rows = await db
      .selectFrom('profiles')
      .select(['id', 'updated_at'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', unique.slice(start, start + IN_CHUNK))
      .execute();
    for (const row of rows) versions.set(row.id, row.updated_at);
  }
  return versions;
}

/** Ids of surviving (not merged-away) profiles after `afterId`, in id order (keyset pagination). */
export async function listProfileIds(db: Tx, workspaceId: string, afterId: string | undefined, limit: number): Promise<string[]> {
  let query = db.selectFrom('profiles').select('id').where('workspace_id', '=', workspaceId).where('merged_into', 'is', null);
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map((row) => row.id);
}

// Backfills and conditions read profiles in chunks of this many ids.
const SCAN_CHUNK = 2000;

/**
 * Ids and survivors of profiles, locked until the transaction ends on PostgreSQL (the order the
 * processor locks them in), without reading their state: for conditions that do not need it.
 */
export async function lockProfiles(db: Tx, workspaceId: string, profileIds: readonly string[]): Promise<{ id: string; mergedInto: string | null }[]> {
  const dialect = dialectOf(db);
  const result: { id: string; mergedInto: string | null }[] = [];
  const unique = [...new Set(profileIds)].sort();
  for (let start = 0; start < unique.length; start += SCAN_CHUNK) {
    let query = db
      .selectFrom('profiles')
      .select(['id', 'merged_into'])
      .where('workspace_id', '=', workspaceId)
      .where(inList(dialect, 'id', unique.slice(start, start + SCAN_CHUNK)))
      .orderBy('id');
    if (dialect === 'postgres') query = query.forUpdate();
    for (const row of await query.execute()) result.push({ id: row.id, mergedInto: row.merged_into });
  }
  return result;
}

export async function countLiveProfiles(db: Tx, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('profiles')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('merged_into', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The id column compared in byte order, as JavaScript compares strings (SQLite's default). */
function byteOrderedId(db: Tx): RawBuilder<string> {
  return dialectOf(db) === 'postgres' ? sql<string>`id collate "C"` : sql<string>`id`;
}

/** Ids of the profiles of a workspace that were not merged away. */
function survivorIds(db: Tx, workspaceId: string) {
  return db.selectFrom('profiles').select('id').where('workspace_id', '=', workspaceId).where('merged_into', 'is', null);
}

/**
 * Surviving profile ids after `after` in byte order (`collate "C"` on PostgreSQL, so the order
 * matches JavaScript's string comparison, which the processor uses to tell backfilled profiles).
 */
export async function profileIdsAfter(db: Tx, workspaceId: string, after: string, limit: number): Promise<string[]> {
  const id = byteOrderedId(db);
  const rows = await survivorIds(db, workspaceId).where(id, '>', after).orderBy(id).limit(limit).execute();
  return rows.map((row) => row.id);
}

/** The greatest surviving profile id below `before` in the same byte order, other than `excluded`. */
export async function survivingProfileIdBefore(db: Tx, workspaceId: string, before: string, excluded: readonly string[]): Promise<string | undefined> {
  const id = byteOrderedId(db);
  const row = await survivorIds(db, workspaceId)
    .where(id, '<', before)
    .where('id', 'not in', [...excluded])
    .orderBy(id, 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}

/**
 * The greatest profile id below `before` that is not one of `excluding`, or undefined: the
 * position a scan over profile ids can resume from once `before` is gone.
 * @example await profileIdBefore(trx, 'ws', 'prf_m', ['prf_m']) // 'prf_k'
 */
export async function profileIdBefore(db: Tx, workspaceId: string, before: string, excluding: readonly string[]): Promise<string | undefined> {
  let query = db.selectFrom('profiles').select('id').where('workspace_id', '=', workspaceId).where('id', '<', before);
  if (excluding.length > 0) query = query.where('id', 'not in', [...excluding]);
  const row = await query.orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row?.id;
}

/** Deletes a workspace's profiles, their timelines and merge log (a replay derives them again). */
export async function deleteWorkspaceProfiles(trx: Tx, workspaceId: string): Promise<void> {
  await trx.deleteFrom('profile_events').where('workspace_id', '=', workspaceId).execute();
  await trx.deleteFrom('profile_merges').where('workspace_id', '=', workspaceId).execute();
  await trx.deleteFrom('profiles').where('workspace_id', '=', workspaceId).execute();
}
