import type { Tx } from '../../storage/database.js';
import { readTimelinePage, type TimelineKey } from '../../profiles/index.js';

export type { TimelineKey } from '../../profiles/index.js';

/*
 * What the predictive models read (orders and behaviour resolved to profiles, tracked
 * inventory) and the model reports they write.
 */

/** Track events the models use; page and screen views count as sessions. */
export const BEHAVIOUR_EVENTS = ['Order Completed', 'Product Viewed', 'Product Added', 'Email Opened', 'Email Link Clicked'] as const;

export interface BehaviourRow {
  profileId: string;
  timestamp: number;
  type: string;
  event: string | null;
  /** The stored message JSON (only parsed for orders). */
  payload: string;
}

/**
 * A page of behaviour events over every profile's timeline in (profile, time) order, after
 * `after`, so a profile's events arrive together and in order; `last` moves past every row
 * read, kept or not.
 * @example let page = await readBehaviourPage(db, 'ws', undefined, 5000);
 */
export async function readBehaviourPage(db: Tx, workspaceId: string, after: TimelineKey | undefined, limit: number): Promise<{ rows: BehaviourRow[]; last: TimelineKey | undefined }> {
  const page = await readTimelinePage(db, workspaceId, after, limit);
  const wanted = new Set<string>(BEHAVIOUR_EVENTS);
  return {
    rows: page.rows
      .filter((row) => row.type === 'page' || row.type === 'screen' || (row.type === 'track' && row.event !== null && wanted.has(row.event)))
      .map((row) => ({ profileId: row.profileId, timestamp: row.timestamp, type: row.type, event: row.event, payload: row.payload })),
    last: page.last,
  };
}

export interface PredictiveReportRow {
  id: string;
  status: 'running' | 'completed' | 'failed';
  trigger: string;
  startedAt: number;
  finishedAt: number | null;
  /** The report JSON text. */
  report: string;
  error: string | null;
}

function toRow(row: { id: string; status: string; trigger: string; started_at: number; finished_at: number | null; report: string; error: string | null }): PredictiveReportRow {
  const status = row.status === 'completed' || row.status === 'failed' ? row.status : 'running';
  return { id: row.id, status, trigger: row.trigger, startedAt: Number(row.started_at), finishedAt: row.finished_at === null ? null : Number(row.finished_at), report: row.report, error: row.error };
}

/**
 * Stores a new report in the running state.
 * @example await insertPredictiveReport(db, 'ws', { id: 'pred_1', trigger: 'cli', startedAt: Date.now() });
 */
export async function insertPredictiveReport(db: Tx, workspaceId: string, report: { id: string; trigger: string; startedAt: number }): Promise<void> {
  await db
    .insertInto('predictive_reports')
    .values({ workspace_id: workspaceId, id: report.id, status: 'running', trigger: report.trigger, started_at: report.startedAt, finished_at: null, report: '{}', error: null })
    .execute();
}

/**
 * Completes or fails a report.
 * @example await finishPredictiveReport(db, 'ws', 'pred_1', { status: 'completed', finishedAt: Date.now(), report: '{}', error: null });
 */
export async function finishPredictiveReport(
  db: Tx,
  workspaceId: string,
  id: string,
  outcome: { status: 'completed' | 'failed'; finishedAt: number; report: string; error: string | null },
): Promise<void> {
  await db
    .updateTable('predictive_reports')
    .set({ status: outcome.status, finished_at: outcome.finishedAt, report: outcome.report, error: outcome.error })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

/**
 * One report by id.
 * @example const row = await findPredictiveReport(db, 'ws', 'pred_1');
 */
export async function findPredictiveReport(db: Tx, workspaceId: string, id: string): Promise<PredictiveReportRow | undefined> {
  const row = await db.selectFrom('predictive_reports').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toRow(row);
}

/**
 * The newest reports first.
 * @example const [latest] = await listPredictiveReports(db, 'ws', 1);
 */
export async function listPredictiveReports(db: Tx, workspaceId: string, limit: number): Promise<PredictiveReportRow[]> {
  const rows = await db.selectFrom('predictive_reports').selectAll().where('workspace_id', '=', workspaceId).orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toRow);
}

/**
 * Marks failed the reports left running by a process that died (their refresh will never finish).
 * @example await failStaleReports(db, 'ws', Date.now(), Date.now());
 */
export async function failStaleReports(db: Tx, workspaceId: string, startedBefore: number, finishedAt: number): Promise<number> {
  const result = await db
    .updateTable('predictive_reports')
    .set({ status: 'failed', finished_at: finishedAt, error: 'the refresh was interrupted (the process stopped)' })
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'running')
    .where('started_at', '<', startedBefore)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
