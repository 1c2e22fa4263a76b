import type { Kysely, Migration } from 'kysely';

/*
 * Partition ownership by lease (issue 17): each log partition has at most one owner process at
 * a time (`log_leases`), renewed on a timer and taken over once it expires; the workers alive
 * (`log_workers`, a heartbeat that lasts as long as the worker's own leases) decide each one's fair share, so partitions move when a worker
 * joins or leaves. Cluster-wide rows, not a workspace's: a partition number spans workspaces.
 */
export const partitionLeases: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('log_leases')
      .addColumn('partition', 'integer', (c) => c.primaryKey())
      .addColumn('owner', 'text')
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('renewed_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('log_workers')
      .addColumn('owner', 'text', (c) => c.primaryKey())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
