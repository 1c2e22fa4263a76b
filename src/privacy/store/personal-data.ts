import { sql } from 'kysely';
import { payloadColumns, payloadText } from '../../storage/payload-codec.js';
import { sha256Hex } from '../../shared/ids.js';
import type { Tx } from '../../storage/database.js';

/*
 * SQL for privacy requests: find, export and erase everything held about one person. The
 * privacy module registers one handler per owner of personal data; these are the handlers'
 * queries for the core tables (events, identities, profiles, timeline, merges, scores) and the
 * channel tables (messages, consent, suppressions, push subscriptions, inbox, coupons).
 */

export interface Subject {
  workspaceId: string;
  /** The profile and every profile merged into it. */
  profileIds: string[];
  identifiers: { type: string; value: string }[];
}

const CHUNK = 500;

function chunks<T>(values: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < values.length; start += CHUNK) result.push(values.slice(start, start + CHUNK));
  return result;
}

/** The survivor plus every profile merged into it (recursively), and their identifiers. */
export async function findSubject(db: Tx, workspaceId: string, profileId: string): Promise<Subject | undefined> {
  const root = await db.selectFrom('profiles').select(['id', 'merged_into']).where('workspace_id', '=', workspaceId).where('id', '=', profileId).executeTakeFirst();
  if (root === undefined) return undefined;
  let survivor = root.id;
  let next = root.merged_into;
  for (let depth = 0; next !== null && depth < 100; depth++) {
    survivor = next;
    const row = await db.selectFrom('profiles').select('merged_into').where('workspace_id', '=', workspaceId).where('id', '=', next).executeTakeFirst();
    next = row?.merged_into ?? null;
  }
  const ids = new Set([survivor]);
  let frontier = [survivor];
  while (frontier.length > 0) {
    const rows = await db.selectFrom('profiles').select('id').where('workspace_id', '=', workspaceId).where('merged_into', 'in', frontier).execute();
    frontier = rows.map((row) => row.id).filter((id) => !ids.has(id));
    for (const id of frontier) ids.add(id);
  }
  const profileIds = [...ids];
  const identifiers = await db.selectFrom('identities').select(['type', 'value']).where('workspace_id', '=', workspaceId).where('profile_id', 'in', profileIds).execute();
  return { workspaceId, profileIds, identifiers };
}

/** Positions of the person's events in the log (from the timeline). */
async function eventPositions(db: Tx, subject: Subject): Promise<{ partition: number; seq: number }[]> {
  const rows = await db.selectFrom('profile_events').select(['partition', 'seq']).where('workspace_id', '=', subject.workspaceId).where('profile_id', 'in', subject.profileIds).execute();
  return rows.map((row) => ({ partition: row.partition, seq: Number(row.seq) }));
}

/** Every raw event of the person, oldest first. */
export async function exportEvents(db: Tx, subject: Subject): Promise<unknown[]> {
  const positions = await eventPositions(db, subject);
  const payloads: { seq: number; partition: number; payload: string; timestamp: number }[] = [];
  for (const chunk of chunks(positions)) {
    for (const partition of new Set(chunk.map((position) => position.partition))) {
      const rows = await db
        .selectFrom('events')
        .select(['partition', 'seq', ...payloadColumns])
        .where('workspace_id', '=', subject.workspaceId)
        .where('partition', '=', partition)
        .where(
          'seq',
          'in',
          chunk.filter((position) => position.partition === partition).map((position) => position.seq),
        )
        .execute();
      payloads.push(...rows.map((row) => ({ seq: Number(row.seq), partition: row.partition, payload: payloadText(row.payload, row), timestamp: Number(row.timestamp) })));
    }
  }
  payloads.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.seq - b.seq);
  return payloads.map((row) => JSON.parse(row.payload) as unknown);
}

