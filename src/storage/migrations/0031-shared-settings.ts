import type { Kysely, Migration } from 'kysely';

/*
 * Issue 17 (several processes on one store): settings-change counters every process checks
 * instead of caching settings for a fixed time, and the secrets that used to be per-node files
 * (link HMAC key, VAPID key pair), created once and read by every process.
 */
export const sharedSettings: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('setting_changes')
      .addColumn('topic', 'text', (c) => c.notNull())
      // '' for changes that belong to no workspace (the '*' row).
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('changed_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('setting_changes_pk', ['topic', 'workspace_id'])
      .execute();
    await db.schema
      .createTable('server_secrets')
      .addColumn('name', 'text', (c) => c.notNull().primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
