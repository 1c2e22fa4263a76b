import { sql } from 'kysely';
import { payloadColumns, payloadText, type StoredPayload } from '../../storage/payload-codec.js';
import type { Tx } from '../../storage/database.js';
import type { RecommendationTrainingsTable } from './tables.js';
import { readTimelinePage, type TimelineKey } from '../../profiles/index.js';

export type { TimelineKey } from '../../profiles/index.js';

/*
 * Storage of the recommendation module: training runs, business rules, and the reads that
 * feed the models (catalog rows, product events per profile, the live tail of the log).
 */

/** Events that carry product interactions (Segment e-commerce v2). */
export const productEvents = ['Product Viewed', 'Product Clicked', 'Product Added', 'Order Completed'] as const;
/** Catalog events the live tail also follows (stock and price changes between trainings). */
export const catalogEvents = ['Back In Stock', 'Price Dropped'] as const;

export interface TrainingRow {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  stage: string;
  progress: number;
  trigger: string;
  report: string;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

function isStatus(value: string): value is TrainingRow['status'] {
  return value === 'queued' || value === 'running' || value === 'succeeded' || value === 'failed';
}

export async function insertTraining(db: Tx, workspaceId: string, row: TrainingRow): Promise<void> {
  await db
    .insertInto('recommendation_trainings')
    .values({
      workspace_id: workspaceId,
      id: row.id,
      status: row.status,
      stage: row.stage,
      progress: row.progress,
      trigger: row.trigger,
      report: row.report,
      error: row.error,
      created_at: row.createdAt,
      started_at: row.startedAt,
      finished_at: row.finishedAt,
    })
    .execute();
}

export async function updateTraining(
  db: Tx,
  workspaceId: string,
  id: string,
  patch: Partial<Pick<TrainingRow, 'status' | 'stage' | 'progress' | 'report' | 'error' | 'startedAt' | 'finishedAt'>>,
): Promise<void> {
  await db
    .updateTable('recommendation_trainings')
    .set({
      ...(patch.status === undefined ? {} : { status: patch.status }),
      ...(patch.stage === undefined ? {} : { stage: patch.stage }),
      ...(patch.progress === undefined ? {} : { progress: patch.progress }),
      ...(patch.report === undefined ? {} : { report: patch.report }),
      ...(patch.error === undefined ? {} : { error: patch.error }),
      ...(patch.startedAt === undefined ? {} : { started_at: patch.startedAt }),
      ...(patch.finishedAt === undefined ? {} : { finished_at: patch.finishedAt }),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

function toTraining(row: Omit<RecommendationTrainingsTable, 'workspace_id'>): TrainingRow {
  return {
    id: row.id,
    status: isStatus(row.status) ? row.status : 'failed',
    stage: row.stage,
    progress: Number(row.progress),
    trigger: row.trigger,
    report: row.report,
    error: row.error,
    createdAt: Number(row.created_at),
    startedAt: row.started_at === null ? null : Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

export async function findTraining(db: Tx, workspaceId: string, id: string): Promise<TrainingRow | undefined> {
  const row = await db.selectFrom('recommendation_trainings').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toTraining(row);
}

/** Newest first. */
export async function listTrainings(db: Tx, workspaceId: string, limit: number): Promise<TrainingRow[]> {
  const rows = await db.selectFrom('recommendation_trainings').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toTraining);
}

/** Rules JSON by strategy ('*' = defaults of every strategy). */
export async function readRules(db: Tx, workspaceId: string): Promise<Map<string, string>> {
  const rows = await db.selectFrom('recommendation_rules').select(['strategy', 'rules']).where('workspace_id', '=', workspaceId).execute();
  return new Map(rows.map((row) => [row.strategy, row.rules]));
}

/** When each strategy's rules were saved (epoch ms), by strategy. */
export async function readRulesSavedAt(db: Tx, workspaceId: string): Promise<Map<string, number>> {
  const rows = await db.selectFrom('recommendation_rules').select(['strategy', 'updated_at']).where('workspace_id', '=', workspaceId).execute();
  return new Map(rows.map((row) => [row.strategy, Number(row.updated_at)]));
}

/**
 * Stores a strategy's rules. With `expected` (the updated_at the editor read, null: none stored
 * yet) it writes only over that copy (a compare-and-set); false when someone saved meanwhile.
 */
export async function writeRules(db: Tx, workspaceId: string, strategy: string, rules: string, now: number, expected?: number | null): Promise<boolean> {
  if (typeof expected === 'number') {
    const result = await db
      .updateTable('recommendation_rules')
      .set({ rules, updated_at: now })
      .where('workspace_id', '=', workspaceId)
      .where('strategy', '=', strategy)
      .where('updated_at', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
  const result = await db
    .insertInto('recommendation_rules')
    .values({ workspace_id: workspaceId, strategy, rules, updated_at: now })
    .onConflict((conflict) => (expected === null ? conflict.columns(['workspace_id', 'strategy']).doNothing() : conflict.columns(['workspace_id', 'strategy']).doUpdateSet({ rules, updated_at: now })))
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function deleteRules(db: Tx, workspaceId: string, strategy: string): Promise<boolean> {
  const result = await db.deleteFrom('recommendation_rules').where('workspace_id', '=', workspaceId).where('strategy', '=', strategy).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface ProductEventRow {
  profileId: string;
  timestamp: number;
  partition: number;
  seq: number;
  event: string;
  payload: string;
}

/**
 * A page of product events over every profile's timeline, in (profile, time) order, after
 * `after`; `last` moves past every row read, kept or not.
 */
export async function readProductEventPage(db: Tx, workspaceId: string, after: TimelineKey | undefined, limit: number): Promise<{ rows: ProductEventRow[]; last: TimelineKey | undefined }> {
  const page = await readTimelinePage(db, workspaceId, after, limit);
  const wanted = new Set<string>(productEvents);
  return {
    rows: page.rows
      .filter((row) => row.type === 'track' && row.event !== null && wanted.has(row.event))
      .map((row) => ({ profileId: row.profileId, timestamp: row.timestamp, partition: row.partition, seq: row.seq, event: row.event ?? '', payload: row.payload })),
    last: page.last,
  };
}

/** The newest product events of one profile (scanning at most `scan` timeline rows), newest first. */
export async function readRecentProductEvents(db: Tx, workspaceId: string, profileId: string, scan: number): Promise<ProductEventRow[]> {
  // Read on every request with a profile: a plain SQL template compiles in a fraction of the builder's time.
  const { rows } = await sql<{
    profile_id: string;
    timestamp: number | string;
    partition: number;
    seq: number | string;
    event: string | null;
    type: string;
    message_id: string;
    user_id: string | null;
    anonymous_id: string | null;
    event_timestamp: number | string;
    received_at: number | string;
    payload: StoredPayload;
  }>`
    select pe.profile_id, pe.timestamp, pe.partition, pe.seq, e.event, e.type, e.message_id, e.user_id, e.anonymous_id, e.timestamp as event_timestamp, e.received_at, e.payload
    from profile_events pe
    inner join events e on e.workspace_id = pe.workspace_id and e.partition = pe.partition and e.seq = pe.seq
    where pe.workspace_id = ${workspaceId} and pe.profile_id = ${profileId}
    order by pe.timestamp desc, pe.partition desc, pe.seq desc
    limit ${scan}`.execute(db);
  const wanted = new Set<string>(productEvents);
  return rows
    .filter((row) => row.type === 'track' && row.event !== null && wanted.has(row.event))
    .map((row) => ({
      profileId: row.profile_id,
      timestamp: Number(row.timestamp),
      partition: row.partition,
      seq: Number(row.seq),
      event: row.event ?? '',
      payload: payloadText(row.payload, { ...row, timestamp: Number(row.event_timestamp), received_at: Number(row.received_at) }),
    }));
}

/** Product events of one partition after `afterSeq` (the live tail), with the last seq read. */
export async function readProductEventsAfter(
  db: Tx,
  workspaceId: string,
  partition: number,
  afterSeq: number,
  limit: number,
): Promise<{ rows: { seq: number; event: string; timestamp: number; payload: string }[]; lastSeq: number }> {
  // Other events are skipped inside the store (their payloads are never read); the cursor still
  // moves past them, up to the partition's last event as of this read.
  const head = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('workspace_id', '=', workspaceId)
    .where('partition', '=', partition)
    .executeTakeFirst();
  const upTo = head?.seq === null || head?.seq === undefined ? afterSeq : Number(head.seq);
  if (upTo <= afterSeq) return { rows: [], lastSeq: afterSeq };
  const rows = await db
    .selectFrom('events')
    .select(['seq', ...payloadColumns])
    .where('workspace_id', '=', workspaceId)
    .where('partition', '=', partition)
    .where('seq', '>', afterSeq)
    .where('seq', '<=', upTo)
    .where('type', '=', 'track')
    .where('event', 'in', [...productEvents, ...catalogEvents])
    .orderBy('seq')
    .limit(limit)
    .execute();
  const last = rows.at(-1);
  return {
    rows: rows.map((row) => ({ seq: Number(row.seq), event: row.event ?? '', timestamp: Number(row.timestamp), payload: payloadText(row.payload, row) })),
    lastSeq: rows.length < limit || last === undefined ? upTo : Number(last.seq),
  };
}

/**
 * The processor's cursor of a partition: every event up to it is in the profiles' timelines
 * (committed in one transaction with the cursor), so training reads up to it and the live tail
 * starts after it, and no event is missed or counted twice.
 */
export async function processedUpTo(db: Tx, workspaceId: string, partition: number): Promise<number> {
  const row = await db.selectFrom('processor_cursors').select('seq').where('workspace_id', '=', workspaceId).where('partition', '=', partition).executeTakeFirst();
  return row === undefined ? 0 : Number(row.seq);
}

// ---- model snapshots ----

export interface ModelSnapshot {
  version: number;
  trainingId: string;
  trainedAt: number;
  cursors: number[];
  model: Buffer;
  createdAt: number;
}

/** Stores a workspace's newest models in place of the previous ones; returns the new version. */
export async function saveModelSnapshot(db: Tx, workspaceId: string, snapshot: Omit<ModelSnapshot, 'version'>): Promise<number> {
  const row = await db
    .insertInto('recommendation_models')
    .values({
      workspace_id: workspaceId,
      version: 1,
      training_id: snapshot.trainingId,
      trained_at: snapshot.trainedAt,
      cursors: JSON.stringify(snapshot.cursors),
      model: snapshot.model,
      bytes: snapshot.model.byteLength,
      created_at: snapshot.createdAt,
    })
    .onConflict((oc) =>
      oc.column('workspace_id').doUpdateSet((eb) => ({
        version: eb('recommendation_models.version', '+', 1),
        training_id: eb.ref('excluded.training_id'),
        trained_at: eb.ref('excluded.trained_at'),
        cursors: eb.ref('excluded.cursors'),
        model: eb.ref('excluded.model'),
        bytes: eb.ref('excluded.bytes'),
        created_at: eb.ref('excluded.created_at'),
      })),
    )
    .returning('version')
    .executeTakeFirstOrThrow();
  return Number(row.version);
}

/** The version of a workspace's stored models (one indexed row, no model bytes), or undefined when none is stored. */
export async function modelSnapshotVersion(db: Tx, workspaceId: string): Promise<number | undefined> {
  const row = await db.selectFrom('recommendation_models').select('version').where('workspace_id', '=', workspaceId).executeTakeFirst();
  return row === undefined ? undefined : Number(row.version);
}

/** A workspace's stored models, or undefined. */
export async function readModelSnapshot(db: Tx, workspaceId: string): Promise<ModelSnapshot | undefined> {
  const row = await db.selectFrom('recommendation_models').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
  if (row === undefined) return undefined;
  const cursors: unknown = JSON.parse(row.cursors);
  return {
    version: Number(row.version),
    trainingId: row.training_id,
    trainedAt: Number(row.trained_at),
    cursors: Array.isArray(cursors) ? cursors.map(Number) : [],
    model: Buffer.from(row.model),
    createdAt: Number(row.created_at),
  };
}
