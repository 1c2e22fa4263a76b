import { Value } from '@sinclair/typebox/value';
import { BACK_IN_STOCK, PRICE_DROPPED, findProductsByIds } from '../catalog/index.js';
import { extractIdentifiers, defaultIdentityRules, identifierKey, type IdentityRules, findIdentities } from '../identity/index.js';
import { isJsonObject, type JsonObject } from '../ingest/index.js';
import type { Scheduler } from '../scheduler/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { leasesOf } from '../log/leases.js';
import { LogFollower, type FollowerLag, type FollowerPosition, type StepResult } from '../log/follower.js';
import { CursorMoved } from '../log/retry.js';
import { payloadText, type PoisonEvent } from '../log/set-aside.js';
import type { Database, Tx } from '../storage/database.js';
import { readPartitionNamed, type LogEntry } from '../log/store/event-log.js';
import { listMergedFrom } from '../profiles/index.js';
import * as activity from './store/journeys-activity.js';
import * as repo from './store/journeys.js';
import { cursorPositions } from '../processor/index.js';
import { JourneyDefinitionSchema, type JourneyDefinition } from './definition.js';
import { RUN_JOB, runJobKey, type Entrant, type JourneyEngine } from './engine.js';
import { eventName, keyValue, matchesFilters, propertiesOf, revenueOf } from './event-match.js';
import { eventVerdict, exitRun, resumeRun, type RunContext } from './models/run-state.js';
import { FANOUT_JOB, scheduleDateTimer } from './triggers.js';
import { ownValue } from '../shared/own.js';

/** Events that show interest in a product, for catalog fan-out. */
const interestEvents: Readonly<Record<string, activity.InterestKind>> = {
  'Product Viewed': 'viewed',
  'Product Added': 'carted',
  'Product Added to Wishlist': 'wishlisted',
  'Wishlist Product Added': 'wishlisted',
};
const ORDER_COMPLETED = 'Order Completed';
const SEGMENT_ENTERED = 'Segment Entered';
const SEGMENT_EXITED = 'Segment Exited';

interface LiveJourney {
  id: string;
  version: number;
  definition: JourneyDefinition;
}

/** What the active journeys of one workspace listen to. */
interface WorkspaceIndex {
  journeys: LiveJourney[];
  /** Event names that matter at all: anything else is skipped without resolving a profile. */
  relevant: Set<string>;
  /** Names that may touch live runs (goals, exit rules, awaited events). */
  runEvents: Set<string>;
  interest: boolean;
  maxConversionDays: number;
  dateTraits: boolean;
}

export interface ConsumerOptions {
  database: Database;
  engine: JourneyEngine;
  scheduler: Scheduler;
  clock?: Clock;
  identityRules?: (workspaceId: string) => IdentityRules;
  /** Events per partition per transaction; default 1000. */
  batchSize?: number;
  /** Longest sleep while caught up; wake() cuts it short. Default 250 ms. */
  pollIntervalMs?: number;
  /**
   * Shortest time between two passes, however often wake() is called: appends arrive many times
   * a second, and one pass per append would read the log in slivers. Default 100 ms.
   */
  minPassIntervalMs?: number;
  /** How often the stored cursor is moved past events no journey listens to. Default 1000 ms. */
  cursorFlushMs?: number;
  logger?: { error(details: object, message: string): void };
}

/**
 * Journeys' own reader of the event log. It follows each partition with its own cursor, never
 * ahead of the processor's (so every event's identities exist), and in one transaction per
 * batch: enters customers into journeys whose trigger matches, resumes runs waiting for the
 * event, removes runs that reached their goal or an exit rule, records conversions, product
 * interest and date timers, and moves its cursor. It runs beside the processor, so the
 * processor's hot path does not wait for journeys.
 *
 * @example const consumer = new JourneyConsumer({ database, engine, scheduler }); consumer.start();
 */
