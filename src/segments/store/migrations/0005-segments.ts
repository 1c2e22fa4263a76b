import type { Kysely, Migration } from 'kysely';

/*
 * Segments (issue 3): definitions, row-wise membership with its history, the minimal
 * per-profile state event conditions need, per-(segment, profile) expiry times, and the outbox
 * of audience webhook deliveries. Everything but `segments` is derived and rebuilt by a backfill.
 */
export const segments: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('segments')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      // dynamic (a condition, kept live) or static (a list uploaded as CSV).
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('condition', 'text')
      .addColumn('version', 'integer', (c) => c.notNull())
      // backfilling, live or failed.
      .addColumn('status', 'text', (c) => c.notNull())
      // Profiles with id <= cursor have been backfilled at this version ('' none yet).
      .addColumn('backfill_cursor', 'text', (c) => c.notNull())
      .addColumn('backfill_total', 'integer', (c) => c.notNull())
      .addColumn('backfill_done', 'integer', (c) => c.notNull())
      .addColumn('backfill_error', 'text')
      .addColumn('backfill_started_at', 'bigint')
      .addColumn('backfill_finished_at', 'bigint')
      // JSON of the webhook destination, or null.
      .addColumn('destination', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('segments_pk', ['workspace_id', 'id'])
      .execute();
    await db.schema
      .createTable('segment_members')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('segment_id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('entered_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('segment_members_pk', ['workspace_id', 'segment_id', 'profile_id'])
      .execute();
    await db.schema.createIndex('segment_members_by_profile').on('segment_members').columns(['workspace_id', 'profile_id']).execute();
    await db.schema
      .createTable('segment_history')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('segment_id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      // entered or exited.
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('segment_history_pk', ['workspace_id', 'id'])
      .execute();
    await db.schema.createIndex('segment_history_by_profile').on('segment_history').columns(['workspace_id', 'profile_id', 'at']).execute();
    await db.schema.createIndex('segment_history_by_segment').on('segment_history').columns(['workspace_id', 'segment_id', 'at']).execute();
    await db.schema
      .createTable('segment_profile_state')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      // JSON: event statistics by stat key.
      .addColumn('stats', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('segment_profile_state_pk', ['workspace_id', 'profile_id'])
      .execute();
    await db.schema
      .createTable('segment_due')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('segment_id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('due_at', 'bigint', (c) => c.notNull())
      // Keyed by profile first: each batch reads the due times of the profiles it touched. The engine
      // keeps one row per profile (segment_id '*', the earliest change of any of its segments).
      .addPrimaryKeyConstraint('segment_due_pk', ['workspace_id', 'profile_id', 'segment_id'])
      .execute();
    await db.schema.createIndex('segment_due_by_time').on('segment_due').columns(['due_at']).execute();
    await db.schema
      .createTable('segment_deliveries')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('segment_id', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('delivered_at', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('segment_deliveries_pk', ['workspace_id', 'id'])
      .execute();
    await db.schema.createIndex('segment_deliveries_pending').on('segment_deliveries').columns(['delivered_at', 'next_attempt_at']).execute();
  },
};
