import { SqliteAdapter, type Kysely, type Migration } from 'kysely';

/*
 * Issue 17: trained models stored as snapshots, so one worker trains and every process loads the
 * same models (before, each process trained its own on its first request, for minutes). One row
 * per workspace, replaced by each training; `version` grows by one each time, so a process checks
 * a small number to know whether the models it serves are the newest.
 */
export const recommendationModels: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('recommendation_models')
      .addColumn('workspace_id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('training_id', 'text', (c) => c.notNull())
      .addColumn('trained_at', 'bigint', (c) => c.notNull())
      // JSON array: the log position per partition the models include (the live tail goes on from there).
      .addColumn('cursors', 'text', (c) => c.notNull())
      // The gzip of models/snapshot.ts's encoding.
      .addColumn('model', db.getExecutor().adapter instanceof SqliteAdapter ? 'blob' : 'bytea', (c) => c.notNull())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