export class JourneyConsumer {
  private readonly clock: Clock;
  private readonly rulesFor: (workspaceId: string) => IdentityRules;
  private index: Map<string, WorkspaceIndex> | undefined;
  private indexAt = 0;
  private readonly cursorFlushMs: number;
  private readonly follower: LogFollower;
  /**
   * Per partition, how far this worker has read past the stored cursor without finding an
   * event any journey listens to; the stored cursor catches up every `cursorFlushMs` and on
   * stop. Reading such a range again (after a restart) finds nothing to do, so nothing is lost.
   */
  private readonly scanned = new Map<string, { seq: number; flushedAt: number }>();

  constructor(private readonly options: ConsumerOptions) {
    this.clock = options.clock ?? systemClock;
    this.cursorFlushMs = options.cursorFlushMs ?? 1000;
    this.rulesFor = options.identityRules ?? (() => defaultIdentityRules);
    this.follower = new LogFollower({
      name: 'journeys',
      database: options.database,
      clock: this.clock,
      batchSize: options.batchSize ?? 1000,
      pollIntervalMs: options.pollIntervalMs ?? 250,
      minPassIntervalMs: options.minPassIntervalMs ?? 100,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      setAside: { code: 'journey_failed', idPrefix: 'journeys', failed: 'applied to journeys', consequence: 'no journey acts on it' },
      handler: {
        positions: () => this.positions(),
        step: (position, limit) => this.processPartition(position.workspaceId, position.partition, position.head, limit),
        skipNext: (trx, position, now) => this.skipNext(trx, position, now),
        afterPass: () => this.flushScanned(false),
      },
    });
  }

  /** Journeys changed (created, activated, paused): re-read them before the next batch. */
  invalidate(): void {
    this.index = undefined;
  }

  start(): void {
    this.follower.start();
  }

  async stop(): Promise<void> {
    await this.follower.stop();
    await this.flushScanned(true).catch((error: unknown) => this.options.logger?.error({ err: error }, 'journey cursor flush failed'));
  }

  /** New events were appended: a pass follows soon (at most one per `minPassIntervalMs`). */
  wake(): void {
    this.follower.wake();
  }

  /** Processed events journeys have not read yet, per partition. */
  lag(): Promise<FollowerLag> {
    return this.follower.lag();
  }

  /** Processes every event the processor has finished, up to now; returns how many were read. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const read = await this.runOnce();
      total += read;
      if (read === 0) return total;
    }
  }

  /**
   * One batch per partition that has unread processed events; returns how many log positions
   * it moved past (0 when caught up).
   */
  async runOnce(): Promise<number> {
    return (await this.follower.runOnce()).moved;
  }

  /** Journeys trail the processor: they may read up to its cursor, so every event's identities exist. */
  private async positions(): Promise<FollowerPosition[]> {
    const { db } = this.options.database;
    const [processed, stored] = await Promise.all([cursorPositions(db), activity.journeyCursors(db)]);
    return processed
      .filter((position) => position.cursor > 0)
      .map(({ workspaceId, partition, cursor }) => {
        const key = `${workspaceId}\u0000${partition}`;
        return { workspaceId, partition, head: cursor, cursor: Math.max(stored.get(key) ?? 0, this.scanned.get(key)?.seq ?? 0) };
      });
  }

  /**
   * Moves stored cursors past the ranges read without finding anything (all of them when
   * `force`), each in a transaction fenced by the partition's lease (PostgreSQL workers) or
   * under its process-local lock (SQLite). A partition whose lease moved away is forgotten: its
   * new owner reads from the stored cursor.
   */
  private async flushScanned(force: boolean): Promise<void> {
    const now = Date.now();
    for (const [key, entry] of this.scanned) {
      const [workspaceId = '', partitionText = '0'] = key.split('\u0000');
      const partition = Number(partitionText);
      if (!this.follower.mayRead(partition)) {
        this.scanned.delete(key);
        continue;
      }
      if (!force && now - entry.flushedAt < this.cursorFlushMs) continue;
      entry.flushedAt = now;
      const { database } = this.options;
      const flush = (): Promise<boolean> =>
        database.transaction(async (trx) => {
          if (!(await this.follower.fence(trx, partition))) return false;
          const stored = await activity.readJourneyCursor(trx, workspaceId, partition);
          // Another worker may have moved it meanwhile: then its position stands.
          return stored < entry.seq && activity.advanceJourneyCursor(trx, workspaceId, partition, stored, entry.seq, this.clock.now());
        });
      if (leasesOf(database) === undefined) await database.tryWithLock(`journeys:${workspaceId}:${partition}`, flush);
      else await flush();
    }
  }

