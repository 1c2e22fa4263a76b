import type { ReplicaEvent, ReplicaProfile, ReplicaState, ReplicaStore } from '../replica.js';
import { replicaKey } from '../replica.js';
import { count, text, type ClickHouseConnection, type ClickHouseRow } from './connection.js';

/*
 * The replica in ClickHouse. ClickHouse has no multi-statement transactions, so each step is
 * made safe to repeat instead:
 * - a page's events are inserted before its cursor row; events found past the cursor (a crash or
 *   a failed insert between the two) are deleted before the next page of that partition;
 * - cursors and state are rows of ReplacingMergeTree tables read with argMax, so a newer row
 *   replaces the older in one insert;
 * - a merge moves events first (`ALTER TABLE ... UPDATE`, idempotent) and stores the profile
 *   after; a crash between the two reads the profile again (its `updated_at` was not recorded).
 */

const schema = [
  `create table if not exists events (
    workspace_id String, partition Int32, seq Int64, profile_id Nullable(String), ts Int64, type LowCardinality(String), event Nullable(String),
    revenue Nullable(Float64), order_id Nullable(String), touch_kind Nullable(String), source Nullable(String), medium Nullable(String),
    campaign Nullable(String), device Nullable(String), country Nullable(String), msg_channel Nullable(String), msg_campaign Nullable(String),
    nps Nullable(Float64), properties String)
   engine = MergeTree order by (workspace_id, partition, seq)`,
  `create table if not exists profiles (
    workspace_id String, profile_id String, merged_into Nullable(String), created_at Int64, updated_at Int64,
    has_email Bool, has_phone Bool, country Nullable(String))
   engine = MergeTree order by (workspace_id, profile_id)`,
  `create table if not exists replica_cursors (workspace_id String, partition Int32, seq Int64, at UInt64)
   engine = ReplacingMergeTree(at) order by (workspace_id, partition)`,
  `create table if not exists replica_state (name String, value Int64, at UInt64) engine = ReplacingMergeTree(at) order by name`,
];

// Rows written with a nanosecond clock reading of the server: the newest row of a key wins.
const now = 'toUnixTimestamp64Nano(now64(9))';
// Id lists travel as parameters; batches keep them well inside a URL.
const batch = 1000;

function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < list.length; start += batch) out.push(list.slice(start, start + batch));
  return out;
}

/**
 * The ClickHouse `ReplicaStore`.
 * @example const replica = new Replica(new ClickHouseReplicaStore(connection), database);
 */
export class ClickHouseReplicaStore implements ReplicaStore {
  // Set when an append may have left events past a cursor (first use, or a failed append).
  #unchecked = true;

  constructor(private readonly ch: ClickHouseConnection) {}

  async init(): Promise<void> {
    for (const statement of schema) await this.ch.command(statement);
  }

  async state(): Promise<ReplicaState> {
    const rows = await this.ch.query('select name, argMax(value, at) as value from replica_state group by name');
    const value = (name: string): number => count(rows.find((row) => row.name === name)?.value);
    return { version: value('version'), profilesUpdatedAt: value('profiles_updated_at'), erasures: value('erasures') };
  }

  async setState(patch: Partial<ReplicaState>): Promise<void> {
    const columns = { version: patch.version, profiles_updated_at: patch.profilesUpdatedAt, erasures: patch.erasures };
    for (const [name, value] of Object.entries(columns)) {
      if (value !== undefined) await this.ch.command(`insert into replica_state select {name:String}, {value:Int64}, ${now}`, { name, value });
    }
  }

