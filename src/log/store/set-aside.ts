import type { Tx } from '../../storage/database.js';
import type { RejectedRow } from './event-log.js';

/**
 * One event a follower of the log could not apply, kept with the reason (listed by
 * `GET /api/v1/events/rejected`); its id is `<follower>-<partition>-<seq>`, so the same event
 * set aside twice (a crash between) is recorded once.
 */
export type SetAsideRow = RejectedRow;

/**
 * Records events set aside. Idempotent on the id, so a follower whose cursor lives in another
 * store (the DuckDB replica) may record before it commits there.
 * @example await recordSetAside(trx, 'ws', [{ id: 'processor-0-12', receivedAt: 0, sourceId: null, code: 'processing_failed', message: '...', payload: '{}' }]);
 */
export async function recordSetAside(trx: Tx, workspaceId: string, rows: readonly SetAsideRow[]): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('rejected_events')
    .values(rows.map((row) => ({ workspace_id: workspaceId, id: row.id, received_at: row.receivedAt, source_id: row.sourceId, code: row.code, message: row.message, payload: row.payload })))
    .onConflict((conflict) => conflict.columns(['workspace_id', 'id']).doNothing())
    .execute();
}