  private async workspaceIndex(workspaceId: string): Promise<WorkspaceIndex | undefined> {
    const now = Date.now();
    if (this.index === undefined || now - this.indexAt > 5000) {
      const index = new Map<string, WorkspaceIndex>();
      for (const journey of await repo.listLiveJourneys(this.options.database.db, ['active', 'paused'])) {
        const parsed: unknown = JSON.parse(journey.definition);
        if (!Value.Check(JourneyDefinitionSchema, parsed)) continue;
        let entry = index.get(journey.workspaceId);
        if (entry === undefined) {
          entry = { journeys: [], relevant: new Set(), runEvents: new Set(), interest: false, maxConversionDays: 0, dateTraits: false };
          index.set(journey.workspaceId, entry);
        }
        const definition = parsed;
        if (journey.status === 'active') entry.journeys.push({ id: journey.id, version: journey.version, definition });
        const { trigger, settings } = definition;
        if (trigger.type === 'event') entry.relevant.add(trigger.event);
        if (trigger.type === 'segment') entry.relevant.add(trigger.on === 'entered' ? SEGMENT_ENTERED : SEGMENT_EXITED);
        if (trigger.type === 'catalog') {
          entry.relevant.add(trigger.event);
          entry.interest = true;
        }
        if (trigger.type === 'date' && trigger.source === 'trait') {
          entry.relevant.add('identify');
          entry.dateTraits = true;
        }
        const runEvents = [
          ...(settings?.goal === undefined ? [] : [settings.goal.event]),
          ...(settings?.exitOn ?? []).map((rule) => rule.event),
          ...definition.nodes.flatMap((node) => (node.type === 'wait_event' ? [node.event] : [])),
        ];
        for (const name of runEvents) {
          entry.runEvents.add(name);
          entry.relevant.add(name);
        }
        entry.relevant.add(ORDER_COMPLETED);
        entry.maxConversionDays = Math.max(entry.maxConversionDays, settings?.conversionWindowDays ?? 7);
      }
      for (const entry of index.values()) if (entry.interest) for (const name of Object.keys(interestEvents)) entry.relevant.add(name);
      this.index = index;
      this.indexAt = now;
    }
    return this.index.get(workspaceId);
  }

  /** Moves the stored cursor past the next event journeys listen to, inside the follower's set-aside transaction. */
  private async skipNext(trx: Tx, position: FollowerPosition, now: number): Promise<PoisonEvent | undefined> {
    const { workspaceId, partition, head } = position;
    const key = `${workspaceId}\u0000${partition}`;
    const index = await this.workspaceIndex(workspaceId);
    const stored = await activity.readJourneyCursor(trx, workspaceId, partition);
    const from = Math.max(stored, this.scanned.get(key)?.seq ?? 0);
    const [entry] = await readPartitionNamed(trx, workspaceId, partition, from, head, [...(index?.relevant ?? [])], 1);
    if (entry === undefined) return undefined;
    if (!(await activity.advanceJourneyCursor(trx, workspaceId, partition, stored, entry.seq, now))) throw new CursorMoved();
    // The stored cursor is now the position (or, rolled back, the range is read again).
    this.scanned.delete(key);
    return { partition, seq: entry.seq, messageId: entry.messageId, receivedAt: entry.receivedAt, sourceId: entry.sourceId, payload: payloadText(entry.message) };
  }