  async cursors(): Promise<Map<string, number>> {
    const rows = await this.ch.query('select workspace_id, partition, argMax(seq, at) as seq from replica_cursors group by workspace_id, partition');
    const cursors = new Map(rows.map((row) => [replicaKey(text(row.workspace_id) ?? '', count(row.partition)), count(row.seq)]));
    if (this.#unchecked) await this.#dropPastCursors(cursors);
    return cursors;
  }

  /** Deletes events a half-done append left past their partition's cursor. */
  async #dropPastCursors(cursors: Map<string, number>): Promise<void> {
    const tops = await this.ch.query('select workspace_id, partition, max(seq) as top from events group by workspace_id, partition');
    for (const row of tops) {
      const workspaceId = text(row.workspace_id) ?? '';
      const partition = count(row.partition);
      const cursor = cursors.get(replicaKey(workspaceId, partition)) ?? 0;
      if (count(row.top) > cursor) {
        await this.ch.command('delete from events where workspace_id = {ws:String} and partition = {partition:Int32} and seq > {cursor:Int64}', { ws: workspaceId, partition, cursor });
      }
    }
    this.#unchecked = false;
  }

  async append(workspaceId: string, partition: number, events: readonly ReplicaEvent[], to: number): Promise<void> {
    try {
      await this.ch.insert(
        'events',
        events.map((event) => eventRow(workspaceId, event)),
      );
      await this.ch.command(`insert into replica_cursors select {ws:String}, {partition:Int32}, {to:Int64}, ${now}`, { ws: workspaceId, partition, to });
    } catch (error) {
      this.#unchecked = true;
      throw error;
    }
  }

  async applyProfiles(page: readonly ReplicaProfile[]): Promise<number> {
    const byWorkspace = new Map<string, ReplicaProfile[]>();
    for (const profile of page) {
      const list = byWorkspace.get(profile.workspaceId);
      if (list === undefined) byWorkspace.set(profile.workspaceId, [profile]);
      else list.push(profile);
    }
    let changed = 0;
    for (const [workspaceId, profiles] of byWorkspace) changed += await this.#applyWorkspaceProfiles(workspaceId, profiles);
    return changed;
  }

