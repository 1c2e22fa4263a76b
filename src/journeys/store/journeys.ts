import { dialectOf, type Tx } from '../../storage/database.js';
import { bulkInsert, inList, type BulkTarget } from '../../storage/bulk.js';
import type { JourneyRunsTable } from './tables.js';

/*
 * Journey definitions (a row per journey, a row per version), runs (one state machine per
 * journey, profile and entry key), entries (what entry rules check) and the step log.
 */

export interface StoredJourney {
  id: string;
  name: string;
  status: 'draft' | 'active' | 'paused' | 'archived';
  version: number;
  createdAt: number;
  updatedAt: number;
}

function journeyStatus(value: string): StoredJourney['status'] {
  return value === 'active' || value === 'paused' || value === 'archived' ? value : 'draft';
}

export async function insertJourney(db: Tx, workspaceId: string, journey: StoredJourney, definition: string): Promise<void> {
  await db
    .insertInto('journeys')
    .values({ workspace_id: workspaceId, id: journey.id, name: journey.name, status: journey.status, version: journey.version, created_at: journey.createdAt, updated_at: journey.updatedAt })
    .execute();
  await insertVersion(db, workspaceId, journey.id, journey.version, definition, journey.createdAt);
}

export async function insertVersion(db: Tx, workspaceId: string, journeyId: string, version: number, definition: string, now: number): Promise<void> {
  await db.insertInto('journey_versions').values({ workspace_id: workspaceId, journey_id: journeyId, version, definition, created_at: now }).execute();
}

