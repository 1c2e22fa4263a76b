import type { Kysely, Migration } from 'kysely';

/*
 * Scores computed outside the event stream (RFM groups, predicted CLV, churn risk, propensity,
 * next order date): one row per (profile, key). Derived data, rebuilt by the jobs that write it.
 */
export const profileScores: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('profile_scores')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      // JSON of a number, string, boolean or null.
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('computed_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('profile_scores_pk', ['workspace_id', 'profile_id', 'key'])
      .execute();
    await db.schema.createIndex('profile_scores_by_key').on('profile_scores').columns(['workspace_id', 'key']).execute();
  },
};
