import type { Tx } from '../../storage/database.js';
import { deleteWorkspaceIdentities } from '../../identity/index.js';
import { deleteWorkspaceProfiles } from '../../profiles/index.js';

/*
 * The processor's bookkeeping: where each partition's cursor stands, and the derived state a
 * replay throws away.
 */

export interface CursorPosition {
  workspaceId: string;
  partition: number;
  /** Sequence number of the partition's last appended event. */
  head: number;
  /** Sequence number of the last processed event (0: none). */
  cursor: number;
}

/** Head and cursor of every partition of every workspace (or of one workspace). */
export async function cursorPositions(db: Tx, workspaceId?: string): Promise<CursorPosition[]> {
  let query = db
    .selectFrom('log_heads as h')
    .leftJoin('processor_cursors as c', (join) => join.onRef('c.workspace_id', '=', 'h.workspace_id').onRef('c.partition', '=', 'h.partition'))
    .select(['h.workspace_id', 'h.partition', 'h.head', 'c.seq']);
  if (workspaceId !== undefined) query = query.where('h.workspace_id', '=', workspaceId);
  const rows = await query.orderBy('h.workspace_id').orderBy('h.partition').execute();
  return rows.map((row) => ({ workspaceId: row.workspace_id, partition: row.partition, head: row.head, cursor: row.seq ?? 0 }));
}

export async function readCursor(db: Tx, workspaceId: string, partition: number): Promise<number> {
  const row = await db.selectFrom('processor_cursors').select('seq').where('workspace_id', '=', workspaceId).where('partition', '=', partition).executeTakeFirst();
  return row?.seq ?? 0;
}

/**
 * Moves a cursor from `from` to `to` only if it still stands at `from`; returns false when it
 * does not (another worker or a replay moved it), and the caller must roll back.
 */
export async function advanceCursor(trx: Tx, workspaceId: string, partition: number, from: number, to: number, now: number): Promise<boolean> {
  if (from === 0) {
    const inserted = await trx
      .insertInto('processor_cursors')
      .values({ workspace_id: workspaceId, partition, seq: to, updated_at: now })
      .onConflict((conflict) => conflict.columns(['workspace_id', 'partition']).doUpdateSet({ seq: to, updated_at: now }).where('processor_cursors.seq', '=', 0))
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
  }
  const updated = await trx
    .updateTable('processor_cursors')
    .set({ seq: to, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('partition', '=', partition)
    .where('seq', '=', from)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** Receive time of the oldest unprocessed event of each lagging partition (for lag in ms). */
export async function oldestUnprocessed(db: Tx, positions: readonly CursorPosition[]): Promise<number | undefined> {
  let oldest: number | undefined;
  for (const position of positions) {
    if (position.cursor >= position.head) continue;
    const row = await db
      .selectFrom('events')
      .select('received_at')
      .where('workspace_id', '=', position.workspaceId)
      .where('partition', '=', position.partition)
      .where('seq', '>', position.cursor)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    if (row !== undefined && (oldest === undefined || row.received_at < oldest)) oldest = row.received_at;
  }
  return oldest;
}

/** Deletes everything the processor derived for a workspace (the log itself stays). */
export async function deleteDerivedState(trx: Tx, workspaceId: string): Promise<void> {
  await deleteWorkspaceProfiles(trx, workspaceId);
  await deleteWorkspaceIdentities(trx, workspaceId);
  await trx.deleteFrom('processor_cursors').where('workspace_id', '=', workspaceId).execute();
}
