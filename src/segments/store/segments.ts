import { sql } from 'kysely';
import { dialectOf, type Tx } from '../../storage/database.js';
import type { SegmentsTable } from './tables.js';
import { bulkInsert, inList, prepared, type BulkTarget } from '../../storage/bulk.js';

/*
 * Segment definitions and everything derived from them: membership (one row per member),
 * history of entries and exits, the per-profile event statistics conditions read, the due
 * times of time-window re-checks, and the webhook outbox.
 */

export interface SegmentRecord {
  id: string;
  name: string;
  description: string;
  kind: 'dynamic' | 'static';
  /** JSON text of the condition (dynamic segments). */
  condition: string | null;
  version: number;
  status: 'backfilling' | 'live' | 'failed';
  backfillCursor: string;
  backfillTotal: number;
  backfillDone: number;
  backfillError: string | null;
  backfillStartedAt: number | null;
  backfillFinishedAt: number | null;
  /** JSON text of the webhook destination. */
  destination: string | null;
  createdAt: number;
  updatedAt: number;
}

type Row = Omit<SegmentsTable, 'workspace_id'>;

function toRecord(row: Row): SegmentRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    kind: row.kind === 'static' ? 'static' : 'dynamic',
    condition: row.condition,
    version: Number(row.version),
    status: row.status === 'live' ? 'live' : row.status === 'failed' ? 'failed' : 'backfilling',
    backfillCursor: row.backfill_cursor,
    backfillTotal: Number(row.backfill_total),
    backfillDone: Number(row.backfill_done),
    backfillError: row.backfill_error,
    backfillStartedAt: row.backfill_started_at === null ? null : Number(row.backfill_started_at),
    backfillFinishedAt: row.backfill_finished_at === null ? null : Number(row.backfill_finished_at),
    destination: row.destination,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

const columns = [
  'id',
  'name',
  'description',
  'kind',
  'condition',
  'version',
  'status',
  'backfill_cursor',
  'backfill_total',
  'backfill_done',
  'backfill_error',
  'backfill_started_at',
  'backfill_finished_at',
  'destination',
  'created_at',
  'updated_at',
] as const;

export async function insertSegment(db: Tx, workspaceId: string, record: SegmentRecord): Promise<void> {
  await db
    .insertInto('segments')
    .values({
      workspace_id: workspaceId,
      id: record.id,
      name: record.name,
      description: record.description,
      kind: record.kind,
      condition: record.condition,
      version: record.version,
      status: record.status,
      backfill_cursor: record.backfillCursor,
      backfill_total: record.backfillTotal,
      backfill_done: record.backfillDone,
      backfill_error: record.backfillError,
      backfill_started_at: record.backfillStartedAt,
      backfill_finished_at: record.backfillFinishedAt,
      destination: record.destination,
      created_at: record.createdAt,
      updated_at: record.updatedAt,
    })
    .execute();
}

/**
 * Replaces a segment's definition; a new version restarts its backfill. With `expectedUpdatedAt`
 * the row changes only if nobody saved it since (compare-and-set); false when someone did.
 */
