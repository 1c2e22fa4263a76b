import { sql } from 'kysely';
import type { Tx } from '../../storage/database.js';

/*
 * SQL for privacy requests on the scheduler's jobs table: find the jobs whose payload names a
 * person, delete them, or rewrite a payload so it no longer does.
 */

const CHUNK = 500;

/** A LIKE pattern matching `text` literally anywhere (escape character `\`). */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * Deletes the jobs with these keys; returns how many.
 * @example await deleteJobsWithKeys(trx, 'ws', ['journey-run:jrn_1']);
 */
export async function deleteJobsWithKeys(db: Tx, workspaceId: string, keys: readonly string[]): Promise<number> {
  let deleted = 0;
  for (let start = 0; start < keys.length; start += CHUNK) {
    const part = keys.slice(start, start + CHUNK);
    const result = await db.deleteFrom('jobs').where('workspace_id', '=', workspaceId).where('key', 'in', part).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}

/**
 * Jobs whose JSON payload holds `text` (e.g. `"prf_1"`, quotes included, or `"after":"prf_1"`).
 * @example const jobs = await jobsWithPayloadContaining(trx, 'ws', '"prf_1"');
 */
export async function jobsWithPayloadContaining(db: Tx, workspaceId: string, text: string): Promise<{ key: string; kind: string; payload: string; dueAt: number; status: string }[]> {
  const rows = await db
    .selectFrom('jobs')
    .select(['key', 'kind', 'payload', 'due_at', 'status'])
    .where('workspace_id', '=', workspaceId)
    .where(sql<boolean>`payload like ${containsPattern(text)} escape '\\'`)
    .execute();
  return rows.map((row) => ({ key: row.key, kind: row.kind, payload: row.payload, dueAt: Number(row.due_at), status: row.status }));
}

/**
 * Replaces a job's payload (its key, due time and lease stay).
 * @example await replaceJobPayload(trx, 'ws', 'journey-audience:jny_1:0', '{"after":""}');
 */
export async function replaceJobPayload(db: Tx, workspaceId: string, key: string, payload: string): Promise<void> {
  await db.updateTable('jobs').set({ payload }).where('workspace_id', '=', workspaceId).where('key', '=', key).execute();
}
