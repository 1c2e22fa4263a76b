import type { DuckDBAppender } from '@duckdb/node-api';
import type { ReplicaEvent, ReplicaProfile, ReplicaState, ReplicaStore } from '../replica.js';
import { replicaKey } from '../replica.js';
import { count, text, toNumber, type DuckFile } from './connection.js';
import { sliceYielder } from '../../shared/yield-slices.js';

/** Rows appended between two flushes (and chances to yield) of a replica append: a flush of 500 took 15-45 ms of the loop under bench:hostile. */
const APPEND_CHUNK = 100;

/*
 * The replica in a DuckDB file: each page commits together with its cursor in one DuckDB
 * transaction, and a merge moves events in the same transaction as the profiles.
 */

const replicaSchema = [
  `create table if not exists events (
    workspace_id varchar not null, partition integer not null, seq bigint not null, profile_id varchar, ts bigint not null,
    type varchar not null, event varchar, revenue double, order_id varchar, touch_kind varchar, source varchar, medium varchar,
    campaign varchar, device varchar, country varchar, msg_channel varchar, msg_campaign varchar, nps double, properties varchar)`,
  `create table if not exists profiles (
    workspace_id varchar not null, profile_id varchar not null, merged_into varchar, created_at bigint not null, updated_at bigint not null,
    has_email boolean not null, has_phone boolean not null, country varchar, primary key (workspace_id, profile_id))`,
  `create table if not exists replica_cursors (workspace_id varchar not null, partition integer not null, seq bigint not null, primary key (workspace_id, partition))`,
  `create table if not exists replica_state (id integer primary key, profiles_updated_at bigint not null, version bigint not null)`,
];

/**
 * The DuckDB `ReplicaStore`.
 * @example const replica = new Replica(new DuckReplicaStore(duck), database);
 */
export class DuckReplicaStore implements ReplicaStore {
  constructor(private readonly duck: DuckFile) {}

  async init(): Promise<void> {
    for (const statement of replicaSchema) await this.duck.run(statement);
    // Erasures seen by the last reconciliation (added after the first release: files may lack it).
    await this.duck.run('alter table replica_state add column if not exists erasures bigint default 0');
    await this.duck.run('insert into replica_state (id, profiles_updated_at, version, erasures) values (1, 0, 0, 0) on conflict do nothing');
  }

  async state(): Promise<ReplicaState> {
    const [row] = await this.duck.all('select version, profiles_updated_at, erasures from replica_state where id = 1');
    return { version: count(row?.version), profilesUpdatedAt: count(row?.profiles_updated_at), erasures: count(row?.erasures) };
  }

  async setState(patch: Partial<ReplicaState>): Promise<void> {
    const columns = { version: patch.version, profiles_updated_at: patch.profilesUpdatedAt, erasures: patch.erasures };
    for (const [column, value] of Object.entries(columns)) {
      if (value !== undefined) await this.duck.run(`update replica_state set ${column} = $1 where id = 1`, [value]);
    }
  }

  async cursors(): Promise<Map<string, number>> {
    const rows = await this.duck.all('select workspace_id, partition, seq from replica_cursors');
    return new Map(rows.map((row) => [replicaKey(text(row.workspace_id) ?? '', count(row.partition)), count(row.seq)]));
  }

  async append(workspaceId: string, partition: number, events: readonly ReplicaEvent[], to: number): Promise<void> {
    await this.duck.exclusive(async (connection) => {
      await connection.run('begin transaction');
      try {
        if (events.length > 0) {
          const appender = await connection.createAppender('events');
          // Appending and flushing a follower batch in one go held the event loop for the whole
          // batch (flushSync alone up to ~100 ms under bench:hostile's near-limit batches): rows
          // are flushed in chunks, and past 10 ms of work the next chunk waits for a loop turn.
          // The connection is held exclusively in its transaction, so nothing interleaves.
          const slice = sliceYielder();
          for (const [index, event] of events.entries()) {
            appendEvent(appender, workspaceId, event);
            if (index % APPEND_CHUNK !== APPEND_CHUNK - 1) continue;
            appender.flushSync();
            const pause = slice();
            if (pause !== undefined) await pause;
          }
          appender.flushSync();
          appender.closeSync();
        }
        await connection.run('insert into replica_cursors values ($1, $2, $3) on conflict (workspace_id, partition) do update set seq = excluded.seq', [workspaceId, partition, to]);
        await connection.run('commit');
      } catch (error) {
        await connection.run('rollback');
        throw error;
      }
    });
  }

  async deleteProfiles(workspaceId: string, profileIds: readonly string[]): Promise<number> {
    return this.duck.exclusive(async (connection) => {
      await connection.run('begin transaction');
      try {
        await connection.run('create temp table if not exists erased_profiles (profile_id varchar)');
        await connection.run('delete from erased_profiles');
        const appender = await connection.createAppender('erased_profiles', 'main', 'temp');
        for (const id of profileIds) {
          appender.appendVarchar(id);
          appender.endRow();
        }
        appender.flushSync();
        appender.closeSync();
        const events = await connection.run('delete from events where workspace_id = $1 and profile_id in (select profile_id from erased_profiles)', [workspaceId]);
        const named = await connection.run(
          `delete from events where workspace_id = $1 and profile_id is null
           and exists (select 1 from erased_profiles x where contains(events.properties, '"profile_id":"' || x.profile_id || '"'))`,
          [workspaceId],
        );
        const profiles = await connection.run('delete from profiles where workspace_id = $1 and profile_id in (select profile_id from erased_profiles)', [workspaceId]);
        await connection.run('delete from erased_profiles');
        await connection.run('commit');
        return count(events.rowsChanged) + count(named.rowsChanged) + count(profiles.rowsChanged);
      } catch (error) {
        await connection.run('rollback');
        throw error;
      }
    });
  }

