import type { Kysely, Migration } from 'kysely';

/*
 * Credentials that can be limited and expire, and the audit log of admin changes.
 * `admin_tokens.scopes` is a JSON array (read, write, admin); NULL means every scope, so tokens
 * created before this migration keep full access. `expires_at` NULL means never.
 */
export const credentialScopesAudit: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema.alterTable('admin_tokens').addColumn('scopes', 'text').execute();
    await db.schema.alterTable('admin_tokens').addColumn('expires_at', 'bigint').execute();
    await db.schema.alterTable('write_keys').addColumn('expires_at', 'bigint').execute();
    await db.schema
      .createTable('audit_log')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('token_id', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('route', 'text', (c) => c.notNull())
      .addColumn('resource_ids', 'text', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('ip', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('audit_log_pk', ['workspace_id', 'id'])
      .execute();
    await db.schema.createIndex('audit_log_at_idx').on('audit_log').columns(['workspace_id', 'at', 'id']).execute();
  },
};
