import type { Kysely, Migration } from 'kysely';

/*
 * Channels, templates, coupons, consent and privacy (issue 5). Every key starts with
 * workspace_id; times are BIGINT milliseconds; JSON is TEXT.
 */
export const channels: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('templates')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      // The version sends use; null until one is published.
      .addColumn('published_version', 'integer')
      .addColumn('latest_version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('templates_pk', ['workspace_id', 'id'])
      .execute();

    await db.schema
      .createTable('template_versions')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('template_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      // JSON: the source per locale (subject, body, text, title, url, format).
      .addColumn('content', 'text', (c) => c.notNull())
      // JSON: per locale, the MJML compiled once to HTML (Liquid tags left in place).
      .addColumn('compiled', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('template_versions_pk', ['workspace_id', 'template_id', 'version'])
      .execute();

    await db.schema
      .createTable('messages')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('template_id', 'text', (c) => c.notNull())
      .addColumn('template_version', 'integer')
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('address', 'text')
      .addColumn('coupon_code', 'text')
      .addColumn('provider_id', 'text')
      .addColumn('source', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('sent_at', 'bigint')
      .addColumn('delivered_at', 'bigint')
      .addColumn('opened_at', 'bigint')
      .addColumn('clicked_at', 'bigint')
      .addPrimaryKeyConstraint('messages_pk', ['workspace_id', 'id'])
      .addUniqueConstraint('messages_idempotency_uq', ['workspace_id', 'idempotency_key'])
      .execute();
    await db.schema.createIndex('messages_by_profile').on('messages').columns(['workspace_id', 'profile_id', 'created_at']).execute();
    await db.schema.createIndex('messages_by_provider').on('messages').columns(['workspace_id', 'provider_id']).execute();

    // Append-only ledger of consent changes: who, which channel and topic, what, from where, when.
    await db.schema
      .createTable('consent_records')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('topic', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('consent_records_pk', ['workspace_id', 'id'])
      .execute();
    await db.schema.createIndex('consent_records_by_profile').on('consent_records').columns(['workspace_id', 'profile_id', 'at']).execute();

    await db.schema
      .createTable('suppressions')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('suppressions_pk', ['workspace_id', 'channel', 'address'])
      .execute();

    await db.schema
      .createTable('push_subscriptions')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('p256dh', 'text', (c) => c.notNull())
      .addColumn('auth', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('push_subscriptions_pk', ['workspace_id', 'endpoint'])
      .execute();
    await db.schema.createIndex('push_subscriptions_by_profile').on('push_subscriptions').columns(['workspace_id', 'profile_id']).execute();

    await db.schema
      .createTable('inbox_messages')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('url', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('read_at', 'bigint')
      .addColumn('dismissed_at', 'bigint')
      .addPrimaryKeyConstraint('inbox_messages_pk', ['workspace_id', 'id'])
      .execute();
    await db.schema.createIndex('inbox_messages_by_profile').on('inbox_messages').columns(['workspace_id', 'profile_id', 'created_at']).execute();

    await db.schema
      .createTable('webhook_destinations')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      // `whsec_...` signing secret: never returned by the API.
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('allow_private', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('webhook_destinations_pk', ['workspace_id', 'id'])
      .execute();

    await db.schema
      .createTable('coupon_pools')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('prefix', 'text', (c) => c.notNull())
      // JSON: the offer rule (fixed offer, tiers by a profile score, or a weighted mystery draw).
      .addColumn('offer', 'text', (c) => c.notNull())
      .addColumn('expires_after_days', 'integer')
      .addColumn('expires_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('coupon_pools_pk', ['workspace_id', 'id'])
      .execute();

    await db.schema
      .createTable('coupons')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('pool_id', 'text', (c) => c.notNull())
      // JSON of the offer this code carries once issued (or as uploaded).
      .addColumn('offer', 'text')
      .addColumn('profile_id', 'text')
      .addColumn('message_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('issued_at', 'bigint')
      .addColumn('expires_at', 'bigint')
      .addColumn('redeemed_at', 'bigint')
      .addColumn('order_id', 'text')
      .addColumn('revenue', 'double precision')
      .addPrimaryKeyConstraint('coupons_pk', ['workspace_id', 'code'])
      .execute();
    await db.schema.createIndex('coupons_by_pool').on('coupons').columns(['workspace_id', 'pool_id', 'issued_at']).execute();
    await db.schema.createIndex('coupons_by_profile').on('coupons').columns(['workspace_id', 'profile_id']).execute();

    // How far the coupon redemption follower has read each event-log partition.
    await db.schema
      .createTable('coupon_cursors')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('partition', 'integer', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('coupon_cursors_pk', ['workspace_id', 'partition'])
      .execute();

    // Privacy requests (erase / export), kept as the audit record.
    await db.schema
      .createTable('privacy_jobs')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      // JSON: counts per table for an erasure (no personal data), the document for an export.
      .addColumn('result', 'text')
      .addColumn('error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .addPrimaryKeyConstraint('privacy_jobs_pk', ['workspace_id', 'id'])
      .execute();

    // Hashes of erased identifiers: events carrying them are not turned back into a profile.
    await db.schema
      .createTable('privacy_tombstones')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('identifier_hash', 'text', (c) => c.notNull())
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('privacy_tombstones_pk', ['workspace_id', 'identifier_hash'])
      .execute();
  },
};
