import { isJsonObject, type TrackingMessage } from '../ingest/index.js';
import type { Database } from '../storage/database.js';
import { setAsideRow, type SetAsidePolicy } from '../log/set-aside.js';
import { recordSetAside, type SetAsideRow } from '../log/store/set-aside.js';
import { countErasures, existingProfileIds, readChangedProfileStamps, readFeedEvents, readProfiles, type FeedEvent, type FeedProfile, type FeedProfileStamp } from './store/analytics-feed.js';
import { cursorPositions } from '../processor/index.js';
import { eventFacts, type EventFacts } from './event-facts.js';
import { nextTurn, sliceYielder } from '../shared/yield-slices.js';
import { RapportError } from '../shared/errors.js';
import type { Lease } from './store/replica-lease.js';

// A pass reads profile stamps (id, update time, merge target) this many profile pages at a time.
const STAMPS_PER_PROFILE_PAGE = 8;

/*
 * The analytics replica of the event log: one row per processed event with the columns analyses
 * group by, plus a small profiles table, kept by one engine's `ReplicaStore` (DuckDB, ClickHouse).
 * It copies events up to the processor's cursor (so every event has its profile) and the store
 * commits each page together with its cursor: a crash at any point resumes where the last commit
 * stopped, nothing twice.
 * Merges: profiles changed since the last pass are re-read; a merged-away profile's events are
 * moved to its survivor, as the processor does in the state store.
 * Erasures: an erased person's rows are gone from the log, so no pass copies them again; the
 * privacy service removes those already copied (`eraseProfiles`), and a pass that sees the
 * count of erasures move (one made by another process) drops every profile the state store no
 * longer has, with its events.
 */

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
  /**
   * For a replica several processes share (ClickHouse): only the process holding this lease
   * copies; the others read the shared version, so their caches still follow the data.
   */
  lease?: Lease;
}

/** One event as the replica stores it: its log position, owner and extracted columns. */
export interface ReplicaEvent {
  partition: number;
  seq: number;
  profileId: string | null;
  ts: number;
  type: string;
  name: string | null;
  facts: EventFacts | undefined;
}

/** One profile as the replica stores it. */
export interface ReplicaProfile {
  workspaceId: string;
  id: string;
  mergedInto: string | null;
  createdAt: number;
  updatedAt: number;
  hasEmail: boolean;
  hasPhone: boolean;
  country: string | null;
}

/** What the replica remembers between passes. */
export interface ReplicaState {
  version: number;
  /** Newest profile `updated_at` applied. */
  profilesUpdatedAt: number;
  /** Erasures counted at the last reconciliation. */
  erasures: number;
}

/**
 * Where one engine keeps the replica. Parallel implementations: `duckdb/duck-replica-store.ts`,
 * `clickhouse/clickhouse-replica-store.ts`; the `Replica` below drives either the same way.
 */
export interface ReplicaStore {
  /** Creates what is missing; safe on an existing replica. */
  init(): Promise<void>;
  state(): Promise<ReplicaState>;
  setState(patch: Partial<ReplicaState>): Promise<void>;
  /** Replicated position per `replicaKey(workspace, partition)`. */
  cursors(): Promise<Map<string, number>>;
  /** Stores the events and moves the partition's cursor to `to`, all or nothing. */
  append(workspaceId: string, partition: number, events: readonly ReplicaEvent[], to: number): Promise<void>;
  /** Upserts profiles, moves merged-away profiles' events to their survivor; returns how many were new or changed. */
  applyProfiles(profiles: readonly ReplicaProfile[]): Promise<number>;
  /** Removes these profiles, their events and system events naming them; returns rows removed. */
  deleteProfiles(workspaceId: string, profileIds: readonly string[]): Promise<number>;
  /** Every profile id the replica holds (profiles and event owners). */
  heldProfiles(): Promise<{ workspaceId: string; profileId: string }[]>;
  /** Drops events, profiles and cursors (of one workspace, or all) and reads profiles again from the start. */
  clear(workspaceId?: string): Promise<void>;
  counts(): Promise<{ events: number; profiles: number }>;
  /** Whether the store still answers (a refused page is then the page's fault, not the store's). */
  answers(): Promise<boolean>;
}