  private async processPartition(workspaceId: string, partition: number, processed: number, limit: number): Promise<StepResult> {
    const { database } = this.options;
    const key = `${workspaceId}\u0000${partition}`;
    const stored = await activity.readJourneyCursor(database.db, workspaceId, partition);
    const scanned = this.scanned.get(key);
    const from = Math.max(stored, scanned?.seq ?? 0);
    if (from >= processed) return { moved: 0, full: false, linger: false };
    const index = await this.workspaceIndex(workspaceId);
    // Only the events some journey listens to are read; a workspace without journeys reads none.
    const relevant = index === undefined || index.relevant.size === 0 ? [] : await readPartitionNamed(database.db, workspaceId, partition, from, processed, [...index.relevant], limit);
    // Gaps (sequence numbers of duplicates, events nobody listens to) end at the processor's cursor.
    const full = relevant.length >= limit;
    const to = full ? (relevant.at(-1)?.seq ?? processed) : processed;
    if (index !== undefined && relevant.length > 0) {
      const fenced = await database.transaction(async (trx) => {
        // A lease that moved ends the batch before anything is written; the new owner starts from the stored cursor.
        if (!(await this.follower.fence(trx, partition))) return true;
        await this.apply(trx, workspaceId, index, relevant);
        if (!(await activity.advanceJourneyCursor(trx, workspaceId, partition, stored, to, this.clock.now()))) {
          throw new CursorMoved();
        }
        return false;
      });
      if (fenced) {
        this.scanned.delete(key);
        return { moved: 0, full: false, linger: false };
      }
      this.scanned.set(key, { seq: to, flushedAt: Date.now() });
    } else {
      // Nothing to apply: remember the position; the stored cursor follows now and then.
      this.scanned.set(key, { seq: to, flushedAt: scanned?.flushedAt ?? 0 });
    }
    return { moved: to - from, full, linger: false };
  }

  /** Resolves each event's profile through the identity graph (the processor has linked them all). */
  private async resolve(trx: Tx, workspaceId: string, entries: readonly LogEntry[]): Promise<Map<LogEntry, string>> {
    const rules = this.rulesFor(workspaceId);
    const wanted = new Map<LogEntry, string[]>();
    const lookups = new Map<string, { type: string; value: string }>();
    for (const entry of entries) {
      const explicit = propertiesOf(entry.message).profile_id;
      if (typeof explicit === 'string' && explicit !== '' && entry.userId === null && entry.anonymousId === null) {
        wanted.set(entry, [`profile\u0000${explicit}`]);
        continue;
      }
      const ids = extractIdentifiers(rules, entry.message);
      if (ids === undefined) continue;
      wanted.set(entry, ids.identifiers.map(identifierKey));
      for (const identifier of ids.identifiers) lookups.set(identifierKey(identifier), identifier);
    }
    const owners = await findIdentities(trx, workspaceId, [...lookups.values()]);
    const ownerOf = new Map(owners.map((owner) => [identifierKey(owner), owner.profileId]));
    const result = new Map<LogEntry, string>();
    for (const [entry, keys] of wanted) {
      for (const key of keys) {
        const owner = key.startsWith('profile\u0000') ? key.slice('profile\u0000'.length) : ownerOf.get(key);
        if (owner !== undefined) {
          result.set(entry, owner);
          break;
        }
      }
    }
    return result;
  }

  /** Goals, exit rules and awaited events: what the customers' events do to their live runs. */
  private async applyToRuns(trx: Tx, workspaceId: string, runTouching: readonly [LogEntry, string][], now: number): Promise<void> {
    const { engine, scheduler } = this.options;
    const survivorOf = await withMergedAway(
      trx,
      workspaceId,
      runTouching.map(([, profileId]) => profileId),
    );
    const runs = await repo.liveRunsOfProfiles(trx, workspaceId, [...survivorOf.keys()], { forUpdate: true });
    const byProfile = new Map<string, repo.StoredRun[]>();
    for (const run of runs) {
      const survivor = survivorOf.get(run.profileId) ?? run.profileId;
      const list = byProfile.get(survivor);
      if (list) list.push(run);
      else byProfile.set(survivor, [run]);
    }
    const changed = new Set<repo.StoredRun>();
    const conversions: Parameters<typeof activity.insertConversions>[2][number][] = [];
    for (const [entry, profileId] of runTouching) {
      const name = eventName(entry.message);
      const properties = propertiesOf(entry.message);
      for (const run of byProfile.get(profileId) ?? []) {
        if (run.status === 'completed' || run.status === 'exited') continue;
        const compiled = await engine.compiled(trx, workspaceId, run.journeyId, run.version);
        if (compiled === undefined) continue;
        const verdict = eventVerdict(run, compiled, { name, properties }, now);
        if (verdict === undefined) continue;
        if (verdict.kind === 'goal') {
          exitRun(run, 'goal', now);
          conversions.push({ runId: run.id, messageId: entry.messageId, journeyId: run.journeyId, kind: 'goal', revenue: revenueOf(properties), at: entry.timestamp });
        } else if (verdict.kind === 'exit') exitRun(run, verdict.reason, now);
        else resumeRun(run, { event: name, messageId: entry.messageId, properties }, now);
        changed.add(run);
      }
    }
    for (const run of changed) {
      run.updatedAt = now;
      await repo.saveRun(trx, workspaceId, run);
      if (run.status === 'exited') await scheduler.cancel(workspaceId, runJobKey(run.id), trx);
      else {
        const priority = (await engine.definition(trx, workspaceId, run.journeyId, run.version))?.settings?.priority ?? 50;
        await scheduler.schedule({ workspaceId, kind: RUN_JOB, key: runJobKey(run.id), payload: { runId: run.id }, dueAt: now, priority }, trx);
      }
    }
    await activity.insertConversions(trx, workspaceId, conversions);
  }

