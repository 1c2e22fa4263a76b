import { Value } from '@sinclair/typebox/value';
import { BACK_IN_STOCK, PRICE_DROPPED } from '../catalog/catalog-service.js';
import { extractIdentifiers } from '../identity/identifiers.js';
import { defaultIdentityRules, identifierKey, type IdentityRules } from '../identity/rules.js';
import { isJsonObject, type JsonObject } from '../ingest/message.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { ping, type Database, type Tx } from '../storage/database.js';
import { quarantine, readPartitionNamed, type LogEntry } from '../log/store/event-log.js';
import { findIdentities } from '../identity/store/identities.js';
import { findProductsByIds } from '../catalog/store/products.js';
import { listMergedFrom } from '../profiles/store/profiles.js';
import * as activity from './store/journeys-activity.js';
import * as repo from './store/journeys.js';
import { cursorPositions } from '../processor/store/processor-state.js';
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
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly rulesFor: (workspaceId: string) => IdentityRules;
  private index: Map<string, WorkspaceIndex> | undefined;
  private indexAt = 0;
  private readonly minPassIntervalMs: number;
  private readonly cursorFlushMs: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** Whether wake() may cut the current sleep short (not during the gap between two passes). */
  private wakeable = true;
  private woken = false;
  /** Whether the last pass stopped at a full batch somewhere (more is waiting). */
  private backlog = false;
  /**
   * Per partition, how far this worker has read past the stored cursor without finding an
   * event any journey listens to; the stored cursor catches up every `cursorFlushMs` and on
   * stop. Reading such a range again (after a restart) finds nothing to do, so nothing is lost.
   */
  private readonly scanned = new Map<string, { seq: number; flushedAt: number }>();

  constructor(private readonly options: ConsumerOptions) {
    this.clock = options.clock ?? systemClock;
    this.batchSize = options.batchSize ?? 1000;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.minPassIntervalMs = options.minPassIntervalMs ?? 100;
    this.cursorFlushMs = options.cursorFlushMs ?? 1000;
    this.rulesFor = options.identityRules ?? (() => defaultIdentityRules);
  }

  /** Journeys changed (created, activated, paused): re-read them before the next batch. */
  invalidate(): void {
    this.index = undefined;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    this.loop = undefined;
    await this.flushScanned(true).catch((error: unknown) => this.options.logger?.error({ err: error }, 'journey cursor flush failed'));
  }

  /** New events were appended: a pass follows soon (at most one per `minPassIntervalMs`). */
  wake(): void {
    this.woken = true;
    if (this.wakeable) this.wakeUp?.();
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
    const positions = await cursorPositions(this.options.database.db);
    let read = 0;
    this.backlog = false;
    for (const position of positions) {
      if (position.cursor === 0) continue;
      const done = await this.options.database.tryWithLock(`journeys:${position.workspaceId}:${position.partition}`, () =>
        this.processPartition(position.workspaceId, position.partition, position.cursor).catch((error: unknown) =>
          this.isolateFailure(position.workspaceId, position.partition, position.cursor, error),
        ),
      );
      read += done ?? 0;
    }
    await this.flushScanned(false);
    return read;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const started = Date.now();
      this.woken = false;
      try {
        await this.runOnce();
      } catch (error) {
        this.options.logger?.error({ err: error }, 'journey event pass failed; retrying');
      }
      if (!this.running) break;
      if (this.backlog) continue;
      // Caught up: sleep until woken (or the poll interval), then let the appends of the next
      // `minPassIntervalMs` gather so that one pass reads them all.
      if (!this.woken) await this.sleep(this.pollIntervalMs, true);
      const gap = this.minPassIntervalMs - (Date.now() - started);
      if (gap > 0 && this.running) await this.sleep(gap, false);
    }
  }

  private async sleep(ms: number, wakeable: boolean): Promise<void> {
    this.wakeable = wakeable;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
    this.wakeable = true;
  }

  /** Moves stored cursors past the ranges read without finding anything (all of them when `force`). */
  private async flushScanned(force: boolean): Promise<void> {
    const now = Date.now();
    for (const [key, entry] of this.scanned) {
      if (!force && now - entry.flushedAt < this.cursorFlushMs) continue;
      const [workspaceId = '', partitionText = '0'] = key.split('\u0000');
      const partition = Number(partitionText);
      entry.flushedAt = now;
      await this.options.database.tryWithLock(`journeys:${workspaceId}:${partition}`, async () => {
        const { database } = this.options;
        const stored = await activity.readJourneyCursor(database.db, workspaceId, partition);
        if (stored >= entry.seq) return;
        // Another worker may have moved it meanwhile: then its position stands.
        await database.transaction((trx) => activity.advanceJourneyCursor(trx, workspaceId, partition, stored, entry.seq, this.clock.now()));
      });
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

  /**
   * A batch failed. If the store itself is failing, give up until the next pass. Otherwise walk
   * the batch one event at a time and set aside the event that fails on its own twice (kept in
   * the log, listed with the quarantine), so it stalls neither this partition nor the others.
   */
  private async isolateFailure(workspaceId: string, partition: number, processed: number, error: unknown): Promise<number> {
    if (!(await ping(this.options.database))) throw error;
    let moved = 0;
    while (moved < this.batchSize) {
      let read: number;
      try {
        // A second try first: a conflict with another transaction says nothing about the event.
        read = await this.processPartition(workspaceId, partition, processed, 1).catch(() => this.processPartition(workspaceId, partition, processed, 1));
      } catch (single) {
        if (!(await ping(this.options.database))) throw single;
        return moved + (await this.setAside(workspaceId, partition, processed, single));
      }
      if (read === 0) break;
      moved += read;
    }
    return moved;
  }

  /** Records the next event journeys listen to as set aside, with the reason, and moves the cursor past it. */
  private async setAside(workspaceId: string, partition: number, processed: number, error: unknown): Promise<number> {
    const { database } = this.options;
    const reason = error instanceof Error ? error.message : String(error);
    const key = `${workspaceId}\u0000${partition}`;
    const index = await this.workspaceIndex(workspaceId);
    const stored = await activity.readJourneyCursor(database.db, workspaceId, partition);
    const from = Math.max(stored, this.scanned.get(key)?.seq ?? 0);
    const [entry] = await readPartitionNamed(database.db, workspaceId, partition, from, processed, [...(index?.relevant ?? [])], 1);
    if (entry === undefined) return 0;
    await database.transaction(async (trx) => {
      await quarantine(trx, workspaceId, [
        {
          id: `journeys-${partition}-${entry.seq}`,
          receivedAt: entry.receivedAt,
          sourceId: entry.sourceId,
          code: 'journey_failed',
          message: `event ${entry.messageId} (partition ${partition}, seq ${entry.seq}) could not be applied to journeys: ${reason}; it stays in the log and no journey acts on it`,
          payload: payloadText(entry.message),
        },
      ]);
      if (!(await activity.advanceJourneyCursor(trx, workspaceId, partition, stored, entry.seq, this.clock.now()))) {
        throw new Error(`journey cursor of ${workspaceId}/${partition} moved under this worker`);
      }
    });
    this.scanned.set(key, { seq: entry.seq, flushedAt: Date.now() });
    this.options.logger?.error({ workspaceId, partition, seq: entry.seq, reason }, 'event set aside: journeys could not apply it');
    return entry.seq - from;
  }

  private async processPartition(workspaceId: string, partition: number, processed: number, limit = this.batchSize): Promise<number> {
    const { database } = this.options;
    const key = `${workspaceId}\u0000${partition}`;
    const stored = await activity.readJourneyCursor(database.db, workspaceId, partition);
    const scanned = this.scanned.get(key);
    const from = Math.max(stored, scanned?.seq ?? 0);
    if (from >= processed) return 0;
    const index = await this.workspaceIndex(workspaceId);
    // Only the events some journey listens to are read; a workspace without journeys reads none.
    const relevant = index === undefined || index.relevant.size === 0 ? [] : await readPartitionNamed(database.db, workspaceId, partition, from, processed, [...index.relevant], limit);
    // Gaps (sequence numbers of duplicates, events nobody listens to) end at the processor's cursor.
    const full = relevant.length >= limit;
    const to = full ? (relevant.at(-1)?.seq ?? processed) : processed;
    if (full) this.backlog = true;
    if (index !== undefined && relevant.length > 0) {
      await database.transaction(async (trx) => {
        await this.apply(trx, workspaceId, index, relevant);
        if (!(await activity.advanceJourneyCursor(trx, workspaceId, partition, stored, to, this.clock.now()))) {
          throw new Error(`journey cursor of ${workspaceId}/${partition} moved under this worker`);
        }
      });
      this.scanned.set(key, { seq: to, flushedAt: Date.now() });
    } else {
      // Nothing to apply: remember the position; the stored cursor follows now and then.
      this.scanned.set(key, { seq: to, flushedAt: scanned?.flushedAt ?? 0 });
    }
    return to - from;
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
    const survivorOf = await withMergedAway(trx, workspaceId, runTouching.map(([, profileId]) => profileId));
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
          { workspaceId, kind: FANOUT_JOB, key: `journey-fanout:${journey.id}:${entry.messageId}`, payload: { journeyId: journey.id, productId, messageId: entry.messageId, event: entry.event, properties, at: entry.timestamp, after: '' } },
          trx,
        );
      }
    }
    const profiles = await this.resolve(trx, workspaceId, entries.filter((entry) => !catalogEntries.includes(entry)));
    if (profiles.size === 0) return;

    // Live runs first: an event that completes a goal must not also re-enter the same journey.
    const runTouching = [...profiles].filter(([entry]) => index.runEvents.has(eventName(entry.message)));
    if (runTouching.length > 0) await this.applyToRuns(trx, workspaceId, runTouching, now);

    // Orders within the conversion window after entering count for the journey.
    const orders = [...profiles].filter(([entry]) => eventName(entry.message) === ORDER_COMPLETED);
    if (orders.length > 0 && index.maxConversionDays > 0) {
      const earliest = Math.min(...orders.map(([entry]) => entry.timestamp)) - index.maxConversionDays * 86_400_000;
      const survivorOf = await withMergedAway(trx, workspaceId, orders.map(([, profileId]) => profileId));
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

/** The message as JSON for the quarantine; the event that failed may be the one that cannot be serialized. */
function payloadText(message: LogEntry['message']): string {
  try {
    return JSON.stringify(message);
  } catch (error) {
    return JSON.stringify({ unserializable: error instanceof Error ? error.message : String(error), note: 'the event stays in the log as it was sent' });
  }
}
