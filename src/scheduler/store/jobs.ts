import { CompiledQuery, sql } from 'kysely';
import { inList } from '../../storage/bulk.js';
import { dialectOf, type Tx } from '../../storage/database.js';
import type { JobsTable } from './tables.js';

/*
 * The scheduler's jobs table. A job is identified by (workspace, key): enqueueing a key that
 * exists is a no-op (dedupe), upserting it moves its due time. A job is `pending` until a
 * handler finishes it (the row is deleted) or gives up (`dead`, with a reason). A worker
 * leases due jobs (lease_owner, lease_until); a lease that runs out (a crashed worker) makes
 * the job claimable again.
 */

export interface JobRow {
  workspaceId: string;
  key: string;
  kind: string;
  payload: string;
  dueAt: number;
  priority: number;
  status: 'pending' | 'dead';
  attempts: number;
  maxAttempts: number;
  version: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  lastError: string | null;
  deadReason: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewJob {
  workspaceId: string;
  key: string;
  kind: string;
  payload: string;
  dueAt: number;
  priority: number;
  maxAttempts: number;
}

function toRow(row: JobsTable): JobRow {
  return {
    workspaceId: row.workspace_id,
    key: row.key,
    kind: row.kind,
    payload: row.payload,
    dueAt: Number(row.due_at),
    priority: row.priority,
    status: row.status === 'dead' ? 'dead' : 'pending',
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    version: row.version,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until === null ? null : Number(row.lease_until),
    lastError: row.last_error,
    deadReason: row.dead_reason,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function values(job: NewJob, now: number): JobsTable {
  return {
    workspace_id: job.workspaceId,
    key: job.key,
    kind: job.kind,
    payload: job.payload,
    due_at: job.dueAt,
    priority: job.priority,
    status: 'pending',
    attempts: 0,
    max_attempts: job.maxAttempts,
    version: 1,
    lease_owner: null,
    lease_until: null,
    last_error: null,
    dead_reason: null,
    created_at: now,
    updated_at: now,
  };
}

const CHUNK = 500;

/** Inserts jobs whose keys do not exist yet; returns how many were new. */
export async function insertJobs(db: Tx, jobs: readonly NewJob[], now: number): Promise<number> {
  let inserted = 0;
  for (let start = 0; start < jobs.length; start += CHUNK) {
    const result = await db
      .insertInto('jobs')
      .values(jobs.slice(start, start + CHUNK).map((job) => values(job, now)))
      .onConflict((conflict) => conflict.columns(['workspace_id', 'key']).doNothing())
      .executeTakeFirst();
    inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return inserted;
}

/**
 * Inserts jobs or replaces existing ones with the same key: new due time, payload and kind,
 * attempts reset, a dead job revived. The version moves, so a worker holding the old version
 * leaves the new one in place when it finishes.
 */
export async function upsertJobs(db: Tx, jobs: readonly NewJob[], now: number): Promise<void> {
  for (let start = 0; start < jobs.length; start += CHUNK) {
    await db
      .insertInto('jobs')
      .values(jobs.slice(start, start + CHUNK).map((job) => values(job, now)))
      .onConflict((conflict) =>
        conflict.columns(['workspace_id', 'key']).doUpdateSet((eb) => ({
          kind: eb.ref('excluded.kind'),
          payload: eb.ref('excluded.payload'),
          due_at: eb.ref('excluded.due_at'),
          priority: eb.ref('excluded.priority'),
          max_attempts: eb.ref('excluded.max_attempts'),
          status: 'pending',
          attempts: 0,
          last_error: null,
          dead_reason: null,
          version: eb('jobs.version', '+', 1),
          updated_at: now,
        })),
      )
      .execute();
  }
}

/** Deletes a job (pending or dead); returns whether it existed. */
export async function deleteJob(db: Tx, workspaceId: string, key: string): Promise<boolean> {
  const result = await db.deleteFrom('jobs').where('workspace_id', '=', workspaceId).where('key', '=', key).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Deletes every job whose key starts with `prefix` (e.g. all timers of one journey). */
export async function deleteJobsByPrefix(db: Tx, workspaceId: string, prefix: string): Promise<number> {
  const result = await db.deleteFrom('jobs').where('workspace_id', '=', workspaceId).where('key', '>=', prefix).where('key', '<', `${prefix}\uffff`).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function findJob(db: Tx, workspaceId: string, key: string): Promise<JobRow | undefined> {
  const row = await db.selectFrom('jobs').selectAll().where('workspace_id', '=', workspaceId).where('key', '=', key).executeTakeFirst();
  return row === undefined ? undefined : toRow(row);
}

/**
 * Leases up to `limit` due jobs of the given kinds for `owner` until `leaseUntil`, oldest due
 * first; attempts count up at the claim, so a job that crashes its worker every time still
 * reaches its limit. PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent workers take
 * disjoint jobs without waiting on each other. SQLite: the caller's write transaction is the
 * only writer.
 */
export async function claimDueJobs(trx: Tx, options: { now: number; owner: string; leaseUntil: number; limit: number; kinds: readonly string[] }): Promise<JobRow[]> {
  const dialect = dialectOf(trx);
  const { now, owner, leaseUntil, limit, kinds } = options;
  if (kinds.length === 0) return [];
  const kindList = sql.join(kinds.map((kind) => sql`${kind}`));
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const result = await sql<JobsTable>`
    update jobs set lease_owner = ${owner}, lease_until = ${leaseUntil}, attempts = attempts + 1, updated_at = ${now}
    where (workspace_id, key) in (
      select workspace_id, key from jobs
      where status = 'pending' and due_at <= ${now} and (lease_until is null or lease_until <= ${now}) and kind in (${kindList})
      order by due_at
      limit ${limit}
      ${lock}
    )
    returning *`.execute(trx);
  return result.rows.map(toRow).sort((a, b) => b.priority - a.priority || a.dueAt - b.dueAt);
}

/** A claimed job asks to run again at `dueAt` (a recurring timer), unless it was upserted meanwhile. */
export async function rescheduleJob(db: Tx, job: Pick<JobRow, 'workspaceId' | 'key' | 'version'>, owner: string, dueAt: number, payload: string | undefined, now: number): Promise<void> {
  const updated = await db
    .updateTable('jobs')
    .set({ due_at: dueAt, attempts: 0, lease_owner: null, lease_until: null, last_error: null, updated_at: now, ...(payload === undefined ? {} : { payload }) })
    .where('workspace_id', '=', job.workspaceId)
    .where('key', '=', job.key)
    .where('version', '=', job.version)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) await releaseLease(db, job, owner);
}

/** A claimed job failed: retried at `retryAt`, or dead with `deadReason` when it has no attempts left. */
export async function failJob(
  db: Tx,
  job: Pick<JobRow, 'workspaceId' | 'key' | 'version'>,
  owner: string,
  outcome: { error: string; retryAt: number | undefined; deadReason: string | undefined; now: number },
): Promise<void> {
  const updated = await db
    .updateTable('jobs')
    .set({
      lease_owner: null,
      lease_until: null,
      last_error: outcome.error,
      updated_at: outcome.now,
      ...(outcome.deadReason !== undefined ? { status: 'dead', dead_reason: outcome.deadReason } : { due_at: outcome.retryAt ?? outcome.now }),
    })
    .where('workspace_id', '=', job.workspaceId)
    .where('key', '=', job.key)
    .where('version', '=', job.version)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) await releaseLease(db, job, owner);
}

async function releaseLease(db: Tx, job: Pick<JobRow, 'workspaceId' | 'key'>, owner: string): Promise<void> {
  await db.updateTable('jobs').set({ lease_owner: null, lease_until: null }).where('workspace_id', '=', job.workspaceId).where('key', '=', job.key).where('lease_owner', '=', owner).execute();
}

/**
 * When the next job of these kinds becomes claimable: the earliest due time of an unleased
 * pending job, or the earliest lease expiry of a leased one (its worker may have died).
 */
export async function nextDueAt(db: Tx, kinds: readonly string[]): Promise<number | undefined> {
  if (kinds.length === 0) return undefined;
  // ORDER BY + LIMIT walks the (status, due_at) index and stops at the first match; min() with
  // the extra filters made SQLite read every pending job.
  const free = await db
    .selectFrom('jobs')
    .select('due_at as at')
    .where('status', '=', 'pending')
    .where('lease_owner', 'is', null)
    .where('kind', 'in', kinds)
    .orderBy('due_at')
    .limit(1)
    .executeTakeFirst();
  // Only pending jobs hold leases (a finished or dead job's lease is cleared), and min() over
  // the lease index reads one entry.
  const leased = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.min<number | null>('lease_until').as('at'))
    .where('lease_until', 'is not', null)
    .executeTakeFirst();
  const times = [free?.at, leased?.at].filter((at): at is number => at !== null && at !== undefined).map(Number);
  return times.length === 0 ? undefined : Math.min(...times);
}

export async function listJobs(db: Tx, workspaceId: string, options: { status?: 'pending' | 'dead'; kind?: string; limit?: number } = {}): Promise<JobRow[]> {
  let query = db.selectFrom('jobs').selectAll().where('workspace_id', '=', workspaceId);
  if (options.status !== undefined) query = query.where('status', '=', options.status);
  if (options.kind !== undefined) query = query.where('kind', '=', options.kind);
  const rows = await query
    .orderBy('due_at')
    .orderBy('key')
    .limit(options.limit ?? 100)
    .execute();
  return rows.map(toRow);
}

export async function countJobs(db: Tx, workspaceId?: string): Promise<{ pending: number; dead: number }> {
  let query = db.selectFrom('jobs').select(['status', (eb) => eb.fn.countAll<number>().as('n')]);
  if (workspaceId !== undefined) query = query.where('workspace_id', '=', workspaceId);
  const rows = await query.groupBy('status').execute();
  let pending = 0;
  let dead = 0;
  for (const row of rows) {
    if (row.status === 'dead') dead = Number(row.n);
    else pending += Number(row.n);
  }
  return { pending, dead };
}

/** Pending jobs due by `now` across every workspace, and the earliest due time among them (queue depth and age for /metrics). */
export async function dueJobs(db: Tx, now: number): Promise<{ due: number; oldestDueAt: number | undefined }> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min<number | null>('due_at').as('oldest')])
    .where('status', '=', 'pending')
    .where('due_at', '<=', now)
    .executeTakeFirst();
  return { due: Number(row?.n ?? 0), oldestDueAt: row?.oldest === null || row?.oldest === undefined ? undefined : Number(row.oldest) };
}

