import type { Kysely, Migration } from 'kysely';

/*
 * Write keys limited to what a source sends (track, identify, import, onsite). `scopes` is a JSON
 * array; NULL means every scope, so keys created before this migration keep today's access.
 */
export const writeKeyScopes: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema.alterTable('write_keys').addColumn('scopes', 'text').execute();
  },
};
