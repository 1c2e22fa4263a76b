import type { TrackingMessage } from '../ingest/index.js';
import type { BatchExtension, ExtensionBatch, ProcessorLogger } from '../processor/index.js';
import { normalizeTraits, emptyState, type ProfileState, readProfileScores, loadProfiles, lockProfiles, profileIdsAfter, eventsOfProfiles } from '../profiles/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { randomId } from '../shared/ids.js';
import type { Database, Tx } from '../storage/database.js';
import { claimForTransaction } from '../storage/claims.js';
import { createEventAppender, type AppendRow, type EventAppender } from '../log/store/event-log.js';
import {
  deleteDue,
  deleteMembers,
  deleteSegmentStates,
  dueOfProfiles,
  getSegment,
  recordBackfill,
  insertDeliveries,
  insertHistory,
  insertMembers,
  loadSegmentStates,
  memberIds,
  membershipsOf,
  nextDueAt,
  segmentConditions,
  segmentHeads,
  peekDueRows,
  clearDueUpTo,
  upsertDue,
  upsertSegmentStates,
  type DeliveryRow,
  type DueRow,
  type HistoryRow,
} from './store/segments.js';
import { compileSegment, SegmentSet, type CompiledSegment } from './compile.js';
import { parseCondition } from './condition.js';
import { eventNameOf, type EventStatSpec } from './event-stats.js';
import { decodeStats, encodeStats, evaluateMemberships, nextDue, updateStats } from './models/membership.js';
import { parseDestination, type WebhookDestination } from './webhook.js';

/*
 * Incremental segment membership. The processor calls `apply` inside each batch's
 * transaction: the batch's events are folded into the per-profile stats of the segments that
 * read them, only the segments those events (or trait changes, or merges) can affect are
 * re-evaluated, and each change of membership is written row-wise with its history, its
 * `Segment Entered` / `Segment Exited` event in the log and its webhook delivery, all in the
 * commit that moves the cursor. Time alone changes membership only at known instants
 * (`nextChangeAt`); each (segment, profile) with one has a due row, and a timer re-evaluates
 * it at that moment. The rules per profile (fold, evaluate, next due time) are the pure core in
 * models/membership.ts; this file is the shell that reads and writes around them.
 */

/** One change of membership. */
export interface Transition {
  workspaceId: string;
  segmentId: string;
  segmentName: string;
  profileId: string;
  kind: 'entered' | 'exited';
  at: number;
  /** Also the messageId of its event in the log. */
  id: string;
}

export type TransitionListener = (transitions: readonly Transition[]) => void;

/** What `run` evaluates for one profile. */
interface ProfileWork {
  profileId: string;
  state: ProfileState;
  email: string | undefined;
  /** Created in this batch: every segment applies, whatever its backfill cursor. */
  isNew: boolean;
  /** This batch's events of the profile, folded into its stats. */
  events: { timestamp: number; message: TrackingMessage }[];
  /** Rebuild these stats keys from the profile's timeline ('all': every key). */
  recompute: 'all' | Set<string> | undefined;
  /** Segment ids to evaluate (their dependents follow); undefined: all. */
  segments: Set<string> | undefined;
  /** `segments` holds every time-dependent segment, so the profile's next due time is exact. */
  dueComplete?: boolean;
}

interface WorkspaceSegments {
  /** What the heads looked like when this was built; unchanged heads reuse it. */
  signature: string;
  set: SegmentSet;
  names: Map<string, string>;
  destinations: Map<string, WebhookDestination>;
  /** Compiled by id@version, reused across batches. */
  compiled: Map<string, CompiledSegment>;
}

export interface SegmentEngineOptions {
  database: Database;
  clock?: Clock;
  logger?: ProcessorLogger;
  /** Longest wait between checks of the due table when nothing woke the timer; default 1000 ms. */
  duePollMs?: number;
}

const SEGMENT_ENTERED = 'Segment Entered';
/** Due rows are one per profile (the earliest change of any of its segments): their segment_id. */
const ANY_SEGMENT = '*';

// Transition ids are also messageIds in the log: a random per-process prefix and a counter is
// unique, and much cheaper than asking the system for random bytes per transition.
const idPrefix = randomId('sgh', 9);
let idCounter = 0;
function transitionId(): string {
  idCounter += 1;
  return `${idPrefix}${idCounter.toString(36)}`;
}
const SEGMENT_EXITED = 'Segment Exited';

