import type { Kysely, Migration } from 'kysely';

/*
 * Predictive models (issue 7): one report per refresh of a workspace's models, holding what was
 * fitted (parameters, fit quality, optimizer status), the data it used, how long it took and,
 * for each model that could not be fitted, the "not enough history: needs X, has Y" state.
 * The scores themselves go to profile_scores.
 */
export const predictive: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('predictive_reports')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      // running | completed | failed
      .addColumn('status', 'text', (c) => c.notNull())
      // job | cli | api: what asked for the refresh.
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      // JSON of the report (models, data used, timings); '{}' while running.
      .addColumn('report', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addPrimaryKeyConstraint('predictive_reports_pk', ['workspace_id', 'id'])
      .execute();
    await db.schema.createIndex('predictive_reports_by_time').on('predictive_reports').columns(['workspace_id', 'started_at']).execute();
  },
};
