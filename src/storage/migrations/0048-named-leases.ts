import type { Kysely, Migration } from 'kysely';

/*
 * Issue 17: named leases in a table instead of session-level advisory locks, so a long task
 * (a recommendation model's training, a predictive refresh, feeding a shared analytics replica)
 * holds no session state on a pooled connection and works behind transaction pooling. A row is
 * held while its holder keeps renewing it and taken over once it has expired.
 */
export const namedLeases: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('named_leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