function emailOf(state: ProfileState): string | undefined {
  const email = state.traits.email?.v;
  return typeof email === 'string' ? email : undefined;
}

/** Trait keys an event writes, plus `consent:<channel>` for consent changes. */
function traitKeysOf(message: TrackingMessage): string[] {
  const keys: string[] = [];
  const add = (raw: unknown) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return;
    const { traits, consent } = normalizeTraits({ ...raw });
    keys.push(...Object.keys(traits));
    for (const channel of Object.keys(consent)) keys.push(`consent:${channel}`);
  };
  if (message.type === 'identify') add(message.traits);
  add(message.context.traits);
  return keys;
}

/**
 * The event names whose timeline a rebuild reads, and those of them whose properties it needs:
 * a backfill rebuilds only its segment's stats, so it reads only the events those ask about
 * (not every event any live segment counts), and parses properties only where a filter or an
 * aggregate reads them.
 */
function timelineQuestion(
  specsByEvent: ReadonlyMap<string, readonly { spec: EventStatSpec }[]>,
  rebuild: readonly Pick<ProfileWork, 'recompute'>[],
): [names: string[], options: { propertiesOf: string[] }] {
  const names = new Set<string>();
  const withProperties = new Set<string>();
  const asked = [...new Set(rebuild.map((item) => item.recompute))];
  for (const [name, list] of specsByEvent) {
    for (const { spec } of list) {
      if (!asked.some((recompute) => recompute === 'all' || (recompute !== undefined && recompute.has(spec.key)))) continue;
      names.add(name);
      if (spec.where.length > 0 || spec.property !== undefined) withProperties.add(name);
    }
  }
  return [[...names], { propertiesOf: [...withProperties] }];
}

/**
 * Keeps segment membership live. One engine per process (the processor thread has its own).
 * @example
 * const engine = new SegmentEngine({ database });
 * const processor = new Processor({ database, extensions: [engine.extension()] });
 * engine.start(); // due-time re-checks
 */
export class SegmentEngine {
  readonly #database: Database;
  readonly #clock: Clock;
  readonly #logger: ProcessorLogger | undefined;
  readonly #duePollMs: number;
  /** The last due pass found another process's pass holding the claim. */
  #claimMissed = false;
  /** Prepared statements on SQLite: a batch may append thousands of transition events. */
  readonly #append: EventAppender;
  readonly #workspaces = new Map<string, WorkspaceSegments>();
  readonly #listeners: TransitionListener[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #dueLoop: Promise<void> | undefined;
  #armedFor: number | undefined;

  constructor(options: SegmentEngineOptions) {
    this.#database = options.database;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#duePollMs = options.duePollMs ?? 1000;
    this.#append = createEventAppender(options.database);
  }

