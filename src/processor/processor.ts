import { defaultIdentityRules, type IdentityRules, findIdentities, insertIdentities, moveIdentities } from '../identity/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { LogFollower, withUnread, type StepResult } from '../log/follower.js';
import { leasesOf } from '../log/leases.js';
import { CursorMoved } from '../log/retry.js';
import { payloadText, type PoisonEvent } from '../log/set-aside.js';
import type { Database, Tx } from '../storage/database.js';
import { publishLogHeads, readHead, readPartition, type LogEntry } from '../log/store/event-log.js';
import { insertMerges, loadProfiles, profileVersions, redirectMerged, upsertProfiles, type StoredProfile, insertProfileEvents, moveProfileEvents } from '../profiles/index.js';
import { advanceCursor, cursorPositions, oldestUnprocessed, readCursor, type CursorPosition } from './store/processor-state.js';
import { applyBatch, prepareBatch, type BatchWrites } from './batch.js';

// How often the background loop publishes the log's heads at most (PostgreSQL; see publishHeads).
const publishEveryMs = 100;

/** What one committed batch changed, for modules downstream (segments, journeys). */
export interface ProfileChanges {
  workspaceId: string;
  partition: number;
  /** The batch covered events (fromSeq, toSeq]. */
  fromSeq: number;
  toSeq: number;
  /** Surviving profiles whose state changed, sorted. */
  profileIds: string[];
  /** Profiles merged away in this batch and their survivors. */
  merged: { from: string; into: string }[];
}

/** One batch as an extension sees it, inside the batch's transaction. */
export interface ExtensionBatch {
  workspaceId: string;
  partition: number;
  entries: readonly LogEntry[];
  writes: BatchWrites;
  /** Profiles that existed before this batch (the rest were created by it). */
  existing: ReadonlySet<string>;
  /** The processor clock's time for this batch. */
  now: number;
}

/**
 * Derived state written in the batch's own transaction, after identities and profiles and
 * before the cursor moves (segment membership), so it commits exactly once with the cursor.
 * May return a callback to run after the commit (a retried batch drops the callbacks of its
 * rolled-back attempts).
 */
export interface BatchExtension {
  apply(trx: Tx, batch: ExtensionBatch): Promise<(() => void) | undefined>;
}

/** Called after each batch commits, in commit order per partition. A throwing hook is logged; the batch stays committed. */
export type CommitHook = (changes: ProfileChanges) => void | Promise<void>;

/** The subset of a pino logger the processor uses. */
export interface ProcessorLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface ProcessorOptions {
  database: Database;
  clock?: Clock;
  /** Events per partition per transaction; default 1000. */
  batchSize?: number;
  /** Sleep between polls when idle and not woken; default 1000 ms. */
  pollIntervalMs?: number;
  /** Pause after a pass that caught up, so the next one batches more events; default 0 (tests), the server uses 25 ms. */
  lingerMs?: number;
  logger?: ProcessorLogger;
  onCommitted?: CommitHook[];
  /** Derived state committed with each batch (segments). */
  extensions?: BatchExtension[];
  /** Identity rules per workspace; defaults apply to workspaces it does not know. */
  identityRules?: (workspaceId: string) => IdentityRules;
  /** Process only this workspace (replay). */
  workspaceId?: string;
  /**
   * Partitions processed at once. SQLite has one connection, so 1; PostgreSQL defaults to 4
   * (each partition batch holds one pooled connection for its transaction and one for its lock).
   */
  concurrency?: number;
}

export interface ProcessorStatus {
  /** Appended events not yet processed, over every partition. */
  lagEvents: number;
  /** Age of the oldest unprocessed event (0 when caught up). */
  lagMs: number;
  /** Each partition with its events not yet processed. */
  cursors: (CursorPosition & { unread: number })[];
}

/**
 * Reads the event log in order per partition and drives identity resolution and profile state.
 * Each batch commits derived state and the partition cursor in one transaction, so a crash
 * resumes exactly where it stopped and nothing is applied twice.
 *
 * Concurrency: a partition is processed under the named lock `processor:<ws>:<partition>`, so
 * several workers (PostgreSQL) split partitions between them. Two partitions may touch one
 * profile at once; on PostgreSQL the batch reads identities and profile rows inside its
 * transaction and locks the profiles `FOR UPDATE`, so the second writer waits and then works
 * from the committed state. A merge that happened meanwhile is followed through `merged_into`.
 * Two workers creating the same identity collide on its primary key, and a deadlock between
 * lock orders aborts one of them; both roll back and retry the batch.
 *
 * @example
 * const processor = new Processor({ database, batchSize: 1000 });
 * processor.start();
 * ingest.onAppend(() => processor.wake());
 */
export class Processor {
  private readonly database: Database;
  private readonly clock: Clock;
  private readonly hooks: CommitHook[];
  private readonly rulesFor: (workspaceId: string) => IdentityRules;
  private readonly follower: LogFollower;
  private publishedAt = 0;
  private republish: NodeJS.Timeout | undefined;

