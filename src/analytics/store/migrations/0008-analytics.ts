import type { Kysely, Migration } from 'kysely';

/*
 * Analytics (issue 6): what the shop enters (ad spend), what it asked for (report schedules),
 * which analyses it uses (for the maturity assessment), and an index that lets the analytics
 * replica find the profile of a logged event by its log position.
 */
export const analytics: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('analytics_ad_spend')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      // utm_source the spend bought traffic from (google, facebook, ...), lower-cased.
      .addColumn('source', 'text', (c) => c.notNull())
      // utm_campaign, or '' for spend not split by campaign.
      .addColumn('campaign', 'text', (c) => c.notNull())
      // First day (UTC, YYYY-MM-DD) of the period the amount covers.
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('amount', 'double precision', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('analytics_ad_spend_pk', ['workspace_id', 'source', 'campaign', 'day'])
      .execute();

    await db.schema
      .createTable('analytics_report_schedules')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('frequency', 'text', (c) => c.notNull())
      // JSON array of email addresses.
      .addColumn('recipients', 'text', (c) => c.notNull())
      .addColumn('next_run_at', 'bigint', (c) => c.notNull())
      .addColumn('last_run_at', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('analytics_report_schedules_pk', ['workspace_id', 'id'])
      .execute();
    await db.schema.createIndex('analytics_report_schedules_due').on('analytics_report_schedules').columns(['next_run_at']).execute();

    await db.schema
      .createTable('analytics_usage')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('analysis', 'text', (c) => c.notNull())
      .addColumn('runs', 'bigint', (c) => c.notNull())
      .addColumn('last_run_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('analytics_usage_pk', ['workspace_id', 'analysis'])
      .execute();

    // The replica reads processed events with their profile: (partition, seq) -> profile_id.
    await db.schema.createIndex('profile_events_by_position').on('profile_events').columns(['workspace_id', 'partition', 'seq']).execute();
    // And the profiles changed since its last pass (merges move events between profiles).
    await db.schema.createIndex('profiles_by_update').on('profiles').columns(['updated_at']).execute();
  },
};
