import type { Tx } from '../../storage/database.js';

/** The stored identity-rule overrides of every workspace that has any (raw JSON values). */
export async function loadIdentityRuleOverrides(db: Tx): Promise<Map<string, unknown>> {
  const rows = await db.selectFrom('workspace_settings').select(['workspace_id', 'identity_rules']).execute();
  return new Map(
    rows.map((row): [string, unknown] => {
      const overrides: unknown = JSON.parse(row.identity_rules);
      return [row.workspace_id, overrides];
    }),
  );
}

/** When the workspace's overrides were last saved, if ever. */
export async function identityRulesSavedAt(db: Tx, workspaceId: string): Promise<number | undefined> {
  const row = await db.selectFrom('workspace_settings').select('updated_at').where('workspace_id', '=', workspaceId).executeTakeFirst();
  return row === undefined ? undefined : Number(row.updated_at);
}

/**
 * Saves the overrides; with `expected` only over the copy saved at that time (`null`: only when
 * none is), returning false when someone saved meanwhile.
 */
export async function saveIdentityRuleOverrides(db: Tx, workspaceId: string, overrides: unknown, now: number, expected?: number | null): Promise<boolean> {
  const identityRules = JSON.stringify(overrides);
  const values = { identity_rules: identityRules, updated_at: now };
  if (typeof expected === 'number') {
    const result = await db.updateTable('workspace_settings').set(values).where('workspace_id', '=', workspaceId).where('updated_at', '=', expected).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
  const result = await db
    .insertInto('workspace_settings')
    .values({ workspace_id: workspaceId, ...values })
    .onConflict((conflict) => (expected === null ? conflict.column('workspace_id').doNothing() : conflict.column('workspace_id').doUpdateSet(values)))
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}
