import type { Tx } from '../../storage/database.js';
import { payloadColumns, payloadText } from '../../storage/payload-codec.js';
import type { ExperimentsTable } from './tables.js';

/** An experiment as stored; `definition` is the validated definition's JSON. */
export interface ExperimentRecord {
  workspaceId: string;
  id: string;
  key: string;
  name: string;
  status: string;
  definition: string;
  winner: string | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  stoppedAt: number | null;
}

type Row = ExperimentsTable;

function toRecord(row: Row): ExperimentRecord {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    key: row.key,
    name: row.name,
    status: row.status,
    definition: row.definition,
    winner: row.winner,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    startedAt: row.started_at === null ? null : Number(row.started_at),
    stoppedAt: row.stopped_at === null ? null : Number(row.stopped_at),
  };
}

/** @example await insertExperiment(trx, record); */
export async function insertExperiment(db: Tx, record: ExperimentRecord): Promise<void> {
  await db
    .insertInto('experiments')
    .values({
      workspace_id: record.workspaceId,
      id: record.id,
      key: record.key,
      name: record.name,
      status: record.status,
      definition: record.definition,
      winner: record.winner,
      created_at: record.createdAt,
      updated_at: record.updatedAt,
      started_at: record.startedAt,
      stopped_at: record.stoppedAt,
    })
    .execute();
}

/** Replaces the mutable fields of an experiment. */
/** Writes the record; with `expectedUpdatedAt`, only over the row saved at that time (false when it moved). */
export async function updateExperiment(db: Tx, record: ExperimentRecord, expectedUpdatedAt?: number): Promise<boolean> {
  let update = db
    .updateTable('experiments')
    .set({
      name: record.name,
      status: record.status,
      definition: record.definition,
      winner: record.winner,
      updated_at: record.updatedAt,
      started_at: record.startedAt,
      stopped_at: record.stoppedAt,
    })
    .where('workspace_id', '=', record.workspaceId)
    .where('id', '=', record.id);
  if (expectedUpdatedAt !== undefined) update = update.where('updated_at', '=', expectedUpdatedAt);
  return Number((await update.executeTakeFirst()).numUpdatedRows) === 1;
}

/** By id or by key. */
export async function findExperiment(db: Tx, workspaceId: string, idOrKey: string): Promise<ExperimentRecord | undefined> {
  const row = await db
    .selectFrom('experiments')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('id', '=', idOrKey), eb('key', '=', idOrKey)]))
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

/** Every experiment of a workspace (optionally of some statuses), oldest first. */
export async function listExperiments(db: Tx, workspaceId: string, statuses?: readonly string[]): Promise<ExperimentRecord[]> {
  let query = db.selectFrom('experiments').selectAll().where('workspace_id', '=', workspaceId);
  if (statuses !== undefined && statuses.length > 0) query = query.where('status', 'in', [...statuses]);
  const rows = await query.orderBy('created_at').orderBy('id').execute();
  return rows.map(toRecord);
}

export interface ExposureRow {
  experimentId: string;
  unitId: string;
  variant: string;
  exposedAt: number;
}

/** The stored variant of a unit in each of the given experiments, by experiment id. */
export async function findExposures(db: Tx, workspaceId: string, unitId: string, experimentIds: readonly string[]): Promise<Map<string, ExposureRow>> {
  const result = new Map<string, ExposureRow>();
  if (experimentIds.length === 0) return result;
  const rows = await db
    .selectFrom('experiment_exposures')
    .select(['experiment_id', 'unit_id', 'variant', 'exposed_at'])
    .where('workspace_id', '=', workspaceId)
    .where('unit_id', '=', unitId)
    .where('experiment_id', 'in', [...experimentIds])
    .execute();
  for (const row of rows) result.set(row.experiment_id, { experimentId: row.experiment_id, unitId: row.unit_id, variant: row.variant, exposedAt: Number(row.exposed_at) });
  return result;
}

const CHUNK = 2000;

/**
 * Records first exposures; a unit already exposed keeps its row (and variant). Returns the rows
 * that were new, so the caller logs exactly one exposure event per unit.
 */
export async function insertExposures(db: Tx, workspaceId: string, rows: readonly ExposureRow[]): Promise<ExposureRow[]> {
  const inserted: ExposureRow[] = [];
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    const result = await db
      .insertInto('experiment_exposures')
      .values(chunk.map((row) => ({ workspace_id: workspaceId, experiment_id: row.experimentId, unit_id: row.unitId, variant: row.variant, exposed_at: row.exposedAt })))
      .onConflict((conflict) => conflict.columns(['workspace_id', 'experiment_id', 'unit_id']).doNothing())
      .returning(['experiment_id', 'unit_id', 'variant', 'exposed_at'])
      .execute();
    for (const row of result) inserted.push({ experimentId: row.experiment_id, unitId: row.unit_id, variant: row.variant, exposedAt: Number(row.exposed_at) });
  }
  return inserted;
}

