import type { Kysely, Migration } from 'kysely';

/*
 * The durable scheduler (jobs) and the journey engine: definitions and their versions, one run
 * per (journey, profile, entry key), the step log that makes sends exactly-once, the journey
 * event cursor, the send ledger used by frequency caps and reports, conversions, product
 * interest (for catalog fan-out), static lists, and the recording sender's message log.
 */
export const schedulerJourneys: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('jobs')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      // The job's identity: enqueueing the same key twice stores one job (dedupe).
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('due_at', 'bigint', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      // `pending` (waiting or leased) or `dead` (gave up; see dead_reason).
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      // Bumped by every upsert, so a worker finishing an old version does not delete a new one.
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('dead_reason', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('jobs_pk', ['workspace_id', 'key'])
      .execute();
    await db.schema.createIndex('jobs_due_idx').on('jobs').columns(['status', 'due_at']).execute();
    // The earliest lease to run out (a dead worker's jobs come back then), without a scan.
    await db.schema.createIndex('jobs_lease_idx').on('jobs').column('lease_until').execute();

    await db.schema
      .createTable('journeys')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      // draft | active | paused | archived
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('journeys_pk', ['workspace_id', 'id'])
      .execute();

    await db.schema
      .createTable('journey_versions')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('journey_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('journey_versions_pk', ['workspace_id', 'journey_id', 'version'])
      .execute();

    await db.schema
      .createTable('journey_runs')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('journey_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('entry_key', 'text', (c) => c.notNull())
      // active | waiting | paused | completed | exited
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('node_id', 'text', (c) => c.notNull())
      .addColumn('step', 'integer', (c) => c.notNull())
      .addColumn('wake_at', 'bigint')
      .addColumn('wait_event', 'text')
      .addColumn('wait_match', 'text')
      .addColumn('context', 'text', (c) => c.notNull())
      .addColumn('arm', 'text')
      .addColumn('entered_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('exited_at', 'bigint')
      .addColumn('exit_reason', 'text')
      .addPrimaryKeyConstraint('journey_runs_pk', ['workspace_id', 'id'])
      .execute();
    await db.schema.createIndex('journey_runs_profile_idx').on('journey_runs').columns(['workspace_id', 'profile_id', 'status']).execute();
    await db.schema.createIndex('journey_runs_journey_idx').on('journey_runs').columns(['workspace_id', 'journey_id', 'status']).execute();

    await db.schema
      .createTable('journey_entries')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('journey_id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('entry_key', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('last_entered_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('journey_entries_pk', ['workspace_id', 'journey_id', 'profile_id', 'entry_key'])
      .execute();

    await db.schema
      .createTable('journey_steps')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('step', 'integer', (c) => c.notNull())
      .addColumn('journey_id', 'text', (c) => c.notNull())
      .addColumn('node_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      // pending: committed before its side effect; done: the effect's outcome is recorded.
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text')
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('journey_steps_pk', ['workspace_id', 'run_id', 'step'])
      .execute();
    await db.schema.createIndex('journey_steps_node_idx').on('journey_steps').columns(['workspace_id', 'journey_id', 'node_id']).execute();

    await db.schema
      .createTable('journey_cursors')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('partition', 'integer', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('journey_cursors_pk', ['workspace_id', 'partition'])
      .execute();

    await db.schema
      .createTable('journey_sends')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('journey_id', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('node_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('journey_sends_pk', ['workspace_id', 'idempotency_key'])
      .execute();
    await db.schema.createIndex('journey_sends_cap_idx').on('journey_sends').columns(['workspace_id', 'profile_id', 'channel', 'sent_at']).execute();

    await db.schema
      .createTable('journey_conversions')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('journey_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('revenue', 'double precision', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('journey_conversions_pk', ['workspace_id', 'run_id', 'message_id', 'kind'])
      .execute();
    await db.schema.createIndex('journey_conversions_journey_idx').on('journey_conversions').columns(['workspace_id', 'journey_id']).execute();

    await db.schema
      .createTable('product_interest')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('product_id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      // viewed | carted | wishlisted
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('product_interest_pk', ['workspace_id', 'product_id', 'profile_id', 'kind'])
      .execute();

    await db.schema
      .createTable('list_members')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('list_id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('added_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('list_members_pk', ['workspace_id', 'list_id', 'profile_id'])
      .execute();

    await db.schema
      .createTable('recorded_messages')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('template_id', 'text', (c) => c.notNull())
      .addColumn('request', 'text', (c) => c.notNull())
      // How many times send() was called with this key (a re-run after a crash calls it again).
      .addColumn('calls', 'integer', (c) => c.notNull())
      .addColumn('sent_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('recorded_messages_pk', ['workspace_id', 'idempotency_key'])
      .execute();

    await db.schema
      .createTable('journey_settings')
      .addColumn('workspace_id', 'text', (c) => c.primaryKey())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