  constructor(private readonly options: ProcessorOptions) {
    this.database = options.database;
    this.clock = options.clock ?? systemClock;
    this.hooks = [...(options.onCommitted ?? [])];
    this.rulesFor = options.identityRules ?? (() => defaultIdentityRules);
    this.follower = new LogFollower({
      name: 'processor',
      database: options.database,
      clock: this.clock,
      batchSize: options.batchSize ?? 1000,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      // A pass over system events only (segment transitions, catalog changes) does not linger:
      // those are written by the previous batch, and lingering on them would delay the next one.
      lingerMs: options.lingerMs ?? 0,
      concurrency: options.concurrency ?? (options.database.dialect === 'postgres' ? 4 : 1),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      setAside: { code: 'processing_failed', idPrefix: 'processing', failed: 'applied to a profile', consequence: 'a replay retries it' },
      handler: {
        positions: () => this.positions(),
        step: (position, limit) => this.processBatch(position.workspaceId, position.partition, limit),
        skipNext: (trx, position, now) => this.skipNext(trx, position.workspaceId, position.partition, now),
      },
    });
  }

  /** Adds a hook called after each committed batch. */
  onCommitted(hook: CommitHook): void {
    this.hooks.push(hook);
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    this.follower.start();
  }

  /** Stops the loop; resolves once the batch in flight has committed. */
  async stop(): Promise<void> {
    await this.follower.stop();
    clearTimeout(this.republish);
    this.republish = undefined;
  }

  /** Says new events were appended. Wake-ups that arrive while a batch runs collapse into one more pass. */
  wake(): void {
    this.follower.wake();
  }

  /** One pass over every partition with unprocessed events (one batch each); returns events processed. */
  async runOnce(): Promise<number> {
    await this.publishHeads(true);
    return (await this.follower.runOnce()).moved;
  }

  /** Processes until every partition's cursor has reached the head it had when checked. */
  async drain(): Promise<void> {
    await this.publishHeads(true);
    await this.follower.drain();
  }

  async status(): Promise<ProcessorStatus> {
    await this.publishHeads(true);
    const cursors = await withUnread(this.database, await this.positions());
    const lagEvents = cursors.reduce((sum, position) => sum + position.unread, 0);
    const oldest = lagEvents === 0 ? undefined : await oldestUnprocessed(this.database.db, cursors);
    return { lagEvents, lagMs: oldest === undefined ? 0 : Math.max(0, this.clock.now() - oldest), cursors };
  }

  /** Heads (published first on PostgreSQL, so they cover every settled append) and cursors. */
  private async positions(): Promise<CursorPosition[]> {
    await this.publishHeads(false);
    return cursorPositions(this.database.db, this.options.workspaceId);
  }

  /**
   * PostgreSQL: publishes the log's heads. The fence waits for the appends in flight and holds
   * new ones back meanwhile, so the background loop does it at most every `publishEveryMs`;
   * an explicit call (status, drain, runOnce) always does.
   */
  private async publishHeads(force: boolean): Promise<void> {
    if (this.database.dialect !== 'postgres') return;
    const now = Date.now();
    if (!force && now - this.publishedAt < publishEveryMs) {
      // Come back when a publish is allowed: what was appended meanwhile is read then, not at the next poll.
      this.republish ??= setTimeout(
        () => {
          this.republish = undefined;
          this.follower.wake();
        },
        publishEveryMs - (now - this.publishedAt),
      ).unref();
      return;
    }
    this.publishedAt = now;
    await publishLogHeads(this.database.db);
  }

  /** Moves the cursor past the next event (set aside by the follower), inside its transaction. */
  private async skipNext(trx: Tx, workspaceId: string, partition: number, now: number): Promise<PoisonEvent | undefined> {
    const from = await readCursor(trx, workspaceId, partition);
    const [entry] = await readPartition(trx, workspaceId, partition, from, 1, await readHead(trx, workspaceId, partition));
    if (entry === undefined) return undefined;
    if (!(await advanceCursor(trx, workspaceId, partition, from, entry.seq, now))) throw new CursorMoved();
    return { partition, seq: entry.seq, messageId: entry.messageId, receivedAt: entry.receivedAt, sourceId: entry.sourceId, payload: payloadText(entry.message) };
  }

