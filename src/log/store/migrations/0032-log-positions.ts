import { SqliteAdapter, sql, type Kysely, type Migration } from 'kysely';

/*
 * Log positions without a hot row (issue 17), PostgreSQL only. Appends took their positions by
 * `update log_heads set head = head + n`, holding each partition's head row until commit, so
 * every process's ingest queued on the same rows. Now an append takes positions from one
 * sequence (no cache: values are handed out in order across sessions) while holding a shared
 * advisory lock (appends never wait for each other), and `log_heads` becomes the committed
 * watermark that followers publish: `rapport_log_fence` takes the lock exclusively (every append
 * that took positions has then committed or rolled back), reads the sequence and returns the
 * highest position that is settled, or null when appends did not finish within `wait_ms`.
 * SQLite keeps its head rows: one process writes the file at a time.
 */
export const logPositions: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    if (db.getExecutor().adapter instanceof SqliteAdapter) return;
    await sql`create sequence events_position as bigint no cycle`.execute(db);
    await sql`select setval('events_position', coalesce((select max(head) from log_heads), 0) + 1, false)`.execute(db);
    await sql`create function rapport_log_fence(wait_ms integer) returns bigint language plpgsql as $$
      begin
        perform set_config('lock_timeout', wait_ms || 'ms', true);
        perform pg_advisory_xact_lock(21057, 1);
        return (select case when is_called then last_value else last_value - 1 end from events_position);
      exception when lock_not_available then
        return null;
      end $$`.execute(db);
  },
};