export async function updateSegment(db: Tx, workspaceId: string, record: SegmentRecord, expectedUpdatedAt?: number): Promise<boolean> {
  let query = db
    .updateTable('segments')
    .set({
      name: record.name,
      description: record.description,
      condition: record.condition,
      version: record.version,
      status: record.status,
      backfill_cursor: record.backfillCursor,
      backfill_total: record.backfillTotal,
      backfill_done: record.backfillDone,
      backfill_error: record.backfillError,
      backfill_started_at: record.backfillStartedAt,
      backfill_finished_at: record.backfillFinishedAt,
      destination: record.destination,
      updated_at: record.updatedAt,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', record.id);
  if (expectedUpdatedAt !== undefined) query = query.where('updated_at', '=', expectedUpdatedAt);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** One segment; `forUpdate` (PostgreSQL) locks its row until the transaction ends, so two backfill runners take turns. */
export async function getSegment(db: Tx, workspaceId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<SegmentRecord | undefined> {
  let query = db.selectFrom('segments').select(columns).where('workspace_id', '=', workspaceId).where('id', '=', id);
  if (options.forUpdate === true && dialectOf(db) === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

export async function listSegments(db: Tx, workspaceId: string): Promise<SegmentRecord[]> {
  const rows = await db.selectFrom('segments').select(columns).where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toRecord);
}

/** Deletes a segment and everything derived from it. */
export async function deleteSegment(db: Tx, workspaceId: string, id: string): Promise<void> {
  for (const table of ['segment_members', 'segment_history', 'segment_due', 'segment_deliveries'] as const) {
    await db.deleteFrom(table).where('workspace_id', '=', workspaceId).where('segment_id', '=', id).execute();
  }
  await db.deleteFrom('segments').where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

/** Records backfill progress, only while the segment is still at `version` (an edit restarts it). */
export async function recordBackfill(
  db: Tx,
  workspaceId: string,
  id: string,
  version: number,
  progress: { cursor: string; done: number; total?: number; status?: SegmentRecord['status']; error?: string | null; finishedAt?: number | null },
): Promise<boolean> {
  const result = await db
    .updateTable('segments')
    .set({
      backfill_cursor: progress.cursor,
      backfill_done: progress.done,
      ...(progress.total === undefined ? {} : { backfill_total: progress.total }),
      ...(progress.status === undefined ? {} : { status: progress.status }),
      ...(progress.error === undefined ? {} : { backfill_error: progress.error }),
      ...(progress.finishedAt === undefined ? {} : { backfill_finished_at: progress.finishedAt }),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ---- membership ----

export interface MemberRow {
  segmentId: string;
  profileId: string;
  enteredAt: number;
}

const IN_CHUNK = 2000;

/**
 * Deletes rows by a composite text key inside the caller's transaction: on SQLite one cached
 * prepared statement run per row on the raw handle (microseconds each); on PostgreSQL one
 * statement over unnest()ed arrays, whatever the number of rows.
 */
async function deleteByKeys(db: Tx, target: BulkTarget, table: string, columns: readonly string[], rows: readonly (readonly string[])[]): Promise<void> {
  if (rows.length === 0) return;
  if (target.dialect === 'sqlite' && target.sqlite !== undefined) {
    const statement = prepared(target.sqlite, `delete from "${table}" where ${columns.map((column) => `"${column}" = ?`).join(' and ')}`);
    for (const row of rows) statement.run(...row);
    return;
  }
  const arrays = columns.map((_, index) => sql`${rows.map((row) => row[index] ?? '')}::text[]`);
  await sql`delete from ${sql.table(table)} where (${sql.join(columns.map((column) => sql.ref(column)))}) in (select * from unnest(${sql.join(arrays)}))`.execute(db);
}

/**
 * Segments each profile is a member of. On SQLite the profile index is named: without
 * statistics the planner preferred the primary key (segment first) and scanned the workspace.
 */
export async function membershipsOf(db: Tx, workspaceId: string, profileIds: readonly string[]): Promise<Map<string, Set<string>>> {
  const dialect = dialectOf(db);
  const result = new Map<string, Set<string>>();
  for (let start = 0; start < profileIds.length; start += IN_CHUNK) {
    const chunk = profileIds.slice(start, start + IN_CHUNK);
    const query =
      dialect === 'sqlite'
        ? sql<{
            segment_id: string;
            profile_id: string;
          }>`select segment_id, profile_id from segment_members indexed by segment_members_by_profile where workspace_id = ${workspaceId} and profile_id in (select value from json_each(${JSON.stringify(chunk)}))`
        : sql<{ segment_id: string; profile_id: string }>`select segment_id, profile_id from segment_members where workspace_id = ${workspaceId} and profile_id = any(${chunk}::text[])`;
    const { rows } = await query.execute(db);
    for (const row of rows) {
      const set = result.get(row.profile_id);
      if (set === undefined) result.set(row.profile_id, new Set([row.segment_id]));
      else set.add(row.segment_id);
    }
  }
  return result;
}

export async function insertMembers(db: Tx, target: BulkTarget, workspaceId: string, rows: readonly MemberRow[]): Promise<void> {
  await bulkInsert(
    db,
    target,
    'segment_members',
    ['workspace_id', 'segment_id', 'profile_id', 'entered_at'],
    rows.map((row) => [workspaceId, row.segmentId, row.profileId, row.enteredAt]),
    'on conflict do nothing',
  );
}

export async function deleteMembers(db: Tx, target: BulkTarget, workspaceId: string, rows: readonly { segmentId: string; profileId: string }[]): Promise<void> {
  await deleteByKeys(
    db,
    target,
    'segment_members',
    ['workspace_id', 'segment_id', 'profile_id'],
    rows.map((row) => [workspaceId, row.segmentId, row.profileId]),
  );
}

/** A page of a segment's members in profile id order (keyset pagination). */
export async function listMembers(db: Tx, workspaceId: string, segmentId: string, after: string | undefined, limit: number): Promise<MemberRow[]> {
  let query = db.selectFrom('segment_members').select(['profile_id', 'entered_at']).where('workspace_id', '=', workspaceId).where('segment_id', '=', segmentId);
  if (after !== undefined) query = query.where('profile_id', '>', after);
  const rows = await query.orderBy('profile_id').limit(limit).execute();
  return rows.map((row) => ({ segmentId, profileId: row.profile_id, enteredAt: Number(row.entered_at) }));
}

export async function countMembers(db: Tx, workspaceId: string, segmentIds: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (segmentIds.length === 0) return counts;
  const rows = await db
    .selectFrom('segment_members')
    .select(['segment_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('segment_id', 'in', [...segmentIds])
    .groupBy('segment_id')
    .execute();
  for (const row of rows) counts.set(row.segment_id, Number(row.n));
  return counts;
}

/** Segments that have this profile as a member, with the entry time. */
export async function segmentsOfProfile(db: Tx, workspaceId: string, profileId: string): Promise<MemberRow[]> {
  const rows = await db.selectFrom('segment_members').select(['segment_id', 'entered_at']).where('workspace_id', '=', workspaceId).where('profile_id', '=', profileId).orderBy('segment_id').execute();
  return rows.map((row) => ({ segmentId: row.segment_id, profileId, enteredAt: Number(row.entered_at) }));
}

// ---- history ----

export interface HistoryRow {
  id: string;
  segmentId: string;
  profileId: string;
  kind: 'entered' | 'exited';
  at: number;
}

export async function insertHistory(db: Tx, target: BulkTarget, workspaceId: string, rows: readonly HistoryRow[]): Promise<void> {
  await bulkInsert(
    db,
    target,
    'segment_history',
    ['workspace_id', 'id', 'segment_id', 'profile_id', 'kind', 'at'],
    rows.map((row) => [workspaceId, row.id, row.segmentId, row.profileId, row.kind, row.at]),
  );
}

export async function historyOf(db: Tx, workspaceId: string, filter: { profileId?: string; segmentId?: string }, limit: number): Promise<HistoryRow[]> {
  let query = db.selectFrom('segment_history').select(['id', 'segment_id', 'profile_id', 'kind', 'at']).where('workspace_id', '=', workspaceId);
  if (filter.profileId !== undefined) query = query.where('profile_id', '=', filter.profileId);
  if (filter.segmentId !== undefined) query = query.where('segment_id', '=', filter.segmentId);
  const rows = await query.orderBy('at', 'desc').orderBy('id').limit(limit).execute();
  return rows.map((row) => ({ id: row.id, segmentId: row.segment_id, profileId: row.profile_id, kind: row.kind === 'exited' ? 'exited' : 'entered', at: Number(row.at) }));
}

/** Entries and exits per bucket of `bucketMs` since `from` (bucket start times). */
export async function historyCounts(db: Tx, workspaceId: string, segmentId: string, from: number, bucketMs: number): Promise<{ bucket: number; entered: number; exited: number }[]> {
  // Literals, not parameters: PostgreSQL must see the grouped expression and the selected one as equal.
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(bucketMs)) throw new Error('historyCounts: from and bucketMs must be integers');
  const bucket = sql<number>`(${sql.ref('at')} - ${sql.lit(from)}) / ${sql.lit(bucketMs)}`;
  const rows = await db
    .selectFrom('segment_history')
    .select([bucket.as('b'), 'kind', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('segment_id', '=', segmentId)
    .where('at', '>=', from)
    .groupBy([bucket, 'kind'])
    .execute();
  const byBucket = new Map<number, { bucket: number; entered: number; exited: number }>();
  for (const row of rows) {
    const index = Math.floor(Number(row.b));
    const start = from + index * bucketMs;
    const entry = byBucket.get(start) ?? { bucket: start, entered: 0, exited: 0 };
    if (row.kind === 'entered') entry.entered += Number(row.n);
    else entry.exited += Number(row.n);
    byBucket.set(start, entry);
  }
  return [...byBucket.values()].sort((a, b) => a.bucket - b.bucket);
}

/** Net entries minus exits before `before` (the member count at that time). */
export async function netMembersBefore(db: Tx, workspaceId: string, segmentId: string, before: number): Promise<number> {
  const rows = await db
    .selectFrom('segment_history')
    .select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('segment_id', '=', segmentId)
    .where('at', '<', before)
    .groupBy('kind')
    .execute();
  let net = 0;
  for (const row of rows) net += row.kind === 'entered' ? Number(row.n) : -Number(row.n);
  return net;
}

// ---- per-profile condition state ----

export async function loadSegmentStates(db: Tx, workspaceId: string, profileIds: readonly string[]): Promise<Map<string, string>> {
  const dialect = dialectOf(db);
  const result = new Map<string, string>();
  for (let start = 0; start < profileIds.length; start += IN_CHUNK) {
    const rows = await db
      .selectFrom('segment_profile_state')
      .select(['profile_id', 'stats'])
      .where('workspace_id', '=', workspaceId)
      .where(inList(dialect, 'profile_id', profileIds.slice(start, start + IN_CHUNK)))
      .execute();
    for (const row of rows) result.set(row.profile_id, row.stats);
  }
  return result;
}

export async function upsertSegmentStates(db: Tx, target: BulkTarget, workspaceId: string, rows: readonly { profileId: string; stats: string }[]): Promise<void> {
  await bulkInsert(
    db,
    target,
    'segment_profile_state',
    ['workspace_id', 'profile_id', 'stats'],
    rows.map((row) => [workspaceId, row.profileId, row.stats]),
    'on conflict (workspace_id, profile_id) do update set stats = excluded.stats',
  );
}

export async function deleteSegmentStates(db: Tx, workspaceId: string, profileIds: readonly string[]): Promise<void> {
  const dialect = dialectOf(db);
  for (let start = 0; start < profileIds.length; start += IN_CHUNK) {
    await db
      .deleteFrom('segment_profile_state')
      .where('workspace_id', '=', workspaceId)
      .where(inList(dialect, 'profile_id', profileIds.slice(start, start + IN_CHUNK)))
      .execute();
  }
}

// ---- due times ----

export interface DueRow {
  workspaceId: string;
  segmentId: string;
  profileId: string;
  dueAt: number;
}

export async function upsertDue(db: Tx, target: BulkTarget, rows: readonly DueRow[]): Promise<void> {
  await bulkInsert(
    db,
    target,
    'segment_due',
    ['workspace_id', 'segment_id', 'profile_id', 'due_at'],
    rows.map((row) => [row.workspaceId, row.segmentId, row.profileId, row.dueAt]),
    'on conflict (workspace_id, profile_id, segment_id) do update set due_at = excluded.due_at',
  );
}

export async function deleteDue(db: Tx, target: BulkTarget, rows: readonly { workspaceId: string; segmentId: string; profileId: string }[]): Promise<void> {
  await deleteByKeys(
    db,
    target,
    'segment_due',
    ['workspace_id', 'profile_id', 'segment_id'],
    rows.map((row) => [row.workspaceId, row.profileId, row.segmentId]),
  );
}

/** Scheduled due times of some profiles, by profile (the earliest when a profile has several rows). */
export async function dueOfProfiles(db: Tx, workspaceId: string, profileIds: readonly string[]): Promise<Map<string, number>> {
  const dialect = dialectOf(db);
  const result = new Map<string, number>();
  for (let start = 0; start < profileIds.length; start += IN_CHUNK) {
    const rows = await db
      .selectFrom('segment_due')
      .select(['segment_id', 'profile_id', 'due_at'])
      .where('workspace_id', '=', workspaceId)
      .where(inList(dialect, 'profile_id', profileIds.slice(start, start + IN_CHUNK)))
      .execute();
    for (const row of rows) result.set(row.profile_id, Math.min(Number(row.due_at), result.get(row.profile_id) ?? Number.POSITIVE_INFINITY));
  }
  return result;
}

/** The earliest due time, or undefined when nothing is scheduled. */
export async function nextDueAt(db: Tx): Promise<number | undefined> {
  const row = await db
    .selectFrom('segment_due')
    .select((eb) => eb.fn.min('due_at').as('at'))
    .executeTakeFirst();
  return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
}

// ---- webhook outbox ----

export interface DeliveryRow {
  workspaceId: string;
  id: string;
  segmentId: string;
  payload: string;
  attempts: number;
  nextAttemptAt: number;
}

export async function insertDeliveries(db: Tx, target: BulkTarget, rows: readonly DeliveryRow[], now: number): Promise<void> {
  await bulkInsert(
    db,
    target,
    'segment_deliveries',
    ['workspace_id', 'id', 'segment_id', 'payload', 'attempts', 'next_attempt_at', 'delivered_at', 'last_error', 'created_at'],
    rows.map((row) => [row.workspaceId, row.id, row.segmentId, row.payload, row.attempts, row.nextAttemptAt, null, null, now]),
    'on conflict do nothing',
  );
}

/**
 * Claims up to `limit` due deliveries for this worker until `until`: their next attempt moves to
 * `until`, so no other process reads them while this one sends, and a crashed worker's rows are
 * due again once the claim lapses. PostgreSQL skips rows another claim is taking at the same
 * moment (`FOR UPDATE SKIP LOCKED`); SQLite writers take turns, so the update claims alone.
 */
export async function claimDeliveries(db: Tx, now: number, limit: number, until: number): Promise<DeliveryRow[]> {
  const lock = dialectOf(db) === 'postgres' ? sql` for update skip locked` : sql``;
  const { rows } = await sql<{ workspace_id: string; id: string; segment_id: string; payload: string; attempts: number | string; next_attempt_at: number | string }>`
    update segment_deliveries set next_attempt_at = ${until}
    where (workspace_id, id) in (
      select workspace_id, id from segment_deliveries
      where delivered_at is null and next_attempt_at <= ${now}
      order by next_attempt_at limit ${limit}${lock}
    )
    returning workspace_id, id, segment_id, payload, attempts, next_attempt_at`.execute(db);
  return rows.map((row) => ({
    workspaceId: row.workspace_id,
    id: row.id,
    segmentId: row.segment_id,
    payload: row.payload,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
  }));
}

/** Moves this worker's claim on `rows` (still at `claimedUntil`) to `until`; rows another worker took since are left alone. */
export async function extendClaim(db: Tx, rows: readonly { workspaceId: string; id: string }[], claimedUntil: number, until: number): Promise<void> {
  for (const row of rows) {
    await db
      .updateTable('segment_deliveries')
      .set({ next_attempt_at: until })
      .where('workspace_id', '=', row.workspaceId)
      .where('id', '=', row.id)
      .where('delivered_at', 'is', null)
      .where('next_attempt_at', '=', claimedUntil)
      .execute();
  }
}

/**
 * Records a claimed delivery's outcome. Returns false when the claim had lapsed and another
 * worker claimed the row since (its outcome is the one that counts).
 */
export async function finishDelivery(
  db: Tx,
  workspaceId: string,
  id: string,
  claimedUntil: number,
  outcome: { deliveredAt: number } | { error: string; nextAttemptAt: number; attempts: number },
): Promise<boolean> {
  const set =
    'deliveredAt' in outcome
      ? { delivered_at: outcome.deliveredAt, last_error: null }
      : { last_error: outcome.error.slice(0, 1000), next_attempt_at: outcome.nextAttemptAt, attempts: outcome.attempts };
  const result = await db.updateTable('segment_deliveries').set(set).where('workspace_id', '=', workspaceId).where('id', '=', id).where('next_attempt_at', '=', claimedUntil).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deliveryCounts(db: Tx, workspaceId: string, segmentId: string): Promise<{ delivered: number; pending: number }> {
  const rows = await db
    .selectFrom('segment_deliveries')
    .select([sql<number>`case when delivered_at is null then 0 else 1 end`.as('done'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('segment_id', '=', segmentId)
    .groupBy(sql`case when delivered_at is null then 0 else 1 end`)
    .execute();
  let delivered = 0;
  let pending = 0;
  for (const row of rows) {
    if (Number(row.done) === 1) delivered += Number(row.n);
    else pending += Number(row.n);
  }
  return { delivered, pending };
}

/** Light rows of a workspace's segments, read on every processor batch. */
export async function segmentHeads(
  db: Tx,
  workspaceId: string,
): Promise<{ id: string; name: string; kind: string; version: number; status: string; backfillCursor: string; destination: string | null }[]> {
  const rows = await db.selectFrom('segments').select(['id', 'name', 'kind', 'version', 'status', 'backfill_cursor', 'destination']).where('workspace_id', '=', workspaceId).execute();
  return rows.map((row) => ({ id: row.id, name: row.name, kind: row.kind, version: Number(row.version), status: row.status, backfillCursor: row.backfill_cursor, destination: row.destination }));
}

export async function segmentConditions(db: Tx, workspaceId: string, ids: readonly string[]): Promise<Map<string, { version: number; condition: string | null }>> {
  const result = new Map<string, { version: number; condition: string | null }>();
  if (ids.length === 0) return result;
  const rows = await db
    .selectFrom('segments')
    .select(['id', 'version', 'condition'])
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', [...ids])
    .execute();
  for (const row of rows) result.set(row.id, { version: Number(row.version), condition: row.condition });
  return result;
}

/** Due rows at or before `now`, earliest first (not locked: the caller locks the profiles first, as the processor does). */
export async function peekDueRows(db: Tx, now: number, limit: number): Promise<DueRow[]> {
  const rows = await db.selectFrom('segment_due').selectAll().where('due_at', '<=', now).orderBy('due_at').limit(limit).execute();
  return rows.map((row) => ({ workspaceId: row.workspace_id, segmentId: row.segment_id, profileId: row.profile_id, dueAt: Number(row.due_at) }));
}

/** Deletes the due rows of these profiles that are at or before `now`. */
export async function clearDueUpTo(db: Tx, workspaceId: string, profileIds: readonly string[], now: number): Promise<void> {
  const dialect = dialectOf(db);
  for (let start = 0; start < profileIds.length; start += IN_CHUNK) {
    await db
      .deleteFrom('segment_due')
      .where('workspace_id', '=', workspaceId)
      .where(inList(dialect, 'profile_id', profileIds.slice(start, start + IN_CHUNK)))
      .where('due_at', '<=', now)
      .execute();
  }
}

/** Every member of a segment (static list replacement). */
export async function memberIds(db: Tx, workspaceId: string, segmentId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('segment_members').select('profile_id').where('workspace_id', '=', workspaceId).where('segment_id', '=', segmentId).execute();
  return new Set(rows.map((row) => row.profile_id));
}

/** Segments still backfilling, over every workspace. */
export async function backfillingSegments(db: Tx): Promise<{ workspaceId: string; id: string; version: number }[]> {
  const rows = await db.selectFrom('segments').select(['workspace_id', 'id', 'version']).where('status', '=', 'backfilling').orderBy('updated_at').execute();
  return rows.map((row) => ({ workspaceId: row.workspace_id, id: row.id, version: Number(row.version) }));
}

/** Every segment with a webhook destination, of every workspace (the re-seal pass after a key rotation). */
export async function allDestinations(db: Tx): Promise<{ workspaceId: string; id: string; destination: string }[]> {
  const rows = await db.selectFrom('segments').select(['workspace_id', 'id', 'destination']).where('destination', 'is not', null).orderBy('workspace_id').orderBy('id').execute();
  return rows.flatMap((row) => (row.destination === null ? [] : [{ workspaceId: row.workspace_id, id: row.id, destination: row.destination }]));
}

/** Rewrites a segment's stored destination (re-sealed), leaving its version and timestamps alone. */
export async function setDestination(db: Tx, workspaceId: string, id: string, destination: string): Promise<void> {
  await db.updateTable('segments').set({ destination }).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

export async function countSegments(db: Tx, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('segments')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
