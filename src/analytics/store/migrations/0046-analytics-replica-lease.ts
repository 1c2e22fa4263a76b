import type { Kysely, Migration } from 'kysely';

/*
 * Who feeds a shared analytics replica (ClickHouse, issue 17): one row per replica, held by one
 * process until it stops renewing it. Not per workspace: one follower copies every workspace.
 */
export const analyticsReplicaLease: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('analytics_replica_lease')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
