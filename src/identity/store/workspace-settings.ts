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

export async function saveIdentityRuleOverrides(db: Tx, workspaceId: string, overrides: unknown, now: number): Promise<void> {
  const identityRules = JSON.stringify(overrides);
  await db
    .insertInto('workspace_settings')
    .values({ workspace_id: workspaceId, identity_rules: identityRules, updated_at: now })
    .onConflict((conflict) => conflict.column('workspace_id').doUpdateSet({ identity_rules: identityRules, updated_at: now }))
    .execute();
}
