import type { Kysely, Migration } from 'kysely';

/*
 * A workspace's consent topics (issue 16, settings): the topics its preference pages offer and
 * its marketers name on sends, with the label people read. Before this the three built-in topics
 * were fixed in code; a workspace's own topics and labels now live here.
 */
export const consentTopics: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('consent_topics')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('consent_topics_pk', ['workspace_id', 'key'])
      .execute();
  },
};
