import type { Kysely, Migration } from 'kysely';

/* The replica's lease is a row of the store's `named_leases` (migration 0048) now, like every other long task's. */
export const dropReplicaLease: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema.dropTable('analytics_replica_lease').ifExists().execute();
  },
};
