import type { Tx } from '../../storage/database.js';

/* Ad spend, report schedules and analysis usage (issue 6). */

export interface AdSpendRow {
  source: string;
  campaign: string;
  /** YYYY-MM-DD (UTC) of the first day the amount covers. */
  day: string;
  amount: number;
}

/**
 * Inserts or replaces spend rows (one per source, campaign and day).
 * @example await upsertAdSpend(trx, 'ws', [{ source: 'google', campaign: '', day: '2024-05-01', amount: 120 }], now);
 */
export async function upsertAdSpend(db: Tx, workspaceId: string, rows: readonly AdSpendRow[], now: number): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('analytics_ad_spend')
    .values(rows.map((row) => ({ workspace_id: workspaceId, source: row.source, campaign: row.campaign, day: row.day, amount: row.amount, updated_at: now })))
    .onConflict((conflict) => conflict.columns(['workspace_id', 'source', 'campaign', 'day']).doUpdateSet((eb) => ({ amount: eb.ref('excluded.amount'), updated_at: eb.ref('excluded.updated_at') })))
    .execute();
}

/**
 * Spend rows with `fromDay <= day < toDay` (YYYY-MM-DD strings compare in date order).
 * @example await listAdSpend(db, 'ws', '2024-05-01', '2024-06-01');
 */
export async function listAdSpend(db: Tx, workspaceId: string, fromDay: string, toDay: string): Promise<AdSpendRow[]> {
  const rows = await db
    .selectFrom('analytics_ad_spend')
    .select(['source', 'campaign', 'day', 'amount'])
    .where('workspace_id', '=', workspaceId)
    .where('day', '>=', fromDay)
    .where('day', '<', toDay)
    .orderBy('day')
    .orderBy('source')
    .orderBy('campaign')
    .execute();
  return rows.map((row) => ({ source: row.source, campaign: row.campaign, day: row.day, amount: Number(row.amount) }));
}

export interface ReportScheduleRow {
  workspaceId: string;
  id: string;
  frequency: string;
  recipients: string[];
  nextRunAt: number;
  lastRunAt: number | null;
  lastError: string | null;
  createdAt: number;
}

function toSchedule(row: {
  workspace_id: string;
  id: string;
  frequency: string;
  recipients: string;
  next_run_at: number;
  last_run_at: number | null;
  last_error: string | null;
  created_at: number;
}): ReportScheduleRow {
  const recipients: unknown = JSON.parse(row.recipients);
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    frequency: row.frequency,
    recipients: Array.isArray(recipients) ? recipients.filter((value): value is string => typeof value === 'string') : [],
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    lastError: row.last_error,
    createdAt: row.created_at,
  };
}

/**
 * Stores a new digest schedule.
 * @example await insertReportSchedule(db, schedule);
 */
export async function insertReportSchedule(db: Tx, schedule: ReportScheduleRow): Promise<void> {
  await db
    .insertInto('analytics_report_schedules')
    .values({
      workspace_id: schedule.workspaceId,
      id: schedule.id,
      frequency: schedule.frequency,
      recipients: JSON.stringify(schedule.recipients),
      next_run_at: schedule.nextRunAt,
      last_run_at: schedule.lastRunAt,
      last_error: schedule.lastError,
      created_at: schedule.createdAt,
    })
    .execute();
}

/**
 * A workspace's digest schedules, oldest first.
 * @example await listReportSchedules(db, 'ws');
 */
export async function listReportSchedules(db: Tx, workspaceId: string): Promise<ReportScheduleRow[]> {
  const rows = await db.selectFrom('analytics_report_schedules').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toSchedule);
}

/**
 * Removes a schedule; false when there was none.
 * @example await deleteReportSchedule(db, 'ws', 'rpt_1');
 */
export async function deleteReportSchedule(db: Tx, workspaceId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('analytics_report_schedules').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Schedules due at `now` (of every workspace, or of one), soonest first.
 * @example await dueReportSchedules(db, Date.now(), 100);
 */
export async function dueReportSchedules(db: Tx, now: number, limit: number, workspaceId?: string): Promise<ReportScheduleRow[]> {
  let query = db.selectFrom('analytics_report_schedules').selectAll().where('next_run_at', '<=', now);
  if (workspaceId !== undefined) query = query.where('workspace_id', '=', workspaceId);
  const rows = await query.orderBy('next_run_at').limit(limit).execute();
  return rows.map(toSchedule);
}

/**
 * Moves a schedule on after a run, only if nobody else did (`expectedNextRunAt` unchanged), so two
 * workers never both send one digest. Returns whether this caller claimed the run.
 * @example if (await claimReportRun(db, 'ws', id, due, next, now)) await send();
 */
export async function claimReportRun(db: Tx, workspaceId: string, id: string, expectedNextRunAt: number, nextRunAt: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('analytics_report_schedules')
    .set({ next_run_at: nextRunAt, last_run_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('next_run_at', '=', expectedNextRunAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Records the last send error of a schedule (null after a success).
 * @example await setReportError(db, 'ws', id, null);
 */
export async function setReportError(db: Tx, workspaceId: string, id: string, error: string | null): Promise<void> {
  await db.updateTable('analytics_report_schedules').set({ last_error: error }).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

/**
 * Counts one run of an analysis (the maturity assessment reads which analyses a shop uses).
 * @example await noteAnalysisRun(db, 'ws', 'funnel', Date.now());
 */
export async function noteAnalysisRun(db: Tx, workspaceId: string, analysis: string, now: number): Promise<void> {
  await db
    .insertInto('analytics_usage')
    .values({ workspace_id: workspaceId, analysis, runs: 1, last_run_at: now })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'analysis']).doUpdateSet((eb) => ({ runs: eb('analytics_usage.runs', '+', 1), last_run_at: eb.ref('excluded.last_run_at') })))
    .execute();
}

/**
 * Runs per analysis of a workspace.
 * @example (await readAnalysisUsage(db, 'ws')).get('funnel')
 */
export async function readAnalysisUsage(db: Tx, workspaceId: string): Promise<Map<string, number>> {
  const rows = await db.selectFrom('analytics_usage').select(['analysis', 'runs']).where('workspace_id', '=', workspaceId).execute();
  return new Map(rows.map((row) => [row.analysis, Number(row.runs)]));
}
