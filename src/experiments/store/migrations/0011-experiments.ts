import type { Kysely, Migration } from 'kysely';

/*
 * Experiments (issue 9): definitions, and one row per unit that was exposed, which makes
 * assignment sticky when weights or traffic change and logs each exposure once.
 */
export const experiments: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('experiments')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      // draft | running | stopped | completed
      .addColumn('status', 'text', (c) => c.notNull())
      // JSON of the validated definition (src/experiments/definition.ts).
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('winner', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('stopped_at', 'bigint')
      .addPrimaryKeyConstraint('experiments_pk', ['workspace_id', 'id'])
      .addUniqueConstraint('experiments_key_uq', ['workspace_id', 'key'])
      .execute();
    await db.schema.createIndex('experiments_status_idx').on('experiments').columns(['workspace_id', 'status']).execute();

    await db.schema
      .createTable('experiment_exposures')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('experiment_id', 'text', (c) => c.notNull())
      .addColumn('unit_id', 'text', (c) => c.notNull())
      .addColumn('variant', 'text', (c) => c.notNull())
      .addColumn('exposed_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('experiment_exposures_pk', ['workspace_id', 'experiment_id', 'unit_id'])
      .execute();
    // A unit's assignments across experiments in one read (the decision path).
    await db.schema.createIndex('experiment_exposures_unit_idx').on('experiment_exposures').columns(['workspace_id', 'unit_id']).execute();

    // Metric scans read one workspace's events of a few names over a time range.
    await db.schema.createIndex('events_name_time_idx').on('events').columns(['workspace_id', 'event', 'timestamp']).execute();
  },
};
