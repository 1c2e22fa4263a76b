import type { Kysely, Migration } from 'kysely';

/*
 * Recommendations: training runs (a job with progress and the model report) and the business
 * rules per workspace and strategy. Models themselves are derived from the event log and the
 * catalog and live in memory; a restart retrains them.
 */
export const recommendations: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('recommendation_trainings')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      // queued | running | succeeded | failed
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('progress', 'real', (c) => c.notNull())
      .addColumn('trigger', 'text', (c) => c.notNull())
      // JSON of the model report; '{}' until the run succeeds.
      .addColumn('report', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .addPrimaryKeyConstraint('recommendation_trainings_pk', ['workspace_id', 'id'])
      .execute();
    await db.schema.createIndex('recommendation_trainings_by_time').on('recommendation_trainings').columns(['workspace_id', 'created_at']).execute();
    await db.schema
      .createTable('recommendation_rules')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      // A strategy name, or '*' for rules every strategy starts from.
      .addColumn('strategy', 'text', (c) => c.notNull())
      .addColumn('rules', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('recommendation_rules_pk', ['workspace_id', 'strategy'])
      .execute();
  },
};