  private async apply(trx: Tx, workspaceId: string, index: WorkspaceIndex, entries: readonly LogEntry[]): Promise<void> {
    const { engine, scheduler } = this.options;
    const now = this.clock.now();
    const catalogEntries = entries.filter((entry) => entry.message.type === 'track' && (entry.event === PRICE_DROPPED || entry.event === BACK_IN_STOCK));
    for (const entry of catalogEntries) {
      const properties = propertiesOf(entry.message);
      for (const journey of index.journeys) {
        const { trigger } = journey.definition;
        if (trigger.type !== 'catalog' || trigger.event !== entry.event) continue;
        if (trigger.minDropPercent !== undefined && (typeof properties.drop_percent !== 'number' || properties.drop_percent < trigger.minDropPercent)) continue;
        const productId = keyValue(properties, 'product_id');
        if (productId === undefined) continue;
        await scheduler.enqueue(
          {
            workspaceId,
            kind: FANOUT_JOB,
            key: `journey-fanout:${journey.id}:${entry.messageId}`,
            payload: { journeyId: journey.id, productId, messageId: entry.messageId, event: entry.event, properties, at: entry.timestamp, after: '' },
          },
          trx,
        );
      }
    }
    const profiles = await this.resolve(
      trx,
      workspaceId,
      entries.filter((entry) => !catalogEntries.includes(entry)),
    );
    if (profiles.size === 0) return;

    // Live runs first: an event that completes a goal must not also re-enter the same journey.
    const runTouching = [...profiles].filter(([entry]) => index.runEvents.has(eventName(entry.message)));
    if (runTouching.length > 0) await this.applyToRuns(trx, workspaceId, runTouching, now);

    // Orders within the conversion window after entering count for the journey.
    const orders = [...profiles].filter(([entry]) => eventName(entry.message) === ORDER_COMPLETED);
    if (orders.length > 0 && index.maxConversionDays > 0) {
      const earliest = Math.min(...orders.map(([entry]) => entry.timestamp)) - index.maxConversionDays * 86_400_000;
      const survivorOf = await withMergedAway(
        trx,
        workspaceId,
        orders.map(([, profileId]) => profileId),
      );
      const runs = await repo.runsEnteredSince(trx, workspaceId, [...survivorOf.keys()], earliest);
      const conversions: Parameters<typeof activity.insertConversions>[2][number][] = [];
      for (const [entry, profileId] of orders) {
        for (const run of runs) {
          if ((survivorOf.get(run.profileId) ?? run.profileId) !== profileId || run.enteredAt > entry.timestamp) continue;
          const definition = await engine.definition(trx, workspaceId, run.journeyId, run.version);
          const windowMs = (definition?.settings?.conversionWindowDays ?? 7) * 86_400_000;
          if (entry.timestamp - run.enteredAt > windowMs) continue;
          conversions.push({ runId: run.id, messageId: entry.messageId, journeyId: run.journeyId, kind: 'order', revenue: revenueOf(propertiesOf(entry.message)), at: entry.timestamp });
        }
      }
      await activity.insertConversions(trx, workspaceId, conversions);
    }

    // Product interest, for catalog fan-out.
    if (index.interest) {
      const rows: { productId: string; profileId: string; kind: activity.InterestKind; at: number }[] = [];
      for (const [entry, profileId] of profiles) {
        const kind = ownValue(interestEvents, eventName(entry.message));
        if (kind === undefined) continue;
        const properties = propertiesOf(entry.message);
        const productId = keyValue(properties, 'product_id') ?? keyValue(properties, 'id') ?? keyValue(properties, 'sku');
        if (productId !== undefined) rows.push({ productId, profileId, kind, at: entry.timestamp });
      }
      await activity.upsertInterest(trx, workspaceId, rows);
    }

    // Entries.
    for (const journey of index.journeys) {
      const { trigger } = journey.definition;
      const entrants: Entrant[] = [];
      for (const [entry, profileId] of profiles) {
        const name = eventName(entry.message);
        const properties = propertiesOf(entry.message);
        if (trigger.type === 'event' && trigger.event === name && matchesFilters(trigger.where, properties, now)) {
          const enriched = usesReplenishment(journey.definition) ? await replenishment(trx, workspaceId, properties, entry.timestamp) : properties;
          entrants.push({ profileId, ...entryKeyOf(trigger.entryKey, properties), trigger: triggerOf('event', entry, enriched) });
        } else if (trigger.type === 'segment' && name === (trigger.on === 'entered' ? SEGMENT_ENTERED : SEGMENT_EXITED) && properties.segment_id === trigger.segmentId) {
          entrants.push({ profileId, entryKey: entry.messageId, trigger: triggerOf('segment', entry, properties) });
        } else if (trigger.type === 'date' && trigger.source === 'trait' && trigger.trait !== undefined && entry.message.type === 'identify' && Object.hasOwn(properties, trigger.trait)) {
          await scheduleDateTimer(trx, scheduler, workspaceId, journey.id, journey.definition, profileId, ownValue(properties, trigger.trait), properties.timezone, now);
        }
      }
      if (entrants.length > 0) await engine.enter(workspaceId, journey.id, entrants, trx);
    }
  }
}

