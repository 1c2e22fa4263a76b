import type { DuckDBAppender } from '@duckdb/node-api';
import { isJsonObject, type TrackingMessage } from '../../ingest/index.js';
import type { Database } from '../../storage/database.js';
import { setAsideRow, type SetAsidePolicy } from '../../log/set-aside.js';
import { recordSetAside, type SetAsideRow } from '../../log/store/set-aside.js';
import { countErasures, existingProfileIds, readChangedProfiles, readFeedEvents, type FeedEvent, type FeedProfile } from '../store/analytics-feed.js';
import { cursorPositions } from '../../processor/index.js';
import { eventFacts, type EventFacts } from '../event-facts.js';
import { count, text, toNumber, type DuckFile } from './connection.js';
import { nextTurn, sliceYielder } from '../../shared/yield-slices.js';

/*
 * The DuckDB replica of the event log: one row per processed event with the columns analyses
 * group by, plus a small profiles table. It copies events up to the processor's cursor (so every
 * event has its profile) and commits each page together with its cursor in one DuckDB
 * transaction: a crash at any point resumes where the last commit stopped, nothing twice.
 * Merges: profiles changed since the last pass are re-read; a merged-away profile's events are
 * moved to its survivor, as the processor does in the state store.
 * Erasures: an erased person's rows are gone from the log, so no pass copies them again; the
 * privacy service removes those already copied (`eraseProfiles`), and a pass that sees the
 * count of erasures move (one made by another process) drops every profile the state store no
 * longer has, with its events.
 */

