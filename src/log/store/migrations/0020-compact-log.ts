import { SqliteAdapter, sql, type Kysely, type Migration } from 'kysely';

/*
 * A smaller state store (issue 13, footprint): where compaction of event payloads has reached in
 * each partition, the experiments' name index on track events only, and on SQLite a timeline
 * table without a rowid. The timeline's primary key
 * already holds every column, so the rowid table beside it stored each row twice (about 54 of the
 * 1,839 bytes per demo event).
 */
export const compactLog: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's Schema
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('event_compaction')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('partition', 'integer', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('event_compaction_pk', ['workspace_id', 'partition'])
      .execute();

    // Experiment metrics read track events by name and time; page views (four in ten demo
    // events) never need this index.
    await db.schema.dropIndex('events_name_time_idx').execute();
    await db.schema.createIndex('events_track_name_time_idx').on('events').columns(['workspace_id', 'event', 'timestamp']).where(sql.ref('type'), '=', 'track').execute();

    if (!isSqlite(db)) return;
    await sql`create table profile_events_compact (
      workspace_id text not null, profile_id text not null, timestamp bigint not null, partition integer not null, seq bigint not null,
      constraint profile_events_pk primary key (workspace_id, profile_id, timestamp, partition, seq)
    ) without rowid`.execute(db);
    await sql`insert into profile_events_compact select workspace_id, profile_id, timestamp, partition, seq from profile_events`.execute(db);
    await sql`drop table profile_events`.execute(db);
    await sql`alter table profile_events_compact rename to profile_events`.execute(db);
    await db.schema.createIndex('profile_events_by_position').on('profile_events').columns(['workspace_id', 'partition', 'seq']).execute();
  },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
function isSqlite(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}