/** One page of an experiment's exposures in unit order, after `afterUnit`. */
export async function readExposures(db: Tx, workspaceId: string, experimentId: string, afterUnit: string | null, limit: number): Promise<ExposureRow[]> {
  let query = db.selectFrom('experiment_exposures').select(['experiment_id', 'unit_id', 'variant', 'exposed_at']).where('workspace_id', '=', workspaceId).where('experiment_id', '=', experimentId);
  if (afterUnit !== null) query = query.where('unit_id', '>', afterUnit);
  const rows = await query.orderBy('unit_id').limit(limit).execute();
  return rows.map((row) => ({ experimentId: row.experiment_id, unitId: row.unit_id, variant: row.variant, exposedAt: Number(row.exposed_at) }));
}

/** An event as a metric scan needs it. */
export interface MetricEventRow {
  partition: number;
  seq: number;
  event: string;
  userId: string | null;
  anonymousId: string | null;
  timestamp: number;
  /** The stored message JSON (properties are read from it). */
  payload: string;
}

/**
 * One page of a workspace's events with the given names in [from, to), in (timestamp,
 * partition, seq) order after `after`; served by the track events' (workspace, event, timestamp) index.
 */
export async function readMetricEvents(
  db: Tx,
  workspaceId: string,
  events: readonly string[],
  from: number,
  to: number,
  after: { timestamp: number; partition: number; seq: number } | null,
  limit: number,
): Promise<MetricEventRow[]> {
  if (events.length === 0) return [];
  let query = db
    .selectFrom('events')
    .select(['partition', 'seq', ...payloadColumns])
    .where('workspace_id', '=', workspaceId)
    .where('type', '=', 'track')
    .where('event', 'in', [...events])
    .where('timestamp', '>=', from)
    .where('timestamp', '<', to);
  if (after !== null) query = query.where((eb) => eb(eb.refTuple('timestamp', 'partition', 'seq'), '>', eb.tuple(after.timestamp, after.partition, after.seq)));
  const rows = await query.orderBy('timestamp').orderBy('partition').orderBy('seq').limit(limit).execute();
  return rows.map((row) => ({
    partition: row.partition,
    seq: Number(row.seq),
    event: row.event ?? '',
    userId: row.user_id,
    anonymousId: row.anonymous_id,
    timestamp: Number(row.timestamp),
    payload: payloadText(row.payload, row),
  }));
}

// ---- privacy: one person's units (erasure and export) ----

/**
 * Deletes the stored assignments (first exposures) of these units, the person's user and
 * anonymous ids; returns how many.
 * @example await deleteExposuresOfUnits(trx, 'ws', ['ann-42', 'anon-7']);
 */
export async function deleteExposuresOfUnits(db: Tx, workspaceId: string, unitIds: readonly string[]): Promise<number> {
  let deleted = 0;
  for (let start = 0; start < unitIds.length; start += CHUNK) {
    const result = await db
      .deleteFrom('experiment_exposures')
      .where('workspace_id', '=', workspaceId)
      .where('unit_id', 'in', unitIds.slice(start, start + CHUNK))
      .executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}

/**
 * The stored assignments of these units with the experiment's key and name, for an export.
 * @example const rows = await exposuresOfUnits(db, 'ws', ['ann-42']);
 */
export async function exposuresOfUnits(
  db: Tx,
  workspaceId: string,
  unitIds: readonly string[],
): Promise<{ experimentKey: string | null; experimentName: string | null; unitId: string; variant: string; exposedAt: string }[]> {
  const result: { experimentKey: string | null; experimentName: string | null; unitId: string; variant: string; exposedAt: string }[] = [];
  for (let start = 0; start < unitIds.length; start += CHUNK) {
    const rows = await db
      .selectFrom('experiment_exposures as x')
      .leftJoin('experiments as e', (join) => join.onRef('e.workspace_id', '=', 'x.workspace_id').onRef('e.id', '=', 'x.experiment_id'))
      .select(['e.key', 'e.name', 'x.unit_id', 'x.variant', 'x.exposed_at'])
      .where('x.workspace_id', '=', workspaceId)
      .where('x.unit_id', 'in', unitIds.slice(start, start + CHUNK))
      .orderBy('x.exposed_at')
      .execute();
    for (const row of rows) result.push({ experimentKey: row.key, experimentName: row.name, unitId: row.unit_id, variant: row.variant, exposedAt: new Date(Number(row.exposed_at)).toISOString() });
  }
  return result;
}

/** Experiments of a workspace running or run to completion. */
export async function countExperimentsRun(db: Tx, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('experiments')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('status', 'in', ['running', 'completed'])
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