  async #applyWorkspaceProfiles(workspaceId: string, profiles: readonly ReplicaProfile[]): Promise<number> {
    const ids = profiles.map((profile) => profile.id);
    const rows = await this.ch.query('select profile_id, merged_into, updated_at from profiles where workspace_id = {ws:String} and profile_id in {ids:Array(String)}', { ws: workspaceId, ids });
    const stored = new Map(rows.map((row) => [text(row.profile_id) ?? '', { mergedInto: text(row.merged_into), updatedAt: count(row.updated_at) }]));
    let changed = 0;
    let moved = 0;
    for (const profile of profiles) {
      const before = stored.get(profile.id);
      if (before === undefined || before.updatedAt !== profile.updatedAt || before.mergedInto !== profile.mergedInto) changed += 1;
      if (profile.mergedInto !== null && before?.mergedInto !== profile.mergedInto) moved += 1;
    }
    if (stored.size > 0) await this.ch.command('delete from profiles where workspace_id = {ws:String} and profile_id in {ids:Array(String)}', { ws: workspaceId, ids });
    await this.ch.insert(
      'profiles',
      profiles.map((profile) => ({
        workspace_id: profile.workspaceId,
        profile_id: profile.id,
        merged_into: profile.mergedInto,
        created_at: profile.createdAt,
        updated_at: profile.updatedAt,
        has_email: profile.hasEmail,
        has_phone: profile.hasPhone,
        country: profile.country,
      })),
    );
    if (moved > 0) await this.#moveMergedEvents(workspaceId);
    return changed;
  }

  /** Flattens merge chains (a profile merged into one merged since), then moves events to survivors. */
  async #moveMergedEvents(workspaceId: string): Promise<void> {
    for (let hop = 0; hop < 8; hop++) {
      const chained = await this.ch.query(
        `select p.profile_id as id, s.merged_into as target from profiles p join profiles s on s.workspace_id = p.workspace_id and s.profile_id = p.merged_into
         where p.workspace_id = {ws:String} and p.merged_into is not null and s.merged_into is not null`,
        { ws: workspaceId },
      );
      if (chained.length === 0) break;
      await this.#remap('profiles', 'merged_into', 'profile_id', workspaceId, chained);
    }
    const owners = await this.ch.query(
      `select profile_id as id, merged_into as target from profiles where workspace_id = {ws:String} and merged_into is not null
       and profile_id in (select assumeNotNull(profile_id) from events where workspace_id = {ws:String} and profile_id is not null)`,
      { ws: workspaceId },
    );
    await this.#remap('events', 'profile_id', 'profile_id', workspaceId, owners);
  }

  /** Sets `column` to the target of each row's `key` (id → target pairs), in batches. */
  async #remap(table: 'profiles' | 'events', column: 'merged_into' | 'profile_id', key: 'profile_id', workspaceId: string, pairs: readonly ClickHouseRow[]): Promise<void> {
    for (const part of chunks(pairs)) {
      const from = part.map((pair) => text(pair.id) ?? '');
      const to = part.map((pair) => text(pair.target) ?? '');
      await this.ch.command(
        `alter table ${table} update ${column} = arrayElement({to:Array(String)}, indexOf({from:Array(String)}, assumeNotNull(${key})))
         where workspace_id = {ws:String} and ${key} in {from:Array(String)}`,
        { ws: workspaceId, from, to },
      );
    }
  }

  async deleteProfiles(workspaceId: string, profileIds: readonly string[]): Promise<number> {
    let removed = 0;
    const conditions = [
      { table: 'events', where: 'profile_id in {ids:Array(String)}' },
      // System events naming the person (segment transitions) have no owner of their own.
      { table: 'events', where: `profile_id is null and arrayExists(x -> position(properties, concat('"profile_id":"', x, '"')) > 0, {ids:Array(String)})` },
      { table: 'profiles', where: 'profile_id in {ids:Array(String)}' },
    ];
    for (const ids of chunks(profileIds)) {
      for (const { table, where } of conditions) {
        const params = { ws: workspaceId, ids };
        const [row] = await this.ch.query(`select count() as n from ${table} where workspace_id = {ws:String} and ${where}`, params);
        const n = count(row?.n);
        if (n > 0) await this.ch.command(`delete from ${table} where workspace_id = {ws:String} and ${where}`, params);
        removed += n;
      }
    }
    return removed;
  }

  async heldProfiles(): Promise<{ workspaceId: string; profileId: string }[]> {
    const rows = await this.ch.query(
      `select workspace_id, profile_id from profiles
       union distinct select workspace_id, assumeNotNull(profile_id) as profile_id from events where profile_id is not null`,
    );
    return rows.map((row) => ({ workspaceId: text(row.workspace_id) ?? '', profileId: text(row.profile_id) ?? '' }));
  }

  async clear(workspaceId?: string): Promise<void> {
    for (const table of ['events', 'profiles', 'replica_cursors']) {
      if (workspaceId === undefined) await this.ch.command(`truncate table ${table}`);
      else await this.ch.command(`delete from ${table} where workspace_id = {ws:String}`, { ws: workspaceId });
    }
    await this.setState({ profilesUpdatedAt: 0 });
  }

  async counts(): Promise<{ events: number; profiles: number }> {
    const [events] = await this.ch.query('select count() as n from events');
    const [profiles] = await this.ch.query('select count() as n from profiles where merged_into is null');
    return { events: count(events?.n), profiles: count(profiles?.n) };
  }

  async answers(): Promise<boolean> {
    try {
      await this.ch.query('select 1');
      return true;
    } catch {
      return false;
    }
  }
}

function eventRow(workspaceId: string, { partition, seq, profileId, ts, type, name, facts }: ReplicaEvent): ClickHouseRow {
  return {
    workspace_id: workspaceId,
    partition,
    seq,
    profile_id: profileId,
    ts,
    type,
    event: name,
    revenue: facts?.revenue ?? null,
    order_id: facts?.orderId ?? null,
    touch_kind: facts?.touchKind ?? null,
    source: facts?.source ?? null,
    medium: facts?.medium ?? null,
    campaign: facts?.campaign ?? null,
    device: facts?.device ?? null,
    country: facts?.country ?? null,
    msg_channel: facts?.messageChannel ?? null,
    msg_campaign: facts?.messageCampaign ?? null,
    nps: facts?.nps ?? null,
    properties: facts?.properties ?? '{}',
  };
}