/** Deletes the person's events: those on their timeline and any still unprocessed with their ids. */
export async function eraseEvents(db: Tx, subject: Subject): Promise<number> {
  let deleted = 0;
  const positions = await eventPositions(db, subject);
  for (const chunk of chunks(positions)) {
    for (const partition of new Set(chunk.map((position) => position.partition))) {
      const result = await db
        .deleteFrom('events')
        .where('workspace_id', '=', subject.workspaceId)
        .where('partition', '=', partition)
        .where(
          'seq',
          'in',
          chunk.filter((position) => position.partition === partition).map((position) => position.seq),
        )
        .executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
  }
  const userIds = subject.identifiers.filter((identifier) => identifier.type === 'user_id').map((identifier) => identifier.value);
  const anonymousIds = subject.identifiers.filter((identifier) => identifier.type === 'anonymous_id').map((identifier) => identifier.value);
  for (const [column, values] of [
    ['user_id', userIds],
    ['anonymous_id', anonymousIds],
  ] as const) {
    for (const chunk of chunks(values)) {
      const result = await db.deleteFrom('events').where('workspace_id', '=', subject.workspaceId).where(column, 'in', chunk).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
  }
  return deleted;
}

type ProfileTable = 'identities' | 'profile_events' | 'profile_scores' | 'messages' | 'consent_records' | 'push_subscriptions' | 'inbox_messages';

/** Deletes a table's rows of the person's profiles. */
export async function eraseByProfile(db: Tx, table: ProfileTable, subject: Subject): Promise<number> {
  let deleted = 0;
  for (const chunk of chunks(subject.profileIds)) {
    const result = await db.deleteFrom(table).where('workspace_id', '=', subject.workspaceId).where('profile_id', 'in', chunk).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}

/** A table's rows of the person's profiles, as stored (for the export). */
export async function exportByProfile(db: Tx, table: ProfileTable, subject: Subject): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const chunk of chunks(subject.profileIds)) {
    const found = await db.selectFrom(table).selectAll().where('workspace_id', '=', subject.workspaceId).where('profile_id', 'in', chunk).execute();
    for (const row of found) {
      const { workspace_id: _workspace, ...rest } = row;
      rows.push(rest);
    }
  }
  return rows;
}

export async function eraseProfiles(db: Tx, subject: Subject): Promise<number> {
  let deleted = 0;
  for (const chunk of chunks(subject.profileIds)) {
    const merges = await db
      .deleteFrom('profile_merges')
      .where('workspace_id', '=', subject.workspaceId)
      .where((eb) => eb.or([eb('into_profile_id', 'in', chunk), eb('from_profile_id', 'in', chunk)]))
      .executeTakeFirst();
    const profiles = await db.deleteFrom('profiles').where('workspace_id', '=', subject.workspaceId).where('id', 'in', chunk).executeTakeFirst();
    deleted += Number(merges.numDeletedRows) + Number(profiles.numDeletedRows);
  }
  return deleted;
}

export async function exportProfiles(db: Tx, subject: Subject): Promise<{ profiles: unknown[]; merges: unknown[] }> {
  const profiles = await db
    .selectFrom('profiles')
    .select(['id', 'merged_into', 'created_at', 'updated_at', 'state'])
    .where('workspace_id', '=', subject.workspaceId)
    .where('id', 'in', subject.profileIds)
    .execute();
  const merges = await db
    .selectFrom('profile_merges')
    .select(['from_profile_id', 'into_profile_id', 'reason', 'identifier_type', 'identifier_value', 'merged_at'])
    .where('workspace_id', '=', subject.workspaceId)
    .where((eb) => eb.or([eb('into_profile_id', 'in', subject.profileIds), eb('from_profile_id', 'in', subject.profileIds)]))
    .execute();
  return { profiles: profiles.map((row) => ({ ...row, state: JSON.parse(row.state) as unknown })), merges };
}

/** Suppressions of the person's addresses (email, phone). */
export async function eraseSuppressions(db: Tx, subject: Subject): Promise<number> {
  const addresses = subject.identifiers.filter((identifier) => identifier.type === 'email' || identifier.type === 'phone').map((identifier) => identifier.value);
  if (addresses.length === 0) return 0;
  const result = await db.deleteFrom('suppressions').where('workspace_id', '=', subject.workspaceId).where('address', 'in', addresses).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function exportSuppressions(db: Tx, subject: Subject): Promise<unknown[]> {
  const addresses = subject.identifiers.filter((identifier) => identifier.type === 'email' || identifier.type === 'phone').map((identifier) => identifier.value);
  if (addresses.length === 0) return [];
  return db.selectFrom('suppressions').select(['channel', 'address', 'reason', 'created_at']).where('workspace_id', '=', subject.workspaceId).where('address', 'in', addresses).execute();
}

/** Coupons stay for the shop's revenue report, but no longer point at the person. */
export async function detachCoupons(db: Tx, subject: Subject): Promise<number> {
  let changed = 0;
  for (const chunk of chunks(subject.profileIds)) {
    const result = await db.updateTable('coupons').set({ profile_id: null, message_id: null }).where('workspace_id', '=', subject.workspaceId).where('profile_id', 'in', chunk).executeTakeFirst();
    changed += Number(result.numUpdatedRows);
  }
  return changed;
}

export async function exportCoupons(db: Tx, subject: Subject): Promise<unknown[]> {
  return db
    .selectFrom('coupons')
    .select(['code', 'pool_id', 'offer', 'issued_at', 'expires_at', 'redeemed_at', 'order_id', 'revenue'])
    .where('workspace_id', '=', subject.workspaceId)
    .where('profile_id', 'in', subject.profileIds)
    .execute();
}

/**
 * Earlier exports of the person hold their data: the documents are dropped. The audit rows stay,
 * with the profile id replaced by `erased_<hash>` so the audit trail no longer names anyone.
 */
export async function clearExportResults(db: Tx, subject: Subject): Promise<number> {
  let changed = 0;
  for (const profileId of subject.profileIds) {
    const result = await db
      .updateTable('privacy_jobs')
      .set((eb) => ({
        result: eb
          .case()
          .when('kind', '=', 'export')
          .then(sql<string | null>`null`)
          .else(eb.ref('result'))
          .end(),
        profile_id: `erased_${sha256Hex(profileId).slice(0, 24)}`,
      }))
      .where('workspace_id', '=', subject.workspaceId)
      .where('profile_id', '=', profileId)
      .executeTakeFirst();
    changed += Number(result.numUpdatedRows);
  }
  return changed;
}

export interface PrivacyJobRecord {
  id: string;
  kind: string;
  profileId: string;
  status: string;
  requestedBy: string;
  reason: string | null;
  result: string | null;
  error: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export async function insertPrivacyJob(db: Tx, workspaceId: string, job: PrivacyJobRecord): Promise<void> {
  await db
    .insertInto('privacy_jobs')
    .values({
      workspace_id: workspaceId,
      id: job.id,
      kind: job.kind,
      profile_id: job.profileId,
      status: job.status,
      requested_by: job.requestedBy,
      reason: job.reason,
      result: job.result,
      error: job.error,
      created_at: job.createdAt,
      finished_at: job.finishedAt,
    })
    .execute();
}

export async function updatePrivacyJob(db: Tx, workspaceId: string, id: string, changes: { status: string; result?: string | null; error?: string | null; finishedAt?: number | null }): Promise<void> {
  await db
    .updateTable('privacy_jobs')
    .set({
      status: changes.status,
      ...(changes.result === undefined ? {} : { result: changes.result }),
      ...(changes.error === undefined ? {} : { error: changes.error }),
      ...(changes.finishedAt === undefined ? {} : { finished_at: changes.finishedAt }),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

function toJob(row: {
  id: string;
  kind: string;
  profile_id: string;
  status: string;
  requested_by: string;
  reason: string | null;
  result: string | null;
  error: string | null;
  created_at: number;
  finished_at: number | null;
}): PrivacyJobRecord {
  return {
    id: row.id,
    kind: row.kind,
    profileId: row.profile_id,
    status: row.status,
    requestedBy: row.requested_by,
    reason: row.reason,
    result: row.result,
    error: row.error,
    createdAt: Number(row.created_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

export async function findPrivacyJob(db: Tx, workspaceId: string, id: string): Promise<PrivacyJobRecord | undefined> {
  const row = await db.selectFrom('privacy_jobs').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toJob(row);
}

export async function listPrivacyJobs(db: Tx, workspaceId: string, limit: number): Promise<PrivacyJobRecord[]> {
  const rows = await db.selectFrom('privacy_jobs').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').limit(limit).execute();
  return rows.map(toJob);
}

export async function insertTombstones(db: Tx, workspaceId: string, hashes: readonly string[], jobId: string, now: number): Promise<void> {
  if (hashes.length === 0) return;
  await db
    .insertInto('privacy_tombstones')
    .values(hashes.map((hash) => ({ workspace_id: workspaceId, identifier_hash: hash, job_id: jobId, created_at: now })))
    .onConflict((conflict) => conflict.columns(['workspace_id', 'identifier_hash']).doNothing())
    .execute();
}

/** Which of these identifier hashes are tombstoned. */
export async function findTombstones(db: Tx, workspaceId: string, hashes: readonly string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const found = new Set<string>();
  for (const chunk of chunks(hashes)) {
    const rows = await db.selectFrom('privacy_tombstones').select('identifier_hash').where('workspace_id', '=', workspaceId).where('identifier_hash', 'in', chunk).execute();
    for (const row of rows) found.add(row.identifier_hash);
  }
  return found;
}

export async function deleteTombstones(db: Tx, workspaceId: string, hashes: readonly string[]): Promise<number> {
  if (hashes.length === 0) return 0;
  const result = await db.deleteFrom('privacy_tombstones').where('workspace_id', '=', workspaceId).where('identifier_hash', 'in', hashes).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Workspaces with at least one tombstone (ingest checks only those). */
export async function workspacesWithTombstones(db: Tx): Promise<string[]> {
  const rows = await db.selectFrom('privacy_tombstones').select('workspace_id').distinct().execute();
  return rows.map((row) => row.workspace_id);
}

export interface RejectedEventRow {
  id: string;
  receivedAt: number;
  code: string;
  message: string;
  payload: string;
}

/**
 * One page of a workspace's quarantined (rejected) events, by id after `afterId`: the privacy
 * handler reads them all to find the person's, since a rejected payload was never resolved to
 * any profile.
 * @example const page = await readRejectedPage(db, 'ws', '', 1000);
 */
export async function readRejectedPage(db: Tx, workspaceId: string, afterId: string, limit: number): Promise<RejectedEventRow[]> {
  const rows = await db
    .selectFrom('rejected_events')
    .select(['id', 'received_at', 'code', 'message', 'payload'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ id: row.id, receivedAt: Number(row.received_at), code: row.code, message: row.message, payload: row.payload }));
}

/** Deletes quarantined events by id. @example await deleteRejected(trx, 'ws', ['rej_1']); */
export async function deleteRejected(db: Tx, workspaceId: string, ids: readonly string[]): Promise<number> {
  let deleted = 0;
  for (const chunk of chunks(ids)) {
    const result = await db.deleteFrom('rejected_events').where('workspace_id', '=', workspaceId).where('id', 'in', chunk).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}
