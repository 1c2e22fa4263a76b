import type { Kysely, Migration } from 'kysely';

/*
 * Snippets (issue 12): reusable named Liquid blocks of a workspace (header, footer, product
 * card) that templates include. Every save is a new immutable version; `snippets` holds the
 * current one's number.
 */
export const snippets: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('snippets')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('current_version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('snippets_pk', ['workspace_id', 'name'])
      .execute();

    await db.schema
      .createTable('snippet_versions')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      // The version this one was restored from, when it was.
      .addColumn('restored_from', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('snippet_versions_pk', ['workspace_id', 'name', 'version'])
      .execute();
  },
};