export async function updateJourney(db: Tx, workspaceId: string, id: string, changes: { name?: string; status?: StoredJourney['status']; version?: number; updatedAt: number }): Promise<void> {
  await db
    .updateTable('journeys')
    .set({
      updated_at: changes.updatedAt,
      ...(changes.name === undefined ? {} : { name: changes.name }),
      ...(changes.status === undefined ? {} : { status: changes.status }),
      ...(changes.version === undefined ? {} : { version: changes.version }),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

export async function findJourney(db: Tx, workspaceId: string, id: string): Promise<StoredJourney | undefined> {
  const row = await db.selectFrom('journeys').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, name: row.name, status: journeyStatus(row.status), version: row.version, createdAt: Number(row.created_at), updatedAt: Number(row.updated_at) };
}

export async function listJourneys(db: Tx, workspaceId: string): Promise<StoredJourney[]> {
  const rows = await db.selectFrom('journeys').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute();
  return rows.map((row) => ({ id: row.id, name: row.name, status: journeyStatus(row.status), version: row.version, createdAt: Number(row.created_at), updatedAt: Number(row.updated_at) }));
}

/** Journeys in the given statuses of every workspace, with their current definitions. */
export async function listLiveJourneys(db: Tx, statuses: readonly StoredJourney['status'][]): Promise<(StoredJourney & { workspaceId: string; definition: string })[]> {
  const rows = await db
    .selectFrom('journeys as j')
    .innerJoin('journey_versions as v', (join) => join.onRef('v.workspace_id', '=', 'j.workspace_id').onRef('v.journey_id', '=', 'j.id').onRef('v.version', '=', 'j.version'))
    .select(['j.workspace_id', 'j.id', 'j.name', 'j.status', 'j.version', 'j.created_at', 'j.updated_at', 'v.definition'])
    .where('j.status', 'in', statuses)
    .execute();
  return rows.map((row) => ({
    workspaceId: row.workspace_id,
    id: row.id,
    name: row.name,
    status: journeyStatus(row.status),
    version: row.version,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    definition: row.definition,
  }));
}

export async function findVersion(db: Tx, workspaceId: string, journeyId: string, version: number): Promise<string | undefined> {
  const row = await db
    .selectFrom('journey_versions')
    .select('definition')
    .where('workspace_id', '=', workspaceId)
    .where('journey_id', '=', journeyId)
    .where('version', '=', version)
    .executeTakeFirst();
  return row?.definition;
}

export type RunStatus = 'active' | 'waiting' | 'paused' | 'completed' | 'exited';

export interface StoredRun {
  id: string;
  journeyId: string;
  version: number;
  profileId: string;
  entryKey: string;
  status: RunStatus;
  nodeId: string;
  step: number;
  wakeAt: number | null;
  waitEvent: string | null;
  waitMatch: string | null;
  /** JSON */
  context: string;
  arm: string | null;
  enteredAt: number;
  updatedAt: number;
  exitedAt: number | null;
  exitReason: string | null;
}

function runStatus(value: string): RunStatus {
  return value === 'waiting' || value === 'paused' || value === 'completed' || value === 'exited' ? value : 'active';
}

function toRun(row: JourneyRunsTable): StoredRun {
  return {
    id: row.id,
    journeyId: row.journey_id,
    version: row.version,
    profileId: row.profile_id,
    entryKey: row.entry_key,
    status: runStatus(row.status),
    nodeId: row.node_id,
    step: row.step,
    wakeAt: row.wake_at === null ? null : Number(row.wake_at),
    waitEvent: row.wait_event,
    waitMatch: row.wait_match,
    context: row.context,
    arm: row.arm,
    enteredAt: Number(row.entered_at),
    updatedAt: Number(row.updated_at),
    exitedAt: row.exited_at === null ? null : Number(row.exited_at),
    exitReason: row.exit_reason,
  };
}

function runRow(workspaceId: string, run: StoredRun): JourneyRunsTable {
  return {
    workspace_id: workspaceId,
    id: run.id,
    journey_id: run.journeyId,
    version: run.version,
    profile_id: run.profileId,
    entry_key: run.entryKey,
    status: run.status,
    node_id: run.nodeId,
    step: run.step,
    wake_at: run.wakeAt,
    wait_event: run.waitEvent,
    wait_match: run.waitMatch,
    context: run.context,
    arm: run.arm,
    entered_at: run.enteredAt,
    updated_at: run.updatedAt,
    exited_at: run.exitedAt,
    exit_reason: run.exitReason,
  };
}

const CHUNK = 400;

/** Inserts new runs; a run id that exists is left alone (entering twice is a no-op). Returns the ids inserted. */
export async function insertRuns(db: Tx, workspaceId: string, runs: readonly StoredRun[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (let start = 0; start < runs.length; start += CHUNK) {
    const rows = await db
      .insertInto('journey_runs')
      .values(runs.slice(start, start + CHUNK).map((run) => runRow(workspaceId, run)))
      .onConflict((conflict) => conflict.columns(['workspace_id', 'id']).doNothing())
      .returning('id')
      .execute();
    for (const row of rows) inserted.add(row.id);
  }
  return inserted;
}

export async function saveRun(db: Tx, workspaceId: string, run: StoredRun): Promise<void> {
  await db
    .updateTable('journey_runs')
    .set({
      version: run.version,
      status: run.status,
      node_id: run.nodeId,
      step: run.step,
      wake_at: run.wakeAt,
      wait_event: run.waitEvent,
      wait_match: run.waitMatch,
      context: run.context,
      arm: run.arm,
      updated_at: run.updatedAt,
      exited_at: run.exitedAt,
      exit_reason: run.exitReason,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', run.id)
    .execute();
}

/** Runs by id; `forUpdate` locks them on PostgreSQL (the engine and the event consumer both change runs). */
export async function loadRuns(db: Tx, workspaceId: string, ids: readonly string[], options: { forUpdate?: boolean } = {}): Promise<Map<string, StoredRun>> {
  const dialect = dialectOf(db);
  const result = new Map<string, StoredRun>();
  for (let start = 0; start < ids.length; start += CHUNK) {
    const chunk = ids.slice(start, start + CHUNK);
    let query = db
      .selectFrom('journey_runs')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where(inList(dialect, 'id', chunk));
    if (options.forUpdate === true && dialect === 'postgres') query = query.forUpdate();
    const rows = await query.execute();
    for (const row of rows) result.set(row.id, toRun(row));
  }
  return result;
}

/** Live runs (active, waiting, paused) of some profiles. */
export async function liveRunsOfProfiles(db: Tx, workspaceId: string, profileIds: readonly string[], options: { forUpdate?: boolean } = {}): Promise<StoredRun[]> {
  const result: StoredRun[] = [];
  for (let start = 0; start < profileIds.length; start += CHUNK) {
    let query = db
      .selectFrom('journey_runs')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('profile_id', 'in', profileIds.slice(start, start + CHUNK))
      .where('status', 'in', ['active', 'waiting', 'paused']);
    if (options.forUpdate === true && dialectOf(db) === 'postgres') query = query.forUpdate();
    const rows = await query.execute();
    result.push(...rows.map(toRun));
  }
  return result;
}

/** Runs of some profiles that entered since `since` (any status): orders after entry are conversions. */
export async function runsEnteredSince(db: Tx, workspaceId: string, profileIds: readonly string[], since: number): Promise<StoredRun[]> {
  const result: StoredRun[] = [];
  for (let start = 0; start < profileIds.length; start += CHUNK) {
    const rows = await db
      .selectFrom('journey_runs')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('profile_id', 'in', profileIds.slice(start, start + CHUNK))
      .where('entered_at', '>=', since)
      .execute();
    result.push(...rows.map(toRun));
  }
  return result;
}

export async function runsOfJourney(db: Tx, workspaceId: string, journeyId: string, statuses: readonly RunStatus[], afterId = '', limit = 1000): Promise<StoredRun[]> {
  const rows = await db
    .selectFrom('journey_runs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('journey_id', '=', journeyId)
    .where('status', 'in', statuses)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toRun);
}

export interface EntryRecord {
  count: number;
  lastEnteredAt: number;
}

export async function findEntries(db: Tx, workspaceId: string, journeyId: string, keys: readonly { profileId: string; entryKey: string }[]): Promise<Map<string, EntryRecord>> {
  const result = new Map<string, EntryRecord>();
  const profiles = [...new Set(keys.map((key) => key.profileId))];
  for (let start = 0; start < profiles.length; start += CHUNK) {
    const rows = await db
      .selectFrom('journey_entries')
      .select(['profile_id', 'entry_key', 'count', 'last_entered_at'])
      .where('workspace_id', '=', workspaceId)
      .where('journey_id', '=', journeyId)
      .where('profile_id', 'in', profiles.slice(start, start + CHUNK))
      .execute();
    for (const row of rows) result.set(`${row.profile_id}\u0000${row.entry_key}`, { count: row.count, lastEnteredAt: Number(row.last_entered_at) });
  }
  return result;
}

export async function upsertEntries(db: Tx, workspaceId: string, journeyId: string, entries: readonly { profileId: string; entryKey: string; count: number; at: number }[]): Promise<void> {
  for (let start = 0; start < entries.length; start += CHUNK) {
    await db
      .insertInto('journey_entries')
      .values(
        entries
          .slice(start, start + CHUNK)
          .map((entry) => ({ workspace_id: workspaceId, journey_id: journeyId, profile_id: entry.profileId, entry_key: entry.entryKey, count: entry.count, last_entered_at: entry.at })),
      )
      .onConflict((conflict) =>
        conflict.columns(['workspace_id', 'journey_id', 'profile_id', 'entry_key']).doUpdateSet((eb) => ({ count: eb.ref('excluded.count'), last_entered_at: eb.ref('excluded.last_entered_at') })),
      )
      .execute();
  }
}

export interface StepRecord {
  runId: string;
  step: number;
  journeyId: string;
  nodeId: string;
  kind: string;
  status: 'pending' | 'done';
  idempotencyKey: string;
  /** JSON */
  outcome: string | null;
  at: number;
}

/** Records steps; a step already recorded (a re-run) is updated to the new status and outcome. */
export async function writeSteps(db: Tx, target: BulkTarget, workspaceId: string, steps: readonly StepRecord[]): Promise<void> {
  await bulkInsert(
    db,
    target,
    'journey_steps',
    ['workspace_id', 'run_id', 'step', 'journey_id', 'node_id', 'kind', 'status', 'idempotency_key', 'outcome', 'at'],
    steps.map((step) => [workspaceId, step.runId, step.step, step.journeyId, step.nodeId, step.kind, step.status, step.idempotencyKey, step.outcome, step.at]),
    'on conflict (workspace_id, run_id, step) do update set status = excluded.status, outcome = excluded.outcome',
  );
}

export async function stepsOfRun(db: Tx, workspaceId: string, runId: string): Promise<StepRecord[]> {
  const rows = await db.selectFrom('journey_steps').selectAll().where('workspace_id', '=', workspaceId).where('run_id', '=', runId).orderBy('step').execute();
  return rows.map((row) => ({
    runId: row.run_id,
    step: row.step,
    journeyId: row.journey_id,
    nodeId: row.node_id,
    kind: row.kind,
    status: row.status === 'done' ? 'done' : 'pending',
    idempotencyKey: row.idempotency_key,
    outcome: row.outcome,
    at: Number(row.at),
  }));
}

/** Moves live runs of one journey from one version to another (explicit migration). */
export async function moveRunsToVersion(db: Tx, workspaceId: string, journeyId: string, from: number, to: number, nodeIds: readonly string[], now: number): Promise<number> {
  if (nodeIds.length === 0) return 0;
  const result = await db
    .updateTable('journey_runs')
    .set({ version: to, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('journey_id', '=', journeyId)
    .where('version', '=', from)
    .where('status', 'in', ['active', 'waiting', 'paused'])
    .where('node_id', 'in', nodeIds)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

const runColumns = [
  'workspace_id',
  'id',
  'journey_id',
  'version',
  'profile_id',
  'entry_key',
  'status',
  'node_id',
  'step',
  'wake_at',
  'wait_event',
  'wait_match',
  'context',
  'arm',
  'entered_at',
  'updated_at',
  'exited_at',
  'exit_reason',
] as const;
const runUpdate = `on conflict (workspace_id, id) do update set ${runColumns
  .filter((column) => !['workspace_id', 'id', 'journey_id', 'profile_id', 'entry_key', 'entered_at'].includes(column))
  .map((column) => `${column} = excluded.${column}`)
  .join(', ')}`;

/** Writes many runs' state at once (prepared statements on SQLite, multi-row upserts on PostgreSQL). */
export async function saveRuns(db: Tx, target: BulkTarget, workspaceId: string, runs: readonly StoredRun[]): Promise<void> {
  await bulkInsert(
    db,
    target,
    'journey_runs',
    runColumns,
    runs.map((run) => {
      const row = runRow(workspaceId, run);
      return runColumns.map((column) => row[column]);
    }),
    runUpdate,
  );
}

/** Journeys of a workspace that are live. */
export async function countActiveJourneys(db: Tx, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('journeys')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