export const replicaSchema = [
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

export interface SyncReport {
  /** Events copied in this pass. */
  events: number;
  /** Profiles new or changed since the last pass (merges applied among them). */
  profiles: number;
  /** Workspaces whose replica was reset because the processor rebuilt them (`rapport replay`). */
  reset: string[];
  /** Events that could not be copied: left out and recorded with the reason (`GET /events/rejected`). */
  setAside: number;
  /**
   * Partitions this pass could not copy (the replica store failed on them); the others were
   * copied all the same, and the next pass tries these again.
   */
  failed: { workspaceId: string; partition: number; reason: string }[];
}

export interface ReplicaStatus {
  events: number;
  profiles: number;
  /** Processed events not yet in the replica. */
  lag: number;
  version: number;
  partitions: { workspaceId: string; partition: number; processed: number; replicated: number }[];
}

export interface ReplicaOptions {
  /**
   * Events (and profiles) per page, each read and appended in one synchronous stretch; the pass
   * yields to the event loop between pages so requests are served while it copies. The default
   * (250) keeps a page's read and append to a few ms: 1,000 held the loop for 50-90 ms under
   * bench:hostile, where the replica follows a log taking thousands of events a second.
   */
  pageSize?: number;
  /**
   * Profiles updated up to this long before the newest one seen are read again on the next pass:
   * a processor transaction that took its clock reading earlier may commit later.
   */
  profileOverlapMs?: number;
}

export class Replica {
  readonly #pageSize: number;
  readonly #overlapMs: number;
  #version = 0;
  // Passes never overlap: a rebuild during a sync would otherwise let the sync append after it.
  #serial: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly duck: DuckFile,
    private readonly database: Database,
    options: ReplicaOptions = {},
  ) {
    this.#pageSize = options.pageSize ?? 250;
    this.#overlapMs = options.profileOverlapMs ?? 10_000;
  }

  async init(): Promise<void> {
    for (const statement of replicaSchema) await this.duck.run(statement);
    // Erasures seen by the last reconciliation (added after the first release: files may lack it).
    await this.duck.run('alter table replica_state add column if not exists erasures bigint default 0');
    await this.duck.run('insert into replica_state (id, profiles_updated_at, version, erasures) values (1, 0, 0, 0) on conflict do nothing');
    const [row] = await this.duck.all('select version from replica_state where id = 1');
    this.#version = count(row?.version);
  }

  /** Bumped by every pass that changed the replica: caches compare it. */
  get version(): number {
    return this.#version;
  }

  /**
   * Copies what the processor has applied since the last pass.
   * @example const report = await replica.sync();
   */
  sync(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    return this.#exclusive(() => this.#sync(onProgress));
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#serial.then(fn);
    this.#serial = next.catch(() => undefined);
    return next;
  }

  async #sync(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    const report: SyncReport = { events: 0, profiles: 0, reset: [], setAside: 0, failed: [] };
    const pruned = await this.#pruneErased();
    const positions = await cursorPositions(this.database.db);
    const replicated = await this.#cursors();
    const total = positions.reduce((sum, position) => sum + Math.max(0, position.cursor - (replicated.get(key(position.workspaceId, position.partition)) ?? 0)), 0);
    for (const position of positions) {
      const at = replicated.get(key(position.workspaceId, position.partition)) ?? 0;
      if (position.cursor < at && !report.reset.includes(position.workspaceId)) {
        // The processor started over (replay): profile ids may have changed, start over too.
        await this.#resetWorkspace(position.workspaceId);
        report.reset.push(position.workspaceId);
      }
    }
    const after = report.reset.length > 0 ? await this.#cursors() : replicated;
    for (const position of positions) {
      let seq = after.get(key(position.workspaceId, position.partition)) ?? 0;
      try {
        while (seq < position.cursor) {
          const page = await readFeedEvents(this.database.db, position.workspaceId, position.partition, seq, position.cursor, this.#pageSize);
          const last = page.at(-1);
          // Sequence gaps (duplicates took numbers) end at the cursor.
          const to = last === undefined || page.length < this.#pageSize ? position.cursor : last.seq;
          report.setAside += await this.#appendPageOrIsolate(position.workspaceId, position.partition, page, seq, to);
          report.events += page.length;
          seq = to;
          onProgress?.(report.events, total);
          await turn();
        }
      } catch (error) {
        // One workspace's partition never holds up the others; the next pass retries it.
        report.failed.push({ workspaceId: position.workspaceId, partition: position.partition, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    report.profiles = await this.#syncProfiles();
    if (report.events > 0 || report.profiles > 0 || report.reset.length > 0 || pruned > 0) await this.#bump();
    return report;
  }

  async #bump(): Promise<void> {
    this.#version += 1;
    await this.duck.run('update replica_state set version = $1 where id = 1', [this.#version]);
  }

  /**
   * Removes erased profiles: their profile rows, their events, and system events whose
   * properties name them (segment transitions). Serialized with the passes, so a pass that read
   * the state store before the erasure committed has appended by then. Returns rows removed.
   * @example await replica.eraseProfiles('ws', ['prf_1', 'prf_2']);
   */
  eraseProfiles(workspaceId: string, profileIds: readonly string[]): Promise<number> {
    return this.#exclusive(async () => {
      const removed = await this.#deleteProfiles(workspaceId, profileIds);
      if (removed > 0) await this.#bump();
      return removed;
    });
  }

  /**
   * When the state store counts erasures this replica has not reconciled (made by another
   * process, or one whose own removal failed), drops the profiles the state store no longer has.
   */
  async #pruneErased(): Promise<number> {
    const erasures = await countErasures(this.database.db);
    const [state] = await this.duck.all('select erasures from replica_state where id = 1');
    if (count(state?.erasures) === erasures) return 0;
    const rows = await this.duck.all(`select workspace_id, profile_id from profiles union select distinct workspace_id, profile_id from events where profile_id is not null order by workspace_id`);
    const byWorkspace = new Map<string, string[]>();
    for (const row of rows) {
      const workspaceId = text(row.workspace_id) ?? '';
      const profileId = text(row.profile_id) ?? '';
      const list = byWorkspace.get(workspaceId);
      if (list === undefined) byWorkspace.set(workspaceId, [profileId]);
      else list.push(profileId);
    }
    let removed = 0;
    for (const [workspaceId, ids] of byWorkspace) {
      const kept = await existingProfileIds(this.database.db, workspaceId, ids);
      removed += await this.#deleteProfiles(
        workspaceId,
        ids.filter((id) => !kept.has(id)),
      );
    }
    await this.duck.run('update replica_state set erasures = $1 where id = 1', [erasures]);
    return removed;
  }

  async #deleteProfiles(workspaceId: string, profileIds: readonly string[]): Promise<number> {
    if (profileIds.length === 0) return 0;
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

  /** Drops everything and copies the whole log again, reporting progress. */
  rebuild(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    return this.#exclusive(async () => {
      await this.duck.exclusive(async (connection) => {
        await connection.run('begin transaction');
        for (const table of ['events', 'profiles', 'replica_cursors']) await connection.run(`delete from ${table}`);
        await connection.run('update replica_state set profiles_updated_at = 0 where id = 1');
        await connection.run('commit');
      });
      return this.#sync(onProgress);
    });
  }

  async status(): Promise<ReplicaStatus> {
    const positions = await cursorPositions(this.database.db);
    const replicated = await this.#cursors();
    const [events] = await this.duck.all('select count(*) as n from events');
    const [profiles] = await this.duck.all('select count(*) as n from profiles where merged_into is null');
    const partitions = positions.map((position) => ({
      workspaceId: position.workspaceId,
      partition: position.partition,
      processed: position.cursor,
      replicated: replicated.get(key(position.workspaceId, position.partition)) ?? 0,
    }));
    return {
      events: count(events?.n),
      profiles: count(profiles?.n),
      lag: partitions.reduce((sum, p) => sum + Math.max(0, p.processed - p.replicated), 0),
      version: this.#version,
      partitions,
    };
  }

  async #cursors(): Promise<Map<string, number>> {
    const rows = await this.duck.all('select workspace_id, partition, seq from replica_cursors');
    return new Map(rows.map((row) => [key(text(row.workspace_id) ?? '', count(row.partition)), count(row.seq)]));
  }

  async #resetWorkspace(workspaceId: string): Promise<void> {
    await this.duck.exclusive(async (connection) => {
      await connection.run('begin transaction');
      for (const table of ['events', 'profiles', 'replica_cursors']) await connection.run(`delete from ${table} where workspace_id = $1`, [workspaceId]);
      await connection.run('update replica_state set profiles_updated_at = 0 where id = 1');
      await connection.run('commit');
    });
  }

  /**
   * Appends a page; when the replica store refuses it while still answering, appends its events
   * one by one and sets aside each one it refuses, as the processor does. Returns events set aside.
   */
  async #appendPageOrIsolate(workspaceId: string, partition: number, page: readonly FeedEvent[], from: number, to: number): Promise<number> {
    try {
      return await this.#appendPage(workspaceId, partition, page, to);
    } catch (error) {
      if (!(await this.#answers())) throw error;
    }
    let setAside = 0;
    let at = from;
    for (const row of page) {
      try {
        setAside += await this.#appendPage(workspaceId, partition, [row], row.seq);
      } catch (error) {
        if (!(await this.#answers())) throw error;
        await recordSetAside(this.database.db, workspaceId, [setAsideRecord(row, error)]);
        await this.#appendPage(workspaceId, partition, [], row.seq);
        setAside += 1;
      }
      at = row.seq;
    }
    if (at < to) await this.#appendPage(workspaceId, partition, [], to);
    return setAside;
  }

  async #answers(): Promise<boolean> {
    try {
      await this.duck.all('select 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Returns how many of the page's events were set aside because their columns could not be extracted. */
  async #appendPage(workspaceId: string, partition: number, page: readonly FeedEvent[], to: number): Promise<number> {
    // Extraction runs first, outside the appender: an event it throws on is set aside, never half-appended.
    const rows: { row: FeedEvent; prepared: PreparedEvent }[] = [];
    const setAside: SetAsideRow[] = [];
    // Each payload is parsed here (up to 32 KB each): in slices, like every long pass.
    const slice = sliceYielder();
    for (const row of page) {
      const pause = slice();
      if (pause !== undefined) await pause;
      try {
        rows.push({ row, prepared: prepareEvent(row) });
      } catch (error) {
        setAside.push(setAsideRecord(row, error));
      }
    }
    // Recorded before the page commits: a crash in between records it again, which is a no-op.
    await recordSetAside(this.database.db, workspaceId, setAside);
    await this.duck.exclusive(async (connection) => {
      await connection.run('begin transaction');
      try {
        if (rows.length > 0) {
          const appender = await connection.createAppender('events');
          for (const { row, prepared } of rows) appendEvent(appender, workspaceId, row, prepared);
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
    return setAside.length;
  }

  async #syncProfiles(): Promise<number> {
    const [state] = await this.duck.all('select profiles_updated_at from replica_state where id = 1');
    const since = Math.max(0, count(state?.profiles_updated_at) - this.#overlapMs);
    let afterUpdatedAt = since;
    let afterId = '';
    let newest = count(state?.profiles_updated_at);
    let total = 0;
    for (;;) {
      const page = await readChangedProfiles(this.database.db, afterUpdatedAt, afterId, this.#pageSize);
      if (page.length === 0) break;
      total += await this.#applyProfiles(page);
      const last = page[page.length - 1];
      if (last === undefined) break;
      afterUpdatedAt = last.updatedAt;
      afterId = last.id;
      newest = Math.max(newest, last.updatedAt);
      if (page.length < this.#pageSize) break;
      await turn();
    }
    if (newest > count(state?.profiles_updated_at)) await this.duck.run('update replica_state set profiles_updated_at = $1 where id = 1', [newest]);
    return total;
  }

  /** Applies a page of profiles; returns how many were new or changed. */
  async #applyProfiles(page: readonly FeedProfile[]): Promise<number> {
    let changedCount = 0;
    await this.duck.exclusive(async (connection) => {
      await connection.run('begin transaction');
      try {
        await connection.run('create temp table if not exists profile_page as select * from profiles limit 0');
        await connection.run('delete from profile_page');
        const appender = await connection.createAppender('profile_page', 'main', 'temp');
        for (const profile of page) {
          const facts = profileFacts(profile);
          appender.appendVarchar(profile.workspaceId);
          appender.appendVarchar(profile.id);
          if (profile.mergedInto === null) appender.appendNull();
          else appender.appendVarchar(profile.mergedInto);
          appender.appendBigInt(BigInt(profile.createdAt));
          appender.appendBigInt(BigInt(profile.updatedAt));
          appender.appendBoolean(facts.hasEmail);
          appender.appendBoolean(facts.hasPhone);
          if (facts.country === null) appender.appendNull();
          else appender.appendVarchar(facts.country);
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

/**
 * Lets queued I/O (other requests, /healthz) run between pages of a long pass, taking its turn
 * with every other sliced work (one slice per loop turn, src/shared/yield-slices.ts).
 */
function turn(): Promise<void> {
  return nextTurn();
}

function key(workspaceId: string, partition: number): string {
  return `${workspaceId}\u0000${partition}`;
}

function appendOptional(appender: DuckDBAppender, value: string | null): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
}

function appendOptionalNumber(appender: DuckDBAppender, value: number | null): void {
  if (value === null) appender.appendNull();
  else appender.appendDouble(value);
}

// Narrow adapter: payloads were validated and normalized by ingest before they were appended.
function isTrackingMessage(value: unknown): value is TrackingMessage {
  return isJsonObject(value) && isJsonObject(value.context) && typeof value.type === 'string' && typeof value.messageId === 'string';
}

/** An unreadable payload still counts as an event (type, name, time), just without its columns. */
function parseMessage(payload: string): TrackingMessage | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    return isTrackingMessage(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

interface PreparedEvent {
  name: string | null;
  facts: EventFacts | undefined;
}

/** The columns of one event; throws on a payload it cannot read (the caller sets the event aside). */
function prepareEvent(row: FeedEvent): PreparedEvent {
  const message = parseMessage(row.payload);
  const facts = message === undefined ? undefined : eventFacts(message);
  const name = row.event ?? (message !== undefined && typeof message.name === 'string' ? message.name : null);
  return { name, facts };
}

/** The replica's cursor lives in DuckDB: the record is written first, idempotent on its id, then the page commits there. */
const replicaSetAside: SetAsidePolicy = {
  code: 'replica_failed',
  idPrefix: 'replica',
  failed: 'copied to the analytics replica',
  consequence: 'analyses leave it out (`rapport analytics rebuild` tries it again)',
};

function setAsideRecord(row: FeedEvent, error: unknown): SetAsideRow {
  return setAsideRow(replicaSetAside, { partition: row.partition, seq: row.seq, receivedAt: row.receivedAt, sourceId: null, payload: row.payload }, error);
}

function appendEvent(appender: DuckDBAppender, workspaceId: string, row: FeedEvent, { name, facts }: PreparedEvent): void {
  appender.appendVarchar(workspaceId);
  appender.appendInteger(row.partition);
  appender.appendBigInt(BigInt(row.seq));
  appendOptional(appender, row.profileId);
  appender.appendBigInt(BigInt(row.timestamp));
  appender.appendVarchar(row.type);
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

function profileFacts(profile: FeedProfile): { hasEmail: boolean; hasPhone: boolean; country: string | null } {
  let document: unknown;
  try {
    document = JSON.parse(profile.document);
  } catch {
    document = undefined;
  }
  if (!isJsonObject(document)) return { hasEmail: false, hasPhone: false, country: null };
  const ids = isJsonObject(document.ids) ? document.ids : {};
  const state = isJsonObject(document.state) ? document.state : {};
  const traits = isJsonObject(state.traits) ? state.traits : {};
  const stamped = (name: string): unknown => (isJsonObject(traits[name]) ? traits[name].v : undefined);
  const address = stamped('address');
  const country = stamped('country') ?? (isJsonObject(address) ? address.country : undefined);
  const has = (type: string): boolean => Array.isArray(ids[type]) && ids[type].length > 0;
  return { hasEmail: has('email'), hasPhone: has('phone'), country: typeof country === 'string' && country.trim() !== '' ? country.trim().toUpperCase() : null };
}
