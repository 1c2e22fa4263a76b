import type { Tx } from '../../storage/database.js';

/** The stored brand of a workspace (raw JSON text) and when it was saved, if one was. */
export async function readBrand(db: Tx, workspaceId: string): Promise<{ brand: string; updatedAt: number } | undefined> {
  const row = await db.selectFrom('workspace_brand').select(['brand', 'updated_at']).where('workspace_id', '=', workspaceId).executeTakeFirst();
  return row === undefined ? undefined : { brand: row.brand, updatedAt: Number(row.updated_at) };
}

/**
 * Writes the brand. With `expected` it is a compare-and-set: `null` writes only when no brand was
 * saved yet, a time only over the brand saved at that time; false when the brand moved meanwhile.
 */
export async function writeBrand(db: Tx, workspaceId: string, brand: string, now: number, expected?: number | null): Promise<boolean> {
  if (typeof expected === 'number') {
    const updated = await db.updateTable('workspace_brand').set({ brand, updated_at: now }).where('workspace_id', '=', workspaceId).where('updated_at', '=', expected).executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }
  const insert = db.insertInto('workspace_brand').values({ workspace_id: workspaceId, brand, updated_at: now });
  const written = await (
    expected === null
      ? insert.onConflict((conflict) => conflict.column('workspace_id').doNothing())
      : insert.onConflict((conflict) => conflict.column('workspace_id').doUpdateSet({ brand, updated_at: now }))
  ).executeTakeFirst();
  return Number(written.numInsertedOrUpdatedRows ?? 0) === 1;
}