function usesReplenishment(definition: JourneyDefinition): boolean {
  return definition.nodes.some((node) => node.type === 'wait_until' && node.date === 'context.replenish_at');
}

/**
 * Adds `replenish_at` to an order's properties: the order time plus the shortest typical
 * repurchase interval (product attribute `repurchase_days`) among its products; absent when
 * no product has one.
 */
async function replenishment(trx: Tx, workspaceId: string, properties: JsonObject, at: number): Promise<JsonObject> {
  const products = Array.isArray(properties.products) ? properties.products : [];
  const ids = products.map((product: unknown) => (isJsonObject(product) ? (keyValue(product, 'product_id') ?? keyValue(product, 'id')) : undefined)).filter((id): id is string => id !== undefined);
  if (ids.length === 0) return properties;
  const found = await findProductsByIds(trx, workspaceId, [...new Set(ids)]);
  let days: number | undefined;
  for (const product of found.values()) {
    const value = product.attributes.repurchase_days;
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) days = days === undefined ? value : Math.min(days, value);
  }
  return days === undefined ? properties : { ...properties, replenish_at: new Date(at + days * 86_400_000).toISOString(), repurchase_days: days };
}

/**
 * The profiles and every profile merged into them, each mapped to its survivor: a run started
 * before a merge keeps the merged-away id, and its goal arrives under the survivor's.
 */
async function withMergedAway(trx: Tx, workspaceId: string, survivors: readonly string[]): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const survivor of new Set(survivors)) {
    result.set(survivor, survivor);
    for (const alias of await listMergedFrom(trx, workspaceId, survivor)) result.set(alias, survivor);
  }
  return result;
}

function entryKeyOf(path: string | undefined, properties: JsonObject): { entryKey?: string } {
  if (path === undefined) return {};
  const value = keyValue(properties, path);
  return value === undefined ? {} : { entryKey: value };
}

function triggerOf(kind: string, entry: LogEntry, properties: JsonObject): RunContext['trigger'] {
  return { kind, event: eventName(entry.message), messageId: entry.messageId, properties, at: entry.timestamp };
}
