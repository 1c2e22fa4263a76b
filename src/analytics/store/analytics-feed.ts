import type { Tx } from '../../storage/database.js';
import { payloadColumns, payloadText } from '../../storage/payload-codec.js';

/*
 * What the analytics replica reads from the state store: processed events with the profile that
 * owns each one now, and profiles changed since its last pass (a merge moves events).
 */

export interface FeedEvent {
  partition: number;
  seq: number;
  /** null when processing set the event aside (it has no profile). */
  profileId: string | null;
  type: string;
  event: string | null;
  timestamp: number;
  receivedAt: number;
  payload: string;
}

/**
 * Events of one partition in (afterSeq, upToSeq], in sequence order, each with its profile.
 * Call with `upToSeq` at most the processor's cursor: only processed events have a profile.
 * @example const page = await readFeedEvents(db, 'ws', 0, 0, 5000, 2000);
 */
export async function readFeedEvents(db: Tx, workspaceId: string, partition: number, afterSeq: number, upToSeq: number, limit: number): Promise<FeedEvent[]> {
  const rows = await db
    .selectFrom('events')
    .select(['partition', 'seq', ...payloadColumns])
    .where('workspace_id', '=', workspaceId)
    .where('partition', '=', partition)
    .where('seq', '>', afterSeq)
    .where('seq', '<=', upToSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  const last = rows.at(-1);
  if (last === undefined) return [];
  // A second range read instead of a join: SQLite would join through the primary key
  // (workspace, profile, ...) and scan a workspace's whole timeline for every event.
  const owners = await db
    .selectFrom('profile_events')
    .select(['seq', 'profile_id'])
    .where('workspace_id', '=', workspaceId)
    .where('partition', '=', partition)
    .where('seq', '>', afterSeq)
    .where('seq', '<=', last.seq)
    .execute();
  const ownerOf = new Map(owners.map((row) => [Number(row.seq), row.profile_id]));
  return rows.map((row) => ({
    partition: row.partition,
    seq: row.seq,
    profileId: ownerOf.get(Number(row.seq)) ?? null,
    type: row.type,
    event: row.event,
    timestamp: row.timestamp,
    receivedAt: row.received_at,
    payload: payloadText(row.payload, row),
  }));
}

export interface FeedProfile {
  workspaceId: string;
  id: string;
  mergedInto: string | null;
  createdAt: number;
  updatedAt: number;
  /** The stored `{ ids, state }` document. */
  document: string;
}

/**
 * Profiles after the position (afterUpdatedAt, afterId) in (updated_at, id) order, oldest first
 * (keyset pagination). One row-value range on the index `profiles_update_position`: the OR form
 * of the same condition scanned and sorted every later profile on PostgreSQL.
 * @example const page = await readChangedProfiles(db, 0, '', 1000);
 */
export async function readChangedProfiles(db: Tx, afterUpdatedAt: number, afterId: string, limit: number): Promise<FeedProfile[]> {
  const rows = await db
    .selectFrom('profiles')
    .select(['workspace_id', 'id', 'merged_into', 'created_at', 'updated_at', 'state'])
    .where((eb) => eb(eb.refTuple('updated_at', 'id'), '>', eb.tuple(afterUpdatedAt, afterId)))
    .orderBy('updated_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    workspaceId: row.workspace_id,
    id: row.id,
    mergedInto: row.merged_into,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    document: row.state,
  }));
}

/** A profile's position and merge target, without its document: what tells a pass whether it changed. */
export interface FeedProfileStamp {
  workspaceId: string;
  id: string;
  mergedInto: string | null;
  updatedAt: number;
}

/**
 * Like `readChangedProfiles` but without the documents: the replica re-reads a window of recent
 * profiles on every pass, and most of them it has already applied, so it reads their stamps
 * first and the documents of the others only (`readProfiles`).
 * @example const stamps = await readChangedProfileStamps(db, 0, '', 250);
 */
export async function readChangedProfileStamps(db: Tx, afterUpdatedAt: number, afterId: string, limit: number): Promise<FeedProfileStamp[]> {
  const rows = await db
    .selectFrom('profiles')
    .select(['workspace_id', 'id', 'merged_into', 'updated_at'])
    .where((eb) => eb(eb.refTuple('updated_at', 'id'), '>', eb.tuple(afterUpdatedAt, afterId)))
    .orderBy('updated_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ workspaceId: row.workspace_id, id: row.id, mergedInto: row.merged_into, updatedAt: row.updated_at }));
}

/**
 * These profiles as they are now (a deleted one is left out), one query per workspace and 500 ids.
 * @example const page = await readProfiles(db, [{ workspaceId: 'ws', id: 'prf_1' }]);
 */
export async function readProfiles(db: Tx, keys: readonly { workspaceId: string; id: string }[]): Promise<FeedProfile[]> {
  const byWorkspace = new Map<string, string[]>();
  for (const key of keys) {
    const ids = byWorkspace.get(key.workspaceId);
    if (ids === undefined) byWorkspace.set(key.workspaceId, [key.id]);
    else ids.push(key.id);
  }
  const profiles: FeedProfile[] = [];
  for (const [workspaceId, ids] of byWorkspace) {
    for (let start = 0; start < ids.length; start += 500) {
      const rows = await db
        .selectFrom('profiles')
        .select(['workspace_id', 'id', 'merged_into', 'created_at', 'updated_at', 'state'])
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', ids.slice(start, start + 500))
        .execute();
      for (const row of rows) profiles.push({ workspaceId: row.workspace_id, id: row.id, mergedInto: row.merged_into, createdAt: row.created_at, updatedAt: row.updated_at, document: row.state });
    }
  }
  return profiles;
}

/**
 * Number of profiles that carry a score key (the maturity assessment asks whether RFM is in use).
 * @example await countScored(db, 'ws', 'rfm_group');
 */
export async function countScored(db: Tx, workspaceId: string, key: string): Promise<number> {
  const row = await db
    .selectFrom('profile_scores')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Erasures done so far (all workspaces): when the count moves, the replica looks for profiles
 * it holds that the state store no longer has (an erasure made by another process).
 * @example const erasures = await countErasures(db);
 */
export async function countErasures(db: Tx): Promise<number> {
  const row = await db
    .selectFrom('privacy_jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kind', '=', 'erase')
    .where('status', 'in', ['done', 'failed'])
    .where('result', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Which of these profile ids (any number) exist in the state store.
 * @example const kept = await existingProfileIds(db, 'ws', ids);
 */
export async function existingProfileIds(db: Tx, workspaceId: string, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let start = 0; start < ids.length; start += 500) {
    const rows = await db
      .selectFrom('profiles')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', ids.slice(start, start + 500))
      .execute();
    for (const row of rows) found.add(row.id);
  }
  return found;
}
