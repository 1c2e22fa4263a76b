import type { Kysely, Migration } from 'kysely';

/*
 * The message log screen reads the newest messages of a workspace, narrowed by date, channel and
 * status. Before this, only (workspace, profile, time) was indexed, so the log sorted the whole
 * workspace's messages for each page. Time walks the log newest first; status + time serves the
 * common "what failed" view, where failures are a small share of a large log. Channel (five
 * values, each usually a large share) is checked on the rows the time walk finds.
 */
export const messageLogFilters: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema.createIndex('messages_by_time').on('messages').columns(['workspace_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('messages_by_status_time').on('messages').columns(['workspace_id', 'status', 'created_at', 'id']).execute();
  },
};
