import type { Tx } from '../../storage/database.js';

/** The stored brand of a workspace (raw JSON text), if one was saved. */
export async function readBrand(db: Tx, workspaceId: string): Promise<string | undefined> {
  const row = await db.selectFrom('workspace_brand').select('brand').where('workspace_id', '=', workspaceId).executeTakeFirst();
  return row?.brand;
}

export async function writeBrand(db: Tx, workspaceId: string, brand: string, now: number): Promise<void> {
  await db
    .insertInto('workspace_brand')
    .values({ workspace_id: workspaceId, brand, updated_at: now })
    .onConflict((conflict) => conflict.column('workspace_id').doUpdateSet({ brand, updated_at: now }))
    .execute();
}