/**
 * The log follower that feeds a `ReplicaStore`.
 * @example const replica = new Replica(store, database); await replica.init(); await replica.sync();
 */
export class Replica {
  readonly #pageSize: number;
  readonly #overlapMs: number;
  readonly #lease: Lease | undefined;
  #version = 0;
  /**
   * Profiles applied whose `updated_at` is still inside the overlap window, by workspace and id:
   * the stamp they were applied with. A pass reads the window's stamps and skips these, instead
   * of reading and applying every profile of the last seconds again (after an import, every
   * profile: about 100 ms of each analytics read on the demo shop). Forgotten whenever the
   * store loses rows, so a cleared replica is filled again.
   */
  readonly #applied = new Map<string, string>();
  // Passes never overlap: a rebuild during a sync would otherwise let the sync append after it.
  #serial: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: ReplicaStore,
    private readonly database: Database,
    options: ReplicaOptions = {},
  ) {
    this.#pageSize = options.pageSize ?? 250;
    this.#overlapMs = options.profileOverlapMs ?? 10_000;
    this.#lease = options.lease;
  }

  async init(): Promise<void> {
    await this.store.init();
    this.#version = (await this.store.state()).version;
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
    if (this.#lease !== undefined && !(await this.#lease.hold())) {
      // Another process feeds the shared replica: follow its version instead.
      this.#applied.clear();
      this.#version = (await this.store.state()).version;
      return report;
    }
    const pruned = await this.#pruneErased();
    const positions = await cursorPositions(this.database.db);
    const replicated = await this.store.cursors();
    const total = positions.reduce((sum, position) => sum + Math.max(0, position.cursor - (replicated.get(replicaKey(position.workspaceId, position.partition)) ?? 0)), 0);
    for (const position of positions) {
      const at = replicated.get(replicaKey(position.workspaceId, position.partition)) ?? 0;
      if (position.cursor < at && !report.reset.includes(position.workspaceId)) {
        // The processor started over (replay): profile ids may have changed, start over too.
        await this.store.clear(position.workspaceId);
        this.#applied.clear();
        report.reset.push(position.workspaceId);
      }
    }
    const after = report.reset.length > 0 ? await this.store.cursors() : replicated;
    for (const position of positions) {
      let seq = after.get(replicaKey(position.workspaceId, position.partition)) ?? 0;
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
          await nextTurn();
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
    await this.store.setState({ version: this.#version });
  }

  /**
   * Removes erased profiles: their profile rows, their events, and system events whose
   * properties name them (segment transitions). Serialized with the passes, so a pass that read
   * the state store before the erasure committed has appended by then. Returns rows removed.
   * @example await replica.eraseProfiles('ws', ['prf_1', 'prf_2']);
   */
  eraseProfiles(workspaceId: string, profileIds: readonly string[]): Promise<number> {
    return this.#exclusive(async () => {
      const removed = profileIds.length === 0 ? 0 : await this.store.deleteProfiles(workspaceId, profileIds);
      this.#applied.clear();
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
    if ((await this.store.state()).erasures === erasures) return 0;
    const byWorkspace = new Map<string, string[]>();
    for (const { workspaceId, profileId } of await this.store.heldProfiles()) {
      const list = byWorkspace.get(workspaceId);
      if (list === undefined) byWorkspace.set(workspaceId, [profileId]);
      else list.push(profileId);
    }
    let removed = 0;
    for (const [workspaceId, ids] of byWorkspace) {
      const kept = await existingProfileIds(this.database.db, workspaceId, ids);
      const gone = ids.filter((id) => !kept.has(id));
      if (gone.length > 0) removed += await this.store.deleteProfiles(workspaceId, gone);
    }
    this.#applied.clear();
    await this.store.setState({ erasures });
    return removed;
  }

  /** Drops everything and copies the whole log again, reporting progress. */
  rebuild(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    return this.#exclusive(async () => {
      if (this.#lease !== undefined && !(await this.#lease.hold())) {
        throw new RapportError('unavailable', 'another Rapport process feeds the shared analytics replica: rebuild through that process, or stop it first');
      }
      await this.store.clear();
      this.#applied.clear();
      return this.#sync(onProgress);
    });
  }

  /** Waits for the pass in progress and gives the lease up, so another process takes over at once. */
  async stop(): Promise<void> {
    await this.#exclusive(async () => this.#lease?.release());
  }

  async status(): Promise<ReplicaStatus> {
    const positions = await cursorPositions(this.database.db);
    const replicated = await this.store.cursors();
    const counts = await this.store.counts();
    const partitions = positions.map((position) => ({
      workspaceId: position.workspaceId,
      partition: position.partition,
      processed: position.cursor,
      replicated: replicated.get(replicaKey(position.workspaceId, position.partition)) ?? 0,
    }));
    return {
      ...counts,
      lag: partitions.reduce((sum, p) => sum + Math.max(0, p.processed - p.replicated), 0),
      version: this.#version,
      partitions,
    };
  }

  /**
   * Appends a page; when the replica store refuses it while still answering, appends its events
   * one by one and sets aside each one it refuses, as the processor does. Returns events set aside.
   */
  async #appendPageOrIsolate(workspaceId: string, partition: number, page: readonly FeedEvent[], from: number, to: number): Promise<number> {
    try {
      return await this.#appendPage(workspaceId, partition, page, to);
    } catch (error) {
      if (!(await this.store.answers())) throw error;
    }
    let setAside = 0;
    let at = from;
    for (const row of page) {
      try {
        setAside += await this.#appendPage(workspaceId, partition, [row], row.seq);
      } catch (error) {
        if (!(await this.store.answers())) throw error;
        await recordSetAside(this.database.db, workspaceId, [setAsideRecord(row, error)]);
        await this.store.append(workspaceId, partition, [], row.seq);
        setAside += 1;
      }
      at = row.seq;
    }
    if (at < to) await this.store.append(workspaceId, partition, [], to);
    return setAside;
  }

  /** Returns how many of the page's events were set aside because their columns could not be extracted. */
  async #appendPage(workspaceId: string, partition: number, page: readonly FeedEvent[], to: number): Promise<number> {
    // Extraction runs first, outside the store: an event it throws on is set aside, never half-appended.
    const events: ReplicaEvent[] = [];
    const setAside: SetAsideRow[] = [];
    // Each payload is parsed here (up to 32 KB each): in slices, like every long pass.
    const slice = sliceYielder();
    for (const row of page) {
      const pause = slice();
      if (pause !== undefined) await pause;
      try {
        events.push(prepareEvent(row));
      } catch (error) {
        setAside.push(setAsideRecord(row, error));
      }
    }
    // Recorded before the page commits: a crash in between records it again, which is a no-op.
    await recordSetAside(this.database.db, workspaceId, setAside);
    await this.store.append(workspaceId, partition, events, to);
    return setAside.length;
  }

  async #syncProfiles(): Promise<number> {
    const stored = (await this.store.state()).profilesUpdatedAt;
    let after = { updatedAt: Math.max(0, stored - this.#overlapMs), id: '' };
    let newest = stored;
    let total = 0;
    // Stamps are a few short columns: pages of many, so an idle pass is one or two queries.
    const stampPage = this.#pageSize * STAMPS_PER_PROFILE_PAGE;
    for (;;) {
      const stamps = await readChangedProfileStamps(this.database.db, after.updatedAt, after.id, stampPage);
      const last = stamps.at(-1);
      if (last === undefined) break;
      const unseen = stamps.filter((stamp) => this.#applied.get(profileKey(stamp)) !== stampOf(stamp));
      for (let start = 0; start < unseen.length; start += this.#pageSize) {
        if (start > 0) await nextTurn();
        // Read now, a document may be newer than its stamp: applied as read, remembered as applied.
        const page = await readProfiles(this.database.db, unseen.slice(start, start + this.#pageSize));
        total += await this.store.applyProfiles(page.map(replicaProfile));
        for (const profile of page) this.#applied.set(profileKey(profile), stampOf(profile));
      }
      after = { updatedAt: last.updatedAt, id: last.id };
      newest = Math.max(newest, last.updatedAt);
      if (stamps.length < stampPage) break;
      await nextTurn();
    }
    if (newest > stored) await this.store.setState({ profilesUpdatedAt: newest });
    this.#forgetBefore(newest - this.#overlapMs);
    return total;
  }

  /** Drops remembered stamps the next pass's window no longer reaches. */
  #forgetBefore(updatedAt: number): void {
    for (const [key, stamp] of this.#applied) if (Number(stamp.slice(0, stamp.indexOf('\u0000'))) < updatedAt) this.#applied.delete(key);
  }
}

function profileKey(profile: { workspaceId: string; id: string }): string {
  return `${profile.workspaceId}\u0000${profile.id}`;
}

/** What must differ for a profile to be applied again: its update time or its merge target. */
function stampOf(profile: Pick<FeedProfileStamp, 'updatedAt' | 'mergedInto'>): string {
  return `${profile.updatedAt}\u0000${profile.mergedInto ?? ''}`;
}

/**
 * The key of a (workspace, partition) cursor in `ReplicaStore.cursors()`.
 * @example replicaKey('ws', 0)
 */
export function replicaKey(workspaceId: string, partition: number): string {
  return `${workspaceId}\u0000${partition}`;
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

/** The columns of one event; throws on a payload it cannot read (the caller sets the event aside). */
function prepareEvent(row: FeedEvent): ReplicaEvent {
  const message = parseMessage(row.payload);
  const facts = message === undefined ? undefined : eventFacts(message);
  const name = row.event ?? (message !== undefined && typeof message.name === 'string' ? message.name : null);
  return { partition: row.partition, seq: row.seq, profileId: row.profileId, ts: row.timestamp, type: row.type, name, facts };
}

/** The replica's cursor lives in its own store: the record is written first, idempotent on its id, then the page commits there. */
const replicaSetAside: SetAsidePolicy = {
  code: 'replica_failed',
  idPrefix: 'replica',
  failed: 'copied to the analytics replica',
  consequence: 'analyses leave it out (`rapport analytics rebuild` tries it again)',
};

function setAsideRecord(row: FeedEvent, error: unknown): SetAsideRow {
  return setAsideRow(replicaSetAside, { partition: row.partition, seq: row.seq, receivedAt: row.receivedAt, sourceId: null, payload: row.payload }, error);
}

function replicaProfile(profile: FeedProfile): ReplicaProfile {
  let document: unknown;
  try {
    document = JSON.parse(profile.document);
  } catch {
    document = undefined;
  }
  const base = { workspaceId: profile.workspaceId, id: profile.id, mergedInto: profile.mergedInto, createdAt: profile.createdAt, updatedAt: profile.updatedAt };
  if (!isJsonObject(document)) return { ...base, hasEmail: false, hasPhone: false, country: null };
  const ids = isJsonObject(document.ids) ? document.ids : {};
  const state = isJsonObject(document.state) ? document.state : {};
  const traits = isJsonObject(state.traits) ? state.traits : {};
  const stamped = (name: string): unknown => (isJsonObject(traits[name]) ? traits[name].v : undefined);
  const address = stamped('address');
  const country = stamped('country') ?? (isJsonObject(address) ? address.country : undefined);
  const has = (type: string): boolean => Array.isArray(ids[type]) && ids[type].length > 0;
  return { ...base, hasEmail: has('email'), hasPhone: has('phone'), country: typeof country === 'string' && country.trim() !== '' ? country.trim().toUpperCase() : null };
}
