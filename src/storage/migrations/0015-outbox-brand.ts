import type { Kysely, Migration } from 'kysely';

/*
 * Issue 13: the built-in email outbox (what would have gone to SMTP when none is configured,
 * kept rendered and bounded), the workspace brand (shop name, URLs, colours, footer address,
 * sender) every starter template, hosted page and report uses, and an index that lets journey
 * reports credit conversions only to runs with a delivered message.
 */
export const outboxBrand: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('outbox_messages')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      // The message log id: a retried send stores its message once.
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('to_address', 'text', (c) => c.notNull())
      .addColumn('from_address', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('html', 'text')
      .addColumn('text', 'text', (c) => c.notNull())
      // JSON object of header name to value.
      .addColumn('headers', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('outbox_messages_pk', ['workspace_id', 'id'])
      .execute();
    await db.schema.createIndex('outbox_messages_time_idx').on('outbox_messages').columns(['workspace_id', 'created_at']).execute();
    await db.schema.createIndex('outbox_messages_profile_idx').on('outbox_messages').columns(['workspace_id', 'profile_id']).execute();

    await db.schema
      .createTable('workspace_brand')
      .addColumn('workspace_id', 'text', (c) => c.primaryKey())
      // JSON of the Brand schema (src/workspaces/brand.ts).
      .addColumn('brand', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema.createIndex('journey_sends_run_idx').on('journey_sends').columns(['workspace_id', 'run_id']).execute();
  },
};