/**
 * Extends the leases of every job `owner` holds (the batch it is running): a handler that runs
 * longer than a lease (a model training) keeps its jobs, so no other worker claims them meanwhile.
 */
export async function renewLeases(db: Tx, owner: string, leaseUntil: number): Promise<number> {
  const result = await db.updateTable('jobs').set({ lease_until: leaseUntil }).where('lease_owner', '=', owner).where('status', '=', 'pending').executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Frees the leases of every worker not named (SQLite at start: their process is gone). */
export async function releaseLeasesExcept(db: Tx, owners: readonly string[]): Promise<number> {
  let query = db.updateTable('jobs').set({ lease_owner: null, lease_until: null }).where('lease_owner', 'is not', null);
  if (owners.length > 0) query = query.where('lease_owner', 'not in', owners);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Many claimed jobs finished at once: each is deleted, or rescheduled to its new due time, in a
 * few statements; a job upserted meanwhile (its version moved) only loses its lease.
 */
export async function finishJobs(
  db: Tx,
  owner: string,
  done: readonly Pick<JobRow, 'workspaceId' | 'key' | 'version'>[],
  again: readonly (Pick<JobRow, 'workspaceId' | 'key' | 'version'> & { dueAt: number; payload: string | undefined })[],
  now: number,
): Promise<void> {
  const dialect = dialectOf(db);
  const untouched: Pick<JobRow, 'workspaceId' | 'key'>[] = [];
  const byWorkspace = new Map<string, Pick<JobRow, 'workspaceId' | 'key' | 'version'>[]>();
  for (const job of done) {
    const list = byWorkspace.get(job.workspaceId);
    if (list) list.push(job);
    else byWorkspace.set(job.workspaceId, [job]);
  }
  for (const [workspaceId, jobs] of byWorkspace) {
    for (let start = 0; start < jobs.length; start += CHUNK) {
      const chunk = jobs.slice(start, start + CHUNK);
      const keys = chunk.map((job) => job.key);
      // Primary-key lookups (a row-value IN over VALUES is a scan on SQLite); locked on PostgreSQL
      // so no upsert slips in between the version check and the delete.
      let current = db
        .selectFrom('jobs')
        .select(['key', 'version'])
        .where('workspace_id', '=', workspaceId)
        .where(inList(dialect, 'key', keys))
        .where('lease_owner', '=', owner);
      if (dialect === 'postgres') current = current.forUpdate();
      const versions = new Map((await current.execute()).map((row) => [row.key, row.version]));
      const finished = chunk.filter((job) => versions.get(job.key) === job.version).map((job) => job.key);
      if (finished.length > 0)
        await db
          .deleteFrom('jobs')
          .where('workspace_id', '=', workspaceId)
          .where(inList(dialect, 'key', finished))
          .execute();
      const kept = new Set(finished);
      for (const job of chunk) if (!kept.has(job.key)) untouched.push(job);
    }
  }
  // SQLite plans UPDATE ... FROM (VALUES) as a scan of jobs; one primary-key update per job
  // (a cached prepared statement) is far cheaper there. PostgreSQL joins on the key.
  const plain = again.filter((job) => job.payload === undefined || dialect === 'sqlite');
  if (dialect === 'sqlite') {
    for (const job of plain) {
      const result = await db.executeQuery(
        CompiledQuery.raw(
          'update jobs set due_at = ?, attempts = 0, lease_owner = null, lease_until = null, last_error = null, updated_at = ?, payload = coalesce(?, payload) where workspace_id = ? and key = ? and version = ? and lease_owner = ?',
          [job.dueAt, now, job.payload ?? null, job.workspaceId, job.key, job.version, owner],
        ),
      );
      if (Number(result.numAffectedRows ?? 0) === 0) untouched.push(job);
    }
    for (const job of untouched) await releaseLease(db, job, owner);
    return;
  }
  for (let start = 0; start < plain.length; start += CHUNK) {
    const chunk = plain.slice(start, start + CHUNK);
    const rows = sql.join(chunk.map((job) => sql`(${job.workspaceId}, ${job.key}, cast(${job.version} as integer), cast(${job.dueAt} as bigint))`));
    const updated = await sql<{ key: string; workspace_id: string }>`
      with v(ws, k, ver, due) as (values ${rows})
      update jobs set due_at = v.due, attempts = 0, lease_owner = null, lease_until = null, last_error = null, updated_at = ${now}
      from v
      where jobs.workspace_id = v.ws and jobs.key = v.k and jobs.version = v.ver and jobs.lease_owner = ${owner}
      returning jobs.workspace_id, jobs.key`.execute(db);
    const moved = new Set(updated.rows.map((row) => `${row.workspace_id}\u0000${row.key}`));
    for (const job of chunk) if (!moved.has(`${job.workspaceId}\u0000${job.key}`)) untouched.push(job);
  }
  for (const job of again) if (job.payload !== undefined) await rescheduleJob(db, job, owner, job.dueAt, job.payload, now);
  for (const job of untouched) await releaseLease(db, job, owner);
}
