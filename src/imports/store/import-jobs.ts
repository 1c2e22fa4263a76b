import type { Tx } from '../../storage/database.js';
import type { ImportJobsTable } from './tables.js';
import { importPercent, isImportFormat, isImportKind, isImportStatus, type ImportFormat, type ImportJob, type ImportKind, type ImportStatus, type RowError } from '../import-job.js';

export interface NewImportJob {
  id: string;
  kind: ImportKind;
  format: ImportFormat;
  name: string;
  bytesTotal: number | null;
  createdAt: number;
}

/** The mutable part of a job; absent fields are left as they are. */
export interface ImportJobPatch {
  status?: ImportStatus;
  bytesDone?: number;
  rowsOk?: number;
  rowsFailed?: number;
  errors?: RowError[];
  error?: string | null;
  startedAt?: number;
  finishedAt?: number;
}

export async function insertImportJob(db: Tx, workspaceId: string, job: NewImportJob): Promise<void> {
  await db
    .insertInto('import_jobs')
    .values({
      workspace_id: workspaceId,
      id: job.id,
      kind: job.kind,
      format: job.format,
      source: job.name,
      status: 'queued',
      bytes_total: job.bytesTotal,
      bytes_done: 0,
      rows_ok: 0,
      rows_failed: 0,
      errors: '[]',
      error: null,
      created_at: job.createdAt,
      started_at: null,
      finished_at: null,
    })
    .execute();
}

export async function updateImportJob(db: Tx, workspaceId: string, id: string, patch: ImportJobPatch): Promise<void> {
  const set: Partial<ImportJobsTable> = {};
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.bytesDone !== undefined) set.bytes_done = patch.bytesDone;
  if (patch.rowsOk !== undefined) set.rows_ok = patch.rowsOk;
  if (patch.rowsFailed !== undefined) set.rows_failed = patch.rowsFailed;
  if (patch.errors !== undefined) set.errors = JSON.stringify(patch.errors);
  if (patch.error !== undefined) set.error = patch.error;
  if (patch.startedAt !== undefined) set.started_at = patch.startedAt;
  if (patch.finishedAt !== undefined) set.finished_at = patch.finishedAt;
  if (Object.keys(set).length === 0) return;
  await db.updateTable('import_jobs').set(set).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

export async function findImportJob(db: Tx, workspaceId: string, id: string): Promise<ImportJob | undefined> {
  const row = await db.selectFrom('import_jobs').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row ? toJob(row) : undefined;
}

/** The newest jobs first. */
export async function listImportJobs(db: Tx, workspaceId: string, limit = 100): Promise<ImportJob[]> {
  const rows = await db.selectFrom('import_jobs').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toJob);
}

function toJob(row: ImportJobsTable): ImportJob {
  if (!isImportKind(row.kind) || !isImportFormat(row.format) || !isImportStatus(row.status)) {
    throw new Error(`import job ${row.id} has an unknown kind, format or status`);
  }
  const bytesTotal = row.bytes_total === null ? null : Number(row.bytes_total);
  const bytesDone = Number(row.bytes_done);
  return {
    id: row.id,
    kind: row.kind,
    format: row.format,
    name: row.source,
    status: row.status,
    bytesTotal: bytesTotal,
    bytesDone: bytesDone,
    percent: importPercent(row.status, bytesDone, bytesTotal),
    rowsOk: Number(row.rows_ok),
    rowsFailed: Number(row.rows_failed),
    errors: parseErrors(row.errors),
    error: row.error,
    createdAt: iso(row.created_at),
    startedAt: row.started_at === null ? null : iso(row.started_at),
    finishedAt: row.finished_at === null ? null : iso(row.finished_at),
  };
}

function parseErrors(text: string): RowError[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) return [];
  const errors: RowError[] = [];
  for (const item of value) {
    if (typeof item === 'object' && item !== null && 'line' in item && 'reason' in item && typeof item.line === 'number' && typeof item.reason === 'string') {
      errors.push({ line: item.line, reason: item.reason });
    }
  }
  return errors;
}

function iso(ms: number): string {
  return new Date(Number(ms)).toISOString();
}