  async heldProfiles(): Promise<{ workspaceId: string; profileId: string }[]> {
    const rows = await this.duck.all(`select workspace_id, profile_id from profiles union select distinct workspace_id, profile_id from events where profile_id is not null order by workspace_id`);
    return rows.map((row) => ({ workspaceId: text(row.workspace_id) ?? '', profileId: text(row.profile_id) ?? '' }));
  }

  async clear(workspaceId?: string): Promise<void> {
    await this.duck.exclusive(async (connection) => {
      await connection.run('begin transaction');
      for (const table of ['events', 'profiles', 'replica_cursors']) {
        if (workspaceId === undefined) await connection.run(`delete from ${table}`);
        else await connection.run(`delete from ${table} where workspace_id = $1`, [workspaceId]);
      }
      await connection.run('update replica_state set profiles_updated_at = 0 where id = 1');
      await connection.run('commit');
    });
  }

  async counts(): Promise<{ events: number; profiles: number }> {
    const [events] = await this.duck.all('select count(*) as n from events');
    const [profiles] = await this.duck.all('select count(*) as n from profiles where merged_into is null');
    return { events: count(events?.n), profiles: count(profiles?.n) };
  }

  async answers(): Promise<boolean> {
    try {
      await this.duck.all('select 1');
      return true;
    } catch {
      return false;
    }
  }

  async applyProfiles(page: readonly ReplicaProfile[]): Promise<number> {
    let changedCount = 0;
    await this.duck.exclusive(async (connection) => {
      await connection.run('begin transaction');
      try {
        await connection.run('create temp table if not exists profile_page as select * from profiles limit 0');
        await connection.run('delete from profile_page');
        const appender = await connection.createAppender('profile_page', 'main', 'temp');
        for (const profile of page) {
          appender.appendVarchar(profile.workspaceId);
          appender.appendVarchar(profile.id);
          appendOptional(appender, profile.mergedInto);
          appender.appendBigInt(BigInt(profile.createdAt));
          appender.appendBigInt(BigInt(profile.updatedAt));
          appender.appendBoolean(profile.hasEmail);
          appender.appendBoolean(profile.hasPhone);
          appendOptional(appender, profile.country);
          appender.endRow();
        }
        appender.flushSync();
        appender.closeSync();
        const [changed] = (
          await connection.runAndReadAll(
            `select count(*) as n from profile_page p left join profiles o using (workspace_id, profile_id)
             where o.profile_id is null or o.updated_at <> p.updated_at or o.merged_into is distinct from p.merged_into`,
          )
        ).getRowObjectsJS();
        changedCount = count(changed?.n);
        // Events of profiles merged away since the last pass move to their survivor.
        const [moved] = (
          await connection.runAndReadAll(
            `select count(*) as n from profile_page p left join profiles o using (workspace_id, profile_id)
             where p.merged_into is not null and o.merged_into is distinct from p.merged_into`,
          )
        ).getRowObjectsJS();
        await connection.run(
          `insert into profiles select * from profile_page on conflict (workspace_id, profile_id) do update set merged_into = excluded.merged_into,
           created_at = excluded.created_at, updated_at = excluded.updated_at, has_email = excluded.has_email, has_phone = excluded.has_phone, country = excluded.country`,
        );
        // The page is a scratch copy: emptied, so it holds no one's row between passes (an erasure would miss it).
        await connection.run('delete from profile_page');
        if (count(moved?.n) > 0) {
          // Flatten chains (a profile merged into one that is itself merged since), then move events.
          for (let hop = 0; hop < 8; hop++) {
            const result = await connection.run(
              `update profiles set merged_into = s.merged_into from profiles s
               where s.workspace_id = profiles.workspace_id and s.profile_id = profiles.merged_into and s.merged_into is not null`,
            );
            if (toNumber(result.rowsChanged) === 0) break;
          }
          await connection.run(
            `update events set profile_id = p.merged_into from profiles p
             where p.workspace_id = events.workspace_id and p.profile_id = events.profile_id and p.merged_into is not null`,
          );
        }
        await connection.run('commit');
      } catch (error) {
        await connection.run('rollback');
        throw error;
      }
    });
    return changedCount;
  }
}

function appendOptional(appender: DuckDBAppender, value: string | null): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
}

function appendOptionalNumber(appender: DuckDBAppender, value: number | null): void {
  if (value === null) appender.appendNull();
  else appender.appendDouble(value);
}

function appendEvent(appender: DuckDBAppender, workspaceId: string, { partition, seq, profileId, ts, type, name, facts }: ReplicaEvent): void {
  appender.appendVarchar(workspaceId);
  appender.appendInteger(partition);
  appender.appendBigInt(BigInt(seq));
  appendOptional(appender, profileId);
  appender.appendBigInt(BigInt(ts));
  appender.appendVarchar(type);
  appendOptional(appender, name);
  appendOptionalNumber(appender, facts?.revenue ?? null);
  appendOptional(appender, facts?.orderId ?? null);
  appendOptional(appender, facts?.touchKind ?? null);
  appendOptional(appender, facts?.source ?? null);
  appendOptional(appender, facts?.medium ?? null);
  appendOptional(appender, facts?.campaign ?? null);
  appendOptional(appender, facts?.device ?? null);
  appendOptional(appender, facts?.country ?? null);
  appendOptional(appender, facts?.messageChannel ?? null);
  appendOptional(appender, facts?.messageCampaign ?? null);
  appendOptionalNumber(appender, facts?.nps ?? null);
  appender.appendVarchar(facts?.properties ?? '{}');
  appender.endRow();
}
