import type { Kysely, Migration } from 'kysely';

/*
 * The core schema. Every table's key starts with workspace_id (the Citus distribution column
 * when PostgreSQL is scaled out). Times are BIGINT milliseconds; JSON is TEXT.
 */
export const core: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('workspaces')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('write_keys')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addPrimaryKeyConstraint('write_keys_pk', ['workspace_id', 'id'])
      .addUniqueConstraint('write_keys_key_uq', ['key'])
      .execute();

    await db.schema
      .createTable('admin_tokens')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .addPrimaryKeyConstraint('admin_tokens_pk', ['workspace_id', 'id'])
      .addUniqueConstraint('admin_tokens_hash_uq', ['token_hash'])
      .execute();

    await db.schema
      .createTable('log_heads')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('partition', 'integer', (c) => c.notNull())
      .addColumn('head', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('log_heads_pk', ['workspace_id', 'partition'])
      .execute();

    await db.schema
      .createTable('events')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('partition', 'integer', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('event', 'text')
      .addColumn('user_id', 'text')
      .addColumn('anonymous_id', 'text')
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('source_id', 'text')
      .addColumn('payload', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('events_pk', ['workspace_id', 'partition', 'seq'])
      .addUniqueConstraint('events_message_id_uq', ['workspace_id', 'message_id'])
      .execute();

    await db.schema
      .createTable('rejected_events')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('source_id', 'text')
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('rejected_events_pk', ['workspace_id', 'id'])
      .execute();

    await db.schema
      .createTable('processor_cursors')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('partition', 'integer', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('processor_cursors_pk', ['workspace_id', 'partition'])
      .execute();

    await db.schema
      .createTable('identities')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('identities_pk', ['workspace_id', 'type', 'value'])
      .execute();
    await db.schema.createIndex('identities_profile_idx').on('identities').columns(['workspace_id', 'profile_id']).execute();

    await db.schema
      .createTable('profiles')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('merged_into', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('profiles_pk', ['workspace_id', 'id'])
      .execute();
    await db.schema.createIndex('profiles_merged_into_idx').on('profiles').columns(['workspace_id', 'merged_into']).execute();

    await db.schema
      .createTable('profile_merges')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('into_profile_id', 'text', (c) => c.notNull())
      .addColumn('from_profile_id', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('identifier_type', 'text', (c) => c.notNull())
      .addColumn('identifier_value', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('merged_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('profile_merges_pk', ['workspace_id', 'id'])
      .execute();
    await db.schema.createIndex('profile_merges_into_idx').on('profile_merges').columns(['workspace_id', 'into_profile_id']).execute();
    await db.schema.createIndex('profile_merges_from_idx').on('profile_merges').columns(['workspace_id', 'from_profile_id']).execute();

    await db.schema
      .createTable('profile_events')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .addColumn('partition', 'integer', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('profile_events_pk', ['workspace_id', 'profile_id', 'timestamp', 'partition', 'seq'])
      .execute();

    await db.schema
      .createTable('products')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('sku', 'text')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('url', 'text')
      .addColumn('image_url', 'text')
      .addColumn('category', 'text')
      .addColumn('brand', 'text')
      .addColumn('price', 'double precision')
      .addColumn('currency', 'text')
      .addColumn('inventory', 'integer')
      .addColumn('attributes', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('products_pk', ['workspace_id', 'id'])
      .execute();
    await db.schema.createIndex('products_sku_idx').on('products').columns(['workspace_id', 'sku']).execute();

    await db.schema
      .createTable('import_jobs')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('bytes_total', 'bigint')
      .addColumn('bytes_done', 'bigint', (c) => c.notNull())
      .addColumn('rows_ok', 'bigint', (c) => c.notNull())
      .addColumn('rows_failed', 'bigint', (c) => c.notNull())
      .addColumn('errors', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .addPrimaryKeyConstraint('import_jobs_pk', ['workspace_id', 'id'])
      .execute();
  },
};