  private async processBatch(workspaceId: string, partition: number, limit: number): Promise<StepResult> {
    const { database } = this;
    const from = await readCursor(database.db, workspaceId, partition);
    // The head is read before the rows, and bounds them: every position up to it is settled
    // (PostgreSQL: published by `publishLogHeads`), while above it a slower append may still
    // fill in a position. A sequence number taken by an append whose row was a duplicate leaves
    // a gap, and when this read reaches the end, the cursor jumps over any gap up to the head,
    // or it would never catch up.
    const head = await readHead(database.db, workspaceId, partition);
    const entries = await readPartition(database.db, workspaceId, partition, from, limit, head);
    const to = entries.length < limit ? Math.max(head, entries.at(-1)?.seq ?? from) : (entries.at(-1)?.seq ?? from);
    if (to <= from) return { moved: 0, full: false, linger: false };
    const rules = this.rulesFor(workspaceId);
    const { prepared, lookups } = prepareBatch(rules, entries);

    const plan = async (tx: Tx): Promise<{ batch: BatchWrites; loaded: StoredProfile[]; now: number }> => {
      const owners = lookups.length === 0 ? [] : await findIdentities(tx, workspaceId, lookups);
      const loaded = await this.loadGraphProfiles(
        tx,
        workspaceId,
        owners.map((owner) => owner.profileId),
      );
      const now = this.clock.now();
      const batch = applyBatch({ workspaceId, rules, prepared, owners, profiles: loaded, now });
      // updated_at doubles as the row version the SQLite path checks, so every write must move
      // it forward even when the clock has not (same millisecond, a test clock).
      const before = new Map(loaded.map((profile) => [profile.id, profile.updatedAt]));
      for (const profile of batch.profiles) {
        const previous = before.get(profile.id);
        if (previous !== undefined && profile.updatedAt <= previous) profile.updatedAt = previous + 1;
      }
      return { batch, loaded, now };
    };
    const afterCommit: (() => void)[] = [];
    const extend = async (trx: Tx, batch: BatchWrites, loaded: readonly StoredProfile[], now: number): Promise<void> => {
      const existing = new Set(loaded.map((profile) => profile.id));
      for (const extension of this.options.extensions ?? []) {
        const callback = await extension.apply(trx, { workspaceId, partition, entries, writes: batch, existing, now });
        if (callback !== undefined) afterCommit.push(callback);
      }
    };
    let writes: BatchWrites;
    if (database.dialect === 'sqlite') {
      // SQLite has one writer for the whole file: planning inside the write transaction kept
      // the ingest thread waiting on the lock for the whole computation. Plan first, then
      // commit only if nothing it read has moved: the cursor (another processor took this
      // batch) and the version of every profile it loaded (another partition changed one).
      const { batch, loaded, now } = await plan(database.db);
      writes = await database.transaction(async (trx) => {
        const versions = await profileVersions(
          trx,
          workspaceId,
          loaded.map((profile) => profile.id),
        );
        if (loaded.some((profile) => versions.get(profile.id) !== profile.updatedAt)) throw new CursorMoved();
        await this.write(trx, workspaceId, batch);
        await extend(trx, batch, loaded, now);
        if (!(await advanceCursor(trx, workspaceId, partition, from, to, now))) throw new CursorMoved();
        return batch;
      });
    } else {
      const leases = leasesOf(database);
      const fenced = await database.transaction(async (trx) => {
        // A lease that moved (expired, or released to a worker that joined) ends the batch
        // here, before anything is written; the new owner starts from the same cursor.
        if (leases !== undefined && !(await leases.holds(trx, partition))) return undefined;
        const { batch, loaded, now } = await plan(trx);
        await this.write(trx, workspaceId, batch);
        await extend(trx, batch, loaded, now);
        if (!(await advanceCursor(trx, workspaceId, partition, from, to, now))) throw new CursorMoved();
        return batch;
      });
      if (fenced === undefined) return { moved: 0, full: false, linger: false };
      writes = fenced;
    }

    const changes: ProfileChanges = {
      workspaceId,
      partition,
      fromSeq: from,
      toSeq: to,
      profileIds: writes.changedProfiles,
      merged: [...writes.moves].map(([fromId, into]) => ({ from: fromId, into })),
    };
    for (const callback of afterCommit) {
      try {
        callback();
      } catch (error) {
        this.options.logger?.error({ err: error, workspaceId, partition }, 'processor extension callback failed');
      }
    }
    for (const hook of this.hooks) {
      try {
        await hook(changes);
      } catch (error) {
        this.options.logger?.error({ err: error, workspaceId, partition }, 'processor commit hook failed');
      }
    }
    return { moved: entries.length, full: entries.length >= limit, linger: writes.attributed > 0 };
  }

  /** The owning profiles plus, transitively, the survivors of any that were merged meanwhile. */
  private async loadGraphProfiles(trx: Tx, workspaceId: string, ids: string[]): Promise<StoredProfile[]> {
    const loaded = new Map<string, StoredProfile>();
    let wanted = [...new Set(ids)];
    while (wanted.length > 0) {
      const rows = await loadProfiles(trx, workspaceId, wanted, { forUpdate: true });
      for (const row of rows) loaded.set(row.id, row);
      wanted = [...new Set(rows.map((row) => row.mergedInto).filter((id): id is string => id !== null && !loaded.has(id)))];
    }
    return [...loaded.values()];
  }

  private async write(trx: Tx, workspaceId: string, batch: BatchWrites): Promise<void> {
    await upsertProfiles(trx, this.database, workspaceId, batch.profiles);
    if (batch.moves.size > 0) {
      await redirectMerged(trx, workspaceId, batch.moves);
      await moveIdentities(trx, workspaceId, batch.moves);
      await moveProfileEvents(trx, workspaceId, batch.moves);
      await insertMerges(trx, workspaceId, batch.merges);
    }
    await insertIdentities(trx, this.database, workspaceId, batch.addedIdentities);
    await insertProfileEvents(trx, this.database, workspaceId, batch.profileEvents);
  }
}
