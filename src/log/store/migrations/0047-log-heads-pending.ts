import { SqliteAdapter, type Kysely, type Migration } from 'kysely';

/*
 * Incremental head publishing (issue 17), PostgreSQL only. `publishLogHeads` recomputed every
 * head row on each pass (one index probe per workspace and partition, every 100 ms, however
 * few had new events). Now each append notes, in the statement that inserts its events, the
 * highest position it wrote per partition (`log_heads_pending`: insert-only, so no row that
 * every writer updates), and a publish takes the notes at or below the settled fence and moves
 * only those heads. SQLite moves its heads with the appends and has nothing to note.
 */
export const logHeadsPending: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    if (db.getExecutor().adapter instanceof SqliteAdapter) return;
    await db.schema
      .createTable('log_heads_pending')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('partition', 'integer', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('log_heads_pending_seq').on('log_heads_pending').column('seq').execute();
  },
};
