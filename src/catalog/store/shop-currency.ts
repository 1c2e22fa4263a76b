import type { Tx } from '../../storage/database.js';

/**
 * The shop's currency: the one most of its catalog is priced in, or undefined for an empty
 * catalog. Money in reports is rounded to this currency's digits.
 * @example await readShopCurrency(db, 'default') // 'EUR'
 */
export async function readShopCurrency(db: Tx, workspaceId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('products')
    .select(['currency', (eb) => eb.fn.countAll().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('currency', 'is not', null)
    .groupBy('currency')
    .orderBy('n', 'desc')
    .orderBy('currency')
    .limit(1)
    .executeTakeFirst();
  return row?.currency ?? undefined;
}
