import type { Kysely, Migration } from 'kysely';

/*
 * Issue 15: on-site campaigns, the workspace's on-site settings (with its identity-verification
 * secret), messages journeys queue for a person's next visit, visit days, and conversions
 * (coupon reveals and form submissions) the visitor endpoint reports for caps.
 */
export const onsite: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('onsite_campaigns')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('onsite_campaigns_pk', ['workspace_id', 'id'])
      .execute();
    await db.schema
      .createTable('onsite_settings')
      .addColumn('workspace_id', 'text', (c) => c.primaryKey())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('secret', 'text')
      .addColumn('revision', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('onsite_queue')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('journey_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('onsite_queue_pk', ['workspace_id', 'key'])
      .execute();
    await db.schema.createIndex('onsite_queue_profile_idx').on('onsite_queue').columns(['workspace_id', 'profile_id']).execute();
    await db.schema
      .createTable('onsite_visits')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('visitor', 'text', (c) => c.notNull())
      .addColumn('day', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('onsite_visits_pk', ['workspace_id', 'visitor', 'day'])
      .execute();
    await db.schema
      .createTable('onsite_conversions')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('onsite_conversions_pk', ['workspace_id', 'profile_id', 'campaign_id', 'kind'])
      .execute();
  },
};
