import type { Kysely, Migration } from 'kysely';

/* Per-workspace settings, starting with the identity rules a workspace overrides (JSON). */
export const workspaceSettings: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('workspace_settings')
      .addColumn('workspace_id', 'text', (c) => c.primaryKey())
      .addColumn('identity_rules', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
