import type { Tx } from '../../storage/database.js';

/*
 * SQL for privacy requests on the journeys and scheduler tables (migration 0006): find, export
 * and erase one person's runs (with their steps, conversions and awaited events), entries,
 * sends, list memberships, catalog interest and recorded messages.
 */

const CHUNK = 500;

function chunks<T>(values: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < values.length; start += CHUNK) result.push(values.slice(start, start + CHUNK));
  return result;
}

/** Journey tables with one row per profile and something. */
export type JourneyProfileTable = 'journey_runs' | 'journey_entries' | 'journey_sends' | 'list_members' | 'product_interest' | 'recorded_messages';

/** Journey tables keyed by run. */
export type JourneyRunTable = 'journey_steps' | 'journey_conversions';

/**
 * Ids of every run of these profiles, in any state.
 * @example const runIds = await runIdsOfProfiles(trx, 'ws', ['prf_1']);
 */
export async function runIdsOfProfiles(db: Tx, workspaceId: string, profileIds: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const part of chunks(profileIds)) {
    const rows = await db.selectFrom('journey_runs').select('id').where('workspace_id', '=', workspaceId).where('profile_id', 'in', part).execute();
    ids.push(...rows.map((row) => row.id));
  }
  return ids;
}

/**
 * Deletes a table's rows of these profiles; returns how many.
 * @example await deleteJourneyRowsOfProfiles(trx, 'journey_entries', 'ws', ['prf_1']);
 */
export async function deleteJourneyRowsOfProfiles(db: Tx, table: JourneyProfileTable, workspaceId: string, profileIds: readonly string[]): Promise<number> {
  let deleted = 0;
  for (const part of chunks(profileIds)) {
    const result = await db.deleteFrom(table).where('workspace_id', '=', workspaceId).where('profile_id', 'in', part).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}

/**
 * Deletes a table's rows of these runs; returns how many.
 * @example await deleteJourneyRowsOfRuns(trx, 'journey_steps', 'ws', runIds);
 */
export async function deleteJourneyRowsOfRuns(db: Tx, table: JourneyRunTable, workspaceId: string, runIds: readonly string[]): Promise<number> {
  let deleted = 0;
  for (const part of chunks(runIds)) {
    const result = await db.deleteFrom(table).where('workspace_id', '=', workspaceId).where('run_id', 'in', part).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}

/**
 * What journeys hold about these profiles, for an export: runs with their steps, list
 * memberships and recorded (not sent) messages.
 * @example const data = await journeyRowsOfProfiles(db, 'ws', ['prf_1']);
 */
export async function journeyRowsOfProfiles(db: Tx, workspaceId: string, profileIds: readonly string[]): Promise<{ runs: unknown[]; lists: unknown[]; recordedMessages: unknown[] }> {
  const runs: unknown[] = [];
  const lists: unknown[] = [];
  const recordedMessages: unknown[] = [];
  for (const part of chunks(profileIds)) {
    const runRows = await db
      .selectFrom('journey_runs')
      .select(['id', 'journey_id', 'version', 'entry_key', 'status', 'node_id', 'context', 'entered_at', 'exited_at', 'exit_reason'])
      .where('workspace_id', '=', workspaceId)
      .where('profile_id', 'in', part)
      .orderBy('entered_at')
      .execute();
    const steps =
      runRows.length === 0
        ? []
        : await db
            .selectFrom('journey_steps')
            .select(['run_id', 'step', 'node_id', 'kind', 'status', 'outcome', 'at'])
            .where('workspace_id', '=', workspaceId)
            .where(
              'run_id',
              'in',
              runRows.map((row) => row.id),
            )
            .orderBy('step')
            .execute();
    for (const run of runRows) {
      runs.push({
        journeyId: run.journey_id,
        version: run.version,
        entryKey: run.entry_key,
        status: run.status,
        nodeId: run.node_id,
        context: JSON.parse(run.context) as unknown,
        enteredAt: new Date(Number(run.entered_at)).toISOString(),
        exitedAt: run.exited_at === null ? null : new Date(Number(run.exited_at)).toISOString(),
        exitReason: run.exit_reason,
        steps: steps
          .filter((step) => step.run_id === run.id)
          .map((step) => ({
            step: step.step,
            nodeId: step.node_id,
            kind: step.kind,
            status: step.status,
            outcome: step.outcome === null ? null : (JSON.parse(step.outcome) as unknown),
            at: new Date(Number(step.at)).toISOString(),
          })),
      });
    }
    const listRows = await db.selectFrom('list_members').select(['list_id', 'added_at']).where('workspace_id', '=', workspaceId).where('profile_id', 'in', part).execute();
    lists.push(...listRows.map((row) => ({ listId: row.list_id, addedAt: new Date(Number(row.added_at)).toISOString() })));
    const recorded = await db
      .selectFrom('recorded_messages')
      .select(['channel', 'template_id', 'request', 'sent_at'])
      .where('workspace_id', '=', workspaceId)
      .where('profile_id', 'in', part)
      .execute();
    recordedMessages.push(
      ...recorded.map((row) => ({ channel: row.channel, templateId: row.template_id, request: JSON.parse(row.request) as unknown, at: new Date(Number(row.sent_at)).toISOString() })),
    );
  }
  return { runs, lists, recordedMessages };
}
