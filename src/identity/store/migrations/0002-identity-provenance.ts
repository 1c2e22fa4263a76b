import type { Kysely, Migration } from 'kysely';

/*
 * Identity provenance: which message added an identifier to the graph, so a profile can be
 * explained ("email added by identify m-123 at ..."). `created_at` already holds the event time.
 */
export const identityProvenance: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema.alterTable('identities').addColumn('message_id', 'text').execute();
  },
};