  /** Called after each commit that changed membership (webhooks, journeys, tests). */
  onTransitions(listener: TransitionListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const index = this.#listeners.indexOf(listener);
      if (index >= 0) this.#listeners.splice(index, 1);
    };
  }

  /** The processor extension: membership committed with each batch. */
  extension(): BatchExtension {
    return { apply: (trx, batch) => this.applyBatch(trx, batch) };
  }

  /** The compiled segments of a workspace as of this transaction (recompiled when a version changes). */
  async segments(db: Tx, workspaceId: string): Promise<WorkspaceSegments> {
    const heads = await segmentHeads(db, workspaceId);
    const signature = heads.map((head) => `${head.id}@${head.version}:${head.kind}:${head.status}:${head.backfillCursor}:${head.name}:${head.destination ?? ''}`).join('\n');
    const cached = this.#workspaces.get(workspaceId);
    if (cached !== undefined && cached.signature === signature) return cached;
    const compiled = cached?.compiled ?? new Map<string, CompiledSegment>();
    const dynamic = heads.filter((head) => head.kind === 'dynamic' && head.status !== 'failed');
    const missing = dynamic.filter((head) => !compiled.has(`${head.id}@${head.version}`)).map((head) => head.id);
    if (missing.length > 0) {
      for (const [id, row] of await segmentConditions(db, workspaceId, missing)) {
        if (row.condition === null) continue;
        const head = dynamic.find((entry) => entry.id === id);
        if (head === undefined) continue;
        compiled.set(`${id}@${row.version}`, compileSegment({ id, name: head.name, version: row.version, status: 'live', backfillCursor: '', condition: parseCondition(JSON.parse(row.condition)) }));
      }
    }
    const current: CompiledSegment[] = [];
    const keep = new Set<string>();
    for (const head of dynamic) {
      const key = `${head.id}@${head.version}`;
      const segment = compiled.get(key);
      if (segment === undefined) continue;
      keep.add(key);
      // Status and cursor move during a backfill; the compiled parts do not.
      current.push({ ...segment, name: head.name, status: head.status === 'live' ? 'live' : 'backfilling', backfillCursor: head.backfillCursor });
    }
    for (const key of compiled.keys()) if (!keep.has(key)) compiled.delete(key);
    const destinations = new Map<string, WebhookDestination>();
    for (const head of heads) {
      const destination = head.destination === null ? undefined : parseDestination(head.destination);
      if (destination !== undefined) destinations.set(head.id, destination);
    }
    const result: WorkspaceSegments = { signature, set: new SegmentSet(current), names: new Map(heads.map((head) => [head.id, head.name])), destinations, compiled };
    this.#workspaces.set(workspaceId, result);
    return result;
  }

  private async applyBatch(trx: Tx, batch: ExtensionBatch): Promise<(() => void) | undefined> {
    const { workspaceId } = batch;
    const segments = await this.segments(trx, workspaceId);
    const { set } = segments;
    if (set.ordered.length === 0) return undefined;
    const bySeq = new Map<string, string>();
    for (const row of batch.writes.profileEvents) bySeq.set(`${row.partition}:${row.seq}`, row.profileId);
    const survivorsOfMerges = new Set(batch.writes.moves.values());
    const work = new Map<string, ProfileWork>();
    for (const profile of batch.writes.profiles) {
      if (profile.mergedInto !== null) continue;
      const merged = survivorsOfMerges.has(profile.id);
      const isNew = !batch.existing.has(profile.id);
      work.set(profile.id, {
        profileId: profile.id,
        state: profile.state,
        email: emailOf(profile.state),
        isNew,
        events: [],
        // A merge brings another profile's history: rebuild the survivor's stats from its (merged) timeline.
        recompute: merged ? 'all' : undefined,
        segments: merged || isNew ? undefined : new Set(),
      });
    }
    for (const entry of batch.entries) {
      const profileId = bySeq.get(`${entry.partition}:${entry.seq}`);
      const item = profileId === undefined ? undefined : work.get(profileId);
      if (item === undefined) continue;
      if (item.recompute !== 'all') item.events.push({ timestamp: entry.timestamp, message: entry.message });
      const wanted = item.segments;
      if (wanted === undefined) continue;
      for (const segment of set.byEvent.get(eventNameOf(entry.message)) ?? []) wanted.add(segment.id);
      for (const segment of set.anyEvent) wanted.add(segment.id);
      for (const key of traitKeysOf(entry.message)) for (const segment of set.byTrait.get(key) ?? []) wanted.add(segment.id);
    }
    const transitions: Transition[] = [];
    const mergedAway = [...batch.writes.moves.keys()];
    if (mergedAway.length > 0) transitions.push(...(await this.retire(trx, workspaceId, segments, mergedAway, batch.now)));
    const items = [...work.values()].filter((item) => item.segments === undefined || item.segments.size > 0 || item.events.length > 0);
    transitions.push(...(await this.run(trx, workspaceId, segments, items, batch.now)));
    return this.afterCommit(transitions);
  }

  /** Profiles merged away leave every segment; their derived rows go. */
  private async retire(trx: Tx, workspaceId: string, segments: WorkspaceSegments, profileIds: readonly string[], now: number): Promise<Transition[]> {
    const memberships = await membershipsOf(trx, workspaceId, profileIds);
    const transitions: Transition[] = [];
    for (const [profileId, ids] of memberships) {
      for (const segmentId of ids) {
        transitions.push({ workspaceId, segmentId, segmentName: segments.names.get(segmentId) ?? segmentId, profileId, kind: 'exited', at: now, id: transitionId() });
      }
    }
    await deleteSegmentStates(trx, workspaceId, profileIds);
    await deleteDue(
      trx,
      this.#database,
      profileIds.map((profileId) => ({ workspaceId, segmentId: ANY_SEGMENT, profileId })),
    );
    await this.write(trx, workspaceId, segments, transitions, new Map(), now);
    return transitions;
  }

  /**
   * Folds, evaluates and writes membership for a set of profiles inside the caller's transaction.
   * `only` restricts which segments may change (a backfill), and makes them apply whatever
   * their backfill cursor says.
   */
  private async run(trx: Tx, workspaceId: string, segments: WorkspaceSegments, items: readonly ProfileWork[], now: number, only?: CompiledSegment): Promise<Transition[]> {
    if (items.length === 0) return [];
    const { set } = segments;
    const ids = items.map((item) => item.profileId);
    const needsStats = set.horizons.size > 0;
    const storedStats = needsStats ? await loadSegmentStates(trx, workspaceId, ids) : new Map<string, string>();
    const memberships = await membershipsOf(trx, workspaceId, ids);
    const scheduled = await dueOfProfiles(trx, workspaceId, ids);
    const scores = set.byScore.size > 0 ? await readProfileScores(trx, workspaceId, ids) : new Map<string, Record<string, number | string | boolean | null>>();
    // Timelines for the profiles whose stats are rebuilt (merges, backfills).
    const rebuild = items.filter((item) => item.recompute !== undefined && needsStats);
    const timelines =
      rebuild.length === 0
        ? new Map<string, { timestamp: number; message: TrackingMessage }[]>()
        : await eventsOfProfiles(
            trx,
            workspaceId,
            rebuild.map((item) => item.profileId),
            ...timelineQuestion(set.specsByEvent, rebuild),
          );

    const transitions: Transition[] = [];
    const statRows: { profileId: string; stats: string }[] = [];
    const dueUpserts: DueRow[] = [];
    const dueDeletes: { workspaceId: string; segmentId: string; profileId: string }[] = [];
    const emails = new Map<string, string | undefined>();
    for (const item of items) {
      emails.set(item.profileId, item.email);
      const stats = decodeStats(storedStats.get(item.profileId));
      const work = { recompute: needsStats ? item.recompute : undefined, events: item.events };
      if (updateStats(stats, set, work, timelines.get(item.profileId) ?? [], now)) {
        const text = encodeStats(stats, set.horizons, now);
        // A rebuild that finds what live folding already stored (a backfill among live segments
        // asking about the same events) writes nothing.
        if (text !== storedStats.get(item.profileId)) statRows.push({ profileId: item.profileId, stats: text });
      }
      const members = memberships.get(item.profileId) ?? new Set<string>();
      const subject = { profileId: item.profileId, state: item.state, scores: scores.get(item.profileId) ?? {}, events: stats, memberships: members };
      const candidates = only !== undefined ? set.closeOverDependents([only.id]) : item.segments === undefined ? set.ordered : set.closeOverDependents(item.segments);
      const applies = (segment: CompiledSegment): boolean => segment.id === only?.id || segment.status === 'live' || item.isNew || item.profileId <= segment.backfillCursor;
      const { changes, due } = evaluateMemberships(candidates, subject, applies, now);
      for (const { segment, kind } of changes) transitions.push({ workspaceId, segmentId: segment.id, segmentName: segment.name, profileId: item.profileId, kind, at: now, id: transitionId() });
      // One due time per profile: the earliest moment any of its time-dependent segments may change.
      const current = scheduled.get(item.profileId);
      const next = nextDue(current, due, only === undefined && (item.segments === undefined || item.dueComplete === true));
      if (next === undefined) {
        if (current !== undefined) dueDeletes.push({ workspaceId, segmentId: ANY_SEGMENT, profileId: item.profileId });
      } else if (next !== current) dueUpserts.push({ workspaceId, segmentId: ANY_SEGMENT, profileId: item.profileId, dueAt: next });
    }
    const target = this.#database;
    await upsertSegmentStates(trx, target, workspaceId, statRows);
    await deleteDue(trx, target, dueDeletes);
    await upsertDue(trx, target, dueUpserts);
    await this.write(trx, workspaceId, segments, transitions, emails, now);
    if (dueUpserts.length > 0) {
      const earliest = Math.min(...dueUpserts.map((row) => row.dueAt));
      this.#pendingEarliest = this.#pendingEarliest === undefined ? earliest : Math.min(this.#pendingEarliest, earliest);
    }
    return transitions;
  }

  #pendingEarliest: number | undefined;

  /** Membership rows, history, log events and webhook deliveries of a set of transitions. */
  private async write(trx: Tx, workspaceId: string, segments: WorkspaceSegments, transitions: readonly Transition[], emails: ReadonlyMap<string, string | undefined>, now: number): Promise<void> {
    if (transitions.length === 0) return;
    const target = this.#database;
    const entered = transitions.filter((transition) => transition.kind === 'entered');
    const exited = transitions.filter((transition) => transition.kind === 'exited');
    await deleteMembers(
      trx,
      target,
      workspaceId,
      exited.map((transition) => ({ segmentId: transition.segmentId, profileId: transition.profileId })),
    );
    await insertMembers(
      trx,
      target,
      workspaceId,
      entered.map((transition) => ({ segmentId: transition.segmentId, profileId: transition.profileId, enteredAt: transition.at })),
    );
    const history: HistoryRow[] = transitions.map((transition) => ({ id: transition.id, segmentId: transition.segmentId, profileId: transition.profileId, kind: transition.kind, at: transition.at }));
    await insertHistory(trx, target, workspaceId, history);
    const rows: AppendRow[] = transitions.map((transition) => {
      const event = transition.kind === 'entered' ? SEGMENT_ENTERED : SEGMENT_EXITED;
      const time = new Date(transition.at).toISOString();
      const properties = { segment_id: transition.segmentId, segment_name: transition.segmentName, profile_id: transition.profileId };
      return {
        partition: 0,
        messageId: transition.id,
        type: 'track',
        event,
        userId: null,
        anonymousId: null,
        timestamp: transition.at,
        receivedAt: now,
        sourceId: null,
        payload: JSON.stringify({
          type: 'track',
          event,
          messageId: transition.id,
          properties,
          context: { library: { name: 'rapport', version: '0.1.0' } },
          timestamp: time,
          receivedAt: new Date(now).toISOString(),
        }),
      };
    });
    await this.#append(trx, workspaceId, rows);
    const deliveries: DeliveryRow[] = [];
    for (const transition of transitions) {
      if (!segments.destinations.has(transition.segmentId)) continue;
      deliveries.push({
        workspaceId,
        id: transition.id,
        segmentId: transition.segmentId,
        payload: JSON.stringify({
          type: transition.kind === 'entered' ? 'segment.entered' : 'segment.exited',
          timestamp: new Date(transition.at).toISOString(),
          data: { segmentId: transition.segmentId, segmentName: transition.segmentName, profileId: transition.profileId, email: emails.get(transition.profileId) ?? null },
        }),
        attempts: 0,
        nextAttemptAt: now,
      });
    }
    await insertDeliveries(trx, target, deliveries, now);
  }

  private afterCommit(transitions: readonly Transition[]): (() => void) | undefined {
    const earliest = this.#pendingEarliest;
    this.#pendingEarliest = undefined;
    if (transitions.length === 0 && earliest === undefined) return undefined;
    return () => {
      if (earliest !== undefined) this.armTimer(earliest);
      if (transitions.length > 0) for (const listener of this.#listeners) listener(transitions);
    };
  }

  /**
   * Re-evaluates segments for profiles outside the event stream (a score changed, a static list
   * was uploaded, a due time came): in its own transaction, profiles locked as the processor
   * locks them. `segmentIds` undefined: every segment.
   * @example await engine.reevaluate('ws', ['prf_1'], ['seg_1']);
   */
  async reevaluate(workspaceId: string, profileIds: readonly string[], segmentIds?: readonly string[]): Promise<Transition[]> {
    if (profileIds.length === 0) return [];
    const now = this.#clock.now();
    const transitions = await this.#database.transaction(async (trx) => {
      const segments = await this.segments(trx, workspaceId);
      return this.reevaluateIn(trx, workspaceId, segments, profileIds, segmentIds === undefined ? undefined : new Set(segmentIds), now);
    });
    this.afterCommit(transitions)?.();
    return transitions;
  }

  /**
   * Re-evaluates the segments that read the changed scores, for the profiles whose scores
   * changed (subscribe it to ProfileScores).
   * @example scores.subscribe((ws, changes) => engine.reevaluateScores(ws, changes).then(() => undefined));
   */
  async reevaluateScores(workspaceId: string, changes: readonly { profileId: string; key: string }[]): Promise<Transition[]> {
    const segments = await this.segments(this.#database.db, workspaceId);
    const ids = new Set<string>();
    for (const change of changes) for (const segment of segments.set.byScore.get(change.key) ?? []) ids.add(segment.id);
    if (ids.size === 0) return [];
    return this.reevaluate(workspaceId, [...new Set(changes.map((change) => change.profileId))], [...ids]);
  }

  private async reevaluateIn(
    trx: Tx,
    workspaceId: string,
    segments: WorkspaceSegments,
    profileIds: readonly string[],
    segmentIds: Set<string> | undefined,
    now: number,
    only?: CompiledSegment,
    recompute?: Set<string>,
    dueComplete = false,
    clearDue = false,
  ): Promise<Transition[]> {
    // A backfill of a condition that reads only events, scores and memberships skips the states.
    const evaluated = only !== undefined ? segments.set.closeOverDependents([only.id]) : undefined;
    const profiles =
      // (Webhook payloads carry the email, which is in the state.)
      evaluated !== undefined && !evaluated.some((segment) => segment.needsState || segments.destinations.has(segment.id))
        ? (await lockProfiles(trx, workspaceId, profileIds)).map((row) => ({ id: row.id, mergedInto: row.mergedInto, state: emptyState() }))
        : await loadProfiles(trx, workspaceId, profileIds, { forUpdate: true });
    if (clearDue) await clearDueUpTo(trx, workspaceId, profileIds, now);
    const items: ProfileWork[] = profiles
      .filter((profile) => profile.mergedInto === null)
      .map((profile) => ({ profileId: profile.id, state: profile.state, email: emailOf(profile.state), isNew: false, events: [], recompute, segments: segmentIds, dueComplete }));
    return this.run(trx, workspaceId, segments, items, now, only);
  }

  /**
   * One backfill step of a segment: the next `limit` profiles after its cursor get their stats
   * rebuilt from their timelines and their membership evaluated, and the cursor moves past
   * them, in one transaction. From then on the processor keeps those profiles live, so there is
   * neither a gap nor a double event at the cut-over. When no profile is left the segment goes
   * live. Returns the profiles done in this step (0: finished or superseded by an edit).
   */
  async backfillStep(workspaceId: string, segmentId: string, version: number, limit: number): Promise<{ processed: number; transitions: Transition[] }> {
    const now = this.#clock.now();
    const outcome = await this.#database.transaction(async (trx) => {
      const record = await getSegment(trx, workspaceId, segmentId, { forUpdate: true });
      if (record === undefined || record.version !== version || record.status !== 'backfilling') return { processed: 0, transitions: [] };
      const ids = await profileIdsAfter(trx, workspaceId, record.backfillCursor, limit);
      if (ids.length === 0) {
        await recordBackfill(trx, workspaceId, segmentId, version, { cursor: record.backfillCursor, done: record.backfillDone, status: 'live', finishedAt: now });
        return { processed: 0, transitions: [] };
      }
      const segments = await this.segments(trx, workspaceId);
      const segment = segments.set.byId.get(segmentId);
      if (segment === undefined) return { processed: 0, transitions: [] };
      const transitions = await this.reevaluateIn(trx, workspaceId, segments, ids, new Set([segmentId]), now, segment, new Set(segment.specs.keys()));
      const cursor = ids[ids.length - 1] ?? record.backfillCursor;
      await recordBackfill(trx, workspaceId, segmentId, version, { cursor, done: record.backfillDone + ids.length, total: Math.max(record.backfillTotal, record.backfillDone + ids.length) });
      return { processed: ids.length, transitions };
    });
    this.afterCommit(outcome.transitions)?.();
    return outcome;
  }

  /**
   * Sets the members of a static list (`add` keeps the current ones), with the same history,
   * events and webhooks as a live segment, and re-evaluates the segments that read the list.
   */
  async setStaticMembers(workspaceId: string, segmentId: string, profileIds: readonly string[], mode: 'add' | 'replace'): Promise<Transition[]> {
    const now = this.#clock.now();
    const transitions = await this.#database.transaction(async (trx) => {
      const segments = await this.segments(trx, workspaceId);
      const name = segments.names.get(segmentId) ?? segmentId;
      const current = await memberIds(trx, workspaceId, segmentId);
      const wanted = new Set(profileIds);
      const changes: Transition[] = [];
      for (const profileId of wanted) if (!current.has(profileId)) changes.push({ workspaceId, segmentId, segmentName: name, profileId, kind: 'entered', at: now, id: transitionId() });
      if (mode === 'replace')
        for (const profileId of current) if (!wanted.has(profileId)) changes.push({ workspaceId, segmentId, segmentName: name, profileId, kind: 'exited', at: now, id: transitionId() });
      const profiles = await loadProfiles(
        trx,
        workspaceId,
        changes.map((change) => change.profileId),
        { forUpdate: true },
      );
      const emails = new Map(profiles.map((profile) => [profile.id, emailOf(profile.state)]));
      await this.write(trx, workspaceId, segments, changes, emails, now);
      const dependents = (segments.set.dependents.get(segmentId) ?? []).map((segment) => segment.id);
      if (dependents.length > 0)
        changes.push(
          ...(await this.reevaluateIn(
            trx,
            workspaceId,
            segments,
            changes.map((change) => change.profileId),
            new Set(dependents),
            now,
          )),
        );
      return changes;
    });
    this.afterCommit(transitions)?.();
    return transitions;
  }

  /**
   * Re-evaluates every (segment, profile) whose due time has come. Returns how many were due.
   * One process at a time does it: a pass that finds another process's pass running returns 0
   * at once (and `claimMissed` tells the timer to look again a poll later, not right away).
   */
  async runDue(limit = 1000): Promise<number> {
    const now = this.#clock.now();
    const { database } = this;
    this.#claimMissed = false;
    const result = await database.transaction(async (trx) => {
      if (!(await claimForTransaction(trx, 'segments.due'))) {
        this.#claimMissed = true;
        return { count: 0, transitions: [] };
      }
      // Profiles are locked before their due rows are touched, in the processor's order, so the
      // two never wait on each other in a cycle.
      const rows = await peekDueRows(trx, now, limit);
      const transitions: Transition[] = [];
      const byWorkspace = new Map<string, DueRow[]>();
      for (const row of rows) byWorkspace.set(row.workspaceId, [...(byWorkspace.get(row.workspaceId) ?? []), row]);
      for (const [workspaceId, list] of byWorkspace) {
        const segments = await this.segments(trx, workspaceId);
        // Every time-dependent segment of the profile is re-checked, so its next due time is exact.
        const timed = new Set(segments.set.ordered.filter((segment) => segment.timeDependent).map((segment) => segment.id));
        transitions.push(...(await this.reevaluateIn(trx, workspaceId, segments, [...new Set(list.map((row) => row.profileId))], timed, now, undefined, undefined, true, true)));
      }
      return { count: rows.length, transitions };
    });
    this.afterCommit(result.transitions)?.();
    return result.count;
  }

  get database(): Database {
    return this.#database;
  }

  /** Starts the due-time timer: each due (segment, profile) is re-checked at its moment. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.armTimer(this.#clock.now());
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#dueLoop;
  }

  /** Makes the timer fire no later than `at`. */
  private armTimer(at: number): void {
    if (!this.#running) return;
    if (this.#armedFor !== undefined && this.#armedFor <= at) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedFor = at;
    this.#timer = setTimeout(() => this.tick(), Math.max(0, at - this.#clock.now()));
    this.#timer.unref();
  }

  private tick(): void {
    this.#timer = undefined;
    this.#armedFor = undefined;
    this.#dueLoop = (async () => {
      try {
        while (this.#running && (await this.runDue()) > 0) {
          // More were due than one transaction takes: keep going.
        }
      } catch (error) {
        this.#logger?.error({ err: error }, 'segment due-time re-check failed; retrying');
      }
      if (!this.#running) return;
      const next = await nextDueAt(this.#database.db).catch(() => undefined);
      // Due rows written by another thread or process are found by this poll; rows another
      // process is re-checking right now are looked at again a poll later.
      const now = this.#clock.now();
      this.armTimer(this.#claimMissed ? now + this.#duePollMs : Math.min(next ?? Number.POSITIVE_INFINITY, now + this.#duePollMs));
    })();
  }
}
