import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { Value } from '@sinclair/typebox/value';
import { FollowerLoop, type PassResult } from '../log/follower-loop.js';
import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { expectedUpdatedAt, staleEdit } from '../shared/expected-update.js';
import { randomId } from '../shared/ids.js';
import { nextTurn, sliceYielder } from '../shared/yield-slices.js';
import type { Database, Tx } from '../storage/database.js';
import { bumpSetting, settingChanges } from '../storage/setting-changes.js';
import { findIdentityOwner } from '../identity/index.js';
import { loadProfiles, readProfileScores, type ProfileState } from '../profiles/index.js';
import * as repo from './store/recommendations.js';
import { readCatalogPage, readNewestProducts, readServingProducts } from '../catalog/index.js';
import type { RecommendationSlotProvider, SlotProduct, SlotRequest } from '../templates/index.js';
import { observe, recommend, trainModels, type CatalogItem, type Interaction, type ModelReport, type RecommendationModels, type TrainOptions } from './engine.js';
import { catalogItem, interactionsOf, profileGroups, propertiesOfPayload, visitorContext } from './interactions.js';
import type { RecommendationResult, RecommendedProduct } from './recommendation.js';
import { BusinessRules, isStrategyName, type StrategyName } from './rules.js';
import { decodeSnapshot, encodeSnapshot } from './models/snapshot.js';
import { ownValue } from '../shared/own.js';

/*
 * Serving and training of recommendations for every workspace: models trained from the event
 * log and the catalog (a job with progress and a report), held in memory, kept current between
 * trainings by tailing the log (trending and best-sellers), and the business rules stored per
 * workspace and strategy.
 */

const PAGE = 5000;
/**
 * Rows the live tail reads at once: it runs on the event loop between requests, and one read
 * of 5,000 rows (parsed payloads included) held the loop for 25-60 ms under bench:hostile.
 */
const TAIL_PAGE = 500;
/** How long the live tail lets appends gather before a pass (trending stays this fresh). */
const TAIL_GATHER_MS = 200;
/** Longest sleep of an idle live tail (appends wake it). */
const TAIL_IDLE_MS = 60_000;
/** Timeline rows read per request to find a visitor's recent product events. */
const RECENT_SCAN = 200;
const MAX_LIMIT = 100;
/** The setting-change topic a stored training bumps (processes load the new models). */
const MODELS_TOPIC = 'recommendations.models';
/** Version of the snapshot layout; a snapshot of another layout is not loaded. */
const SNAPSHOT_FORMAT = 1;
/** How long a process waits before asking again for a training it already asked for. */
const REQUEST_AGAIN_MS = 60_000;
const gzipped = promisify(gzip);
const gunzipped = promisify(gunzip);
/** The setting-change topic of the business rules. */
const RULES_TOPIC = 'recommendations.rules';

export interface RecommendationServiceDeps {
  database: Database;
  clock: Clock;
  /** Event-log partitions (the live tail reads each). */
  partitions: number;
  /** Retrain every workspace that has models this often (ms); 0 disables the schedule. */
  retrainIntervalMs?: number;
  train?: Omit<TrainOptions, 'now' | 'onProgress'>;
  onError?: (error: unknown) => void;
  /**
   * Asks for a training as a durable job (run by one worker of all the processes on the store,
   * which stores the models for the others to load). Without it (a service on its own, in a
   * test or a script) this process trains in the background itself.
   */
  requestTraining?: (workspaceId: string, trigger: string) => Promise<void>;
}

/** One recommendation slot, as the API, the SDK route and templates ask for it. */
export interface RecommendationSlot {
  strategy: StrategyName;
  profileId?: string | undefined;
  product?: string | undefined;
  limit?: number | undefined;
  /** best-sellers: `gender:female`, `country:fr`, `category:Shoes`, `rfm_group:champions`. */
  group?: string | undefined;
  /** Rules for this request, over the stored ones. */
  rules?: BusinessRules | undefined;
}

/** What the template layer calls to fill a recommendation slot. */
export type RecommendationProvider = (workspaceId: string, slot: RecommendationSlot) => Promise<RecommendationResult>;

export interface Training {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  stage: string;
  /** 0..1 */
  progress: number;
  trigger: string;
  report: (ModelReport & { events: number }) | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

interface Loaded {
  models: RecommendationModels;
  /** The stored snapshot's version these models are (0: not stored). */
  version: number;
  trainingId: string;
  trainedAt: number;
  /** `trainedAt` as ISO text, as every answer carries it. */
  trainedAtIso: string;
  /** Live-tail cursor per partition. */
  cursors: number[];
}

/** Random bytes drawn in blocks: one call into the CSPRNG per 512 recommendation ids, not per id. */
const ID_BYTES = 9;
let idPool = Buffer.alloc(0);
let idOffset = 0;

/** 12 random base64url characters (72 bits) for a recommendation id. */
function randomSuffix(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    idPool = randomBytes(ID_BYTES * 512);
    idOffset = 0;
  }
  const suffix = idPool.toString('base64url', idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return suffix;
}

/**
 * A recommendation id names its strategy, so an event carrying it is attributed without a lookup.
 * @example strategyOfRecommendationId('rec.for-you.x1y2') // 'for-you'
 */
export function strategyOfRecommendationId(id: string): StrategyName | undefined {
  const [prefix, strategy] = id.split('.');
  return prefix === 'rec' && strategy !== undefined && isStrategyName(strategy) ? strategy : undefined;
}

function toTraining(row: repo.TrainingRow): Training {
  let report: Training['report'] = null;
  if (row.status === 'succeeded') {
    const parsed: unknown = JSON.parse(row.report);
    // Narrow adapter: this service is the only writer of the column.
    report = typeof parsed === 'object' && parsed !== null ? (parsed as Training['report']) : null;
  }
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    id: row.id,
    status: row.status,
    stage: row.stage,
    progress: row.progress,
    trigger: row.trigger,
    report,
    error: row.error,
    created_at: new Date(row.createdAt).toISOString(),
    started_at: iso(row.startedAt),
    finished_at: iso(row.finishedAt),
  };
}

/**
 * @example
 * const recs = new RecommendationService({ database, clock, partitions: 1 });
 * await recs.train('default');
 * const result = await recs.recommend('default', { strategy: 'also-bought', product: 'p1', limit: 8 });
 */
export class RecommendationService {
  private readonly loaded = new Map<string, Loaded>();
  private readonly training = new Map<string, Promise<Training>>();
  private readonly rulesCache = new Map<string, Map<string, BusinessRules>>();
  private readonly tailing = new Map<string, Promise<void>>();
  /** The live tail of each workspace with trained models: a follower of the log, woken by appends. */
  private readonly tails = new Map<string, FollowerLoop>();
  /** Clock time of the last retraining each workspace's requests started (see `retrainIfDue`). */
  private readonly retrainStarted = new Map<string, number>();
  private startup: Promise<void> | undefined;
  private stopped = false;
  /** Loads of stored models in flight, per workspace. */
  private readonly loading = new Map<string, Promise<Loaded | undefined>>();
  /** Workspaces with no stored models when last asked (until a training anywhere stores some). */
  private readonly unstored = new Set<string>();
  /** When each workspace's training was last requested as a job (one request a minute at most). */
  private readonly requested = new Map<string, number>();
  private unwatchModels: (() => void) | undefined;

  /** Stops following other processes' rule changes; set once rules are cached. */
  private unwatchRules: (() => void) | undefined;

  constructor(private readonly deps: RecommendationServiceDeps) {}

  /** Rules cached here are dropped when any process changes them (see storage/setting-changes.ts). */
  private watchRules(): void {
    if (this.stopped) return;
    this.unwatchRules ??= settingChanges(this.deps.database).on(RULES_TOPIC, (workspaceId) => this.rulesCache.delete(workspaceId));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatchRules?.();
    this.unwatchModels?.();
    await this.startup;
    await Promise.all([...this.tails.values()].map((tail) => tail.stop()));
    this.tails.clear();
    await Promise.allSettled([...this.training.values(), ...this.tailing.values()]);
  }

  /**
   * The live tail: new product events since the last look update trending and best-sellers. A
   * wake during a pass queues one more pass after it, so no append is left unseen.
   */
  wake(workspaceId: string): void {
    if (!this.loaded.has(workspaceId) || this.stopped) return;
    let tail = this.tails.get(workspaceId);
    if (tail === undefined) {
      const pass = async (): Promise<PassResult> => ({ moved: await this.catchUp(workspaceId), full: false, linger: false });
      // Cursors are the in-memory models' own (a restart trains again): nothing to poll for between appends.
      tail = new FollowerLoop(pass, {
        pollIntervalMs: TAIL_IDLE_MS,
        lingerMs: 0,
        minPassIntervalMs: TAIL_GATHER_MS,
        gatherMs: TAIL_GATHER_MS,
        firstPassAfterMs: TAIL_GATHER_MS,
        onError: (error) => this.deps.onError?.(error),
      });
      this.tails.set(workspaceId, tail);
      tail.start();
    }
    tail.wake();
  }

  /**
   * Reads every product event appended since the models were trained or last caught up; returns
   * how many interactions it folded in. Passes of one workspace run one after another, so no
   * event is counted twice.
   */
  catchUp(workspaceId: string): Promise<number> {
    const previous = this.tailing.get(workspaceId) ?? Promise.resolve();
    const run = previous.then(() => this.tailPass(workspaceId));
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.tailing.set(workspaceId, settled);
    void settled.then(() => {
      if (this.tailing.get(workspaceId) === settled) this.tailing.delete(workspaceId);
    });
    return run;
  }

  private async tailPass(workspaceId: string): Promise<number> {
    const loaded = this.loaded.get(workspaceId);
    if (loaded === undefined) return 0;
    let observed = 0;
    // Folding in a page runs in slices: a busy shop appends thousands of product events between passes.
    const slice = sliceYielder();
    for (let partition = 0; partition < loaded.cursors.length; partition++) {
      for (;;) {
        const after = loaded.cursors[partition] ?? 0;
        const page = await repo.readProductEventsAfter(this.deps.database.db, workspaceId, partition, after, TAIL_PAGE);
        for (const row of page.rows) {
          const pause = slice();
          if (pause !== undefined) await pause;
          if (row.event === 'Back In Stock' || row.event === 'Price Dropped') {
            applyCatalogEvent(loaded.models, row.event, propertiesOfPayload(row.payload));
            continue;
          }
          for (const interaction of interactionsOf('', row.event, propertiesOfPayload(row.payload), row.timestamp)) {
            observe(loaded.models, interaction);
            observed++;
          }
        }
        loaded.cursors[partition] = page.lastSeq;
        if (page.lastSeq === after) break;
        await nextTurn();
      }
    }
    return observed;
  }

  /** Queues a training run and returns it at once; it runs in the background. */
  async startTraining(workspaceId: string, trigger = 'api'): Promise<Training> {
    const running = this.training.get(workspaceId);
    if (running !== undefined) {
      const [latest] = await repo.listTrainings(this.deps.database.db, workspaceId, 1);
      if (latest !== undefined) return toTraining(latest);
    }
    const { row, run } = await this.launchTraining(workspaceId, trigger);
    run.catch(() => undefined);
    return toTraining(row);
  }

  /** Trains and waits for the result (CLI, server start); joins a run already in flight. */
  async train(workspaceId: string, trigger = 'api', onProgress?: (stage: string, progress: number) => void): Promise<Training> {
    const running = this.training.get(workspaceId);
    if (running !== undefined) return running;
    return (await this.launchTraining(workspaceId, trigger, onProgress)).run;
  }

  /** Records a queued training run and starts it; the workspace's run in flight until it settles. */
  private async launchTraining(workspaceId: string, trigger: string, onProgress?: (stage: string, progress: number) => void): Promise<{ row: repo.TrainingRow; run: Promise<Training> }> {
    const row: repo.TrainingRow = {
      id: randomId('rtr'),
      status: 'queued',
      stage: 'queued',
      progress: 0,
      trigger,
      report: '{}',
      error: null,
      createdAt: this.deps.clock.now(),
      startedAt: null,
      finishedAt: null,
    };
    await repo.insertTraining(this.deps.database.db, workspaceId, row);
    const run = this.runTraining(workspaceId, row, onProgress).finally(() => this.training.delete(workspaceId));
    this.training.set(workspaceId, run);
    return { row, run };
  }

  async getTraining(workspaceId: string, id: string): Promise<Training | undefined> {
    const row = await repo.findTraining(this.deps.database.db, workspaceId, id);
    return row === undefined ? undefined : toTraining(row);
  }

  async listTrainings(workspaceId: string, limit = 20): Promise<Training[]> {
    return (await repo.listTrainings(this.deps.database.db, workspaceId, Math.min(Math.max(1, limit), 100))).map(toTraining);
  }

  private async runTraining(workspaceId: string, row: repo.TrainingRow, onProgress?: (stage: string, progress: number) => void): Promise<Training> {
    const { db } = this.deps.database;
    const started = this.deps.clock.now();
    let lastWrite = 0;
    const progress = async (stage: string, value: number, force = false) => {
      onProgress?.(stage, value);
      const now = this.deps.clock.now();
      if (!force && now - lastWrite < 500) return;
      lastWrite = now;
      await repo.updateTraining(db, workspaceId, row.id, { status: 'running', stage, progress: Math.round(value * 1000) / 1000 });
    };
    try {
      await repo.updateTraining(db, workspaceId, row.id, { status: 'running', stage: 'catalog', startedAt: started });
      // Cursors first: events after them reach the models through the live tail, never twice.
      const heads: number[] = [];
      for (let partition = 0; partition < this.deps.partitions; partition++) heads.push(await repo.processedUpTo(db, workspaceId, partition));
      const catalog: CatalogItem[] = [];
      for (let after: string | undefined; ;) {
        const page = await readCatalogPage(db, workspaceId, after, PAGE);
        for (const product of page) catalog.push(catalogItem(product, parseAttributes(product.attributes)));
        if (page.length < PAGE) break;
        after = page.at(-1)?.id;
      }
      await progress('events', 0.05, true);
      const interactions: Interaction[] = [];
      let events = 0;
      const groupsByProfile = new Map<string, string[]>();
      const slice = sliceYielder();
      for (let after: repo.TimelineKey | undefined; ;) {
        const page = await repo.readProductEventPage(db, workspaceId, after, PAGE);
        const newProfiles = [...new Set(page.rows.map((event) => event.profileId))].filter((id) => !groupsByProfile.has(id));
        if (newProfiles.length > 0) {
          const [states, scores] = await Promise.all([loadProfiles(db, workspaceId, newProfiles), readProfileScores(db, workspaceId, newProfiles)]);
          const stateOf = new Map(states.map((profile) => [profile.id, profile.state]));
          for (const id of newProfiles) groupsByProfile.set(id, profileGroups(stateOf.get(id), scores.get(id) ?? {}));
        }
        for (const event of page.rows) {
          const pause = slice();
          if (pause !== undefined) await pause;
          if (event.seq > (heads[event.partition] ?? Number.POSITIVE_INFINITY)) continue;
          events++;
          interactions.push(...interactionsOf(event.profileId, event.event, propertiesOfPayload(event.payload), event.timestamp, groupsByProfile.get(event.profileId)));
        }
        if (page.last === undefined) break;
        after = page.last;
        await progress('events', 0.05 + Math.min(0.4, events / 1e7));
      }
      await progress('models', 0.5, true);
      const stages = ['for-you', 'also-bought', 'viewed-together'];
      const models = trainModels(catalog, interactions, {
        ...this.deps.train,
        now: this.deps.clock.now(),
        onProgress: (stage, done, total) => {
          const index = Math.max(0, stages.indexOf(stage));
          onProgress?.(stage, 0.5 + (0.5 * (index + done / Math.max(1, total))) / stages.length);
        },
      });
      const finished = this.deps.clock.now();
      const report = { ...models.report, events };
      await progress('storing', 0.99, true);
      // Stored before anything serves them: the snapshot is what every other process loads.
      const model = await gzipped(Buffer.from(encodeSnapshot({ format: SNAPSHOT_FORMAT, models })));
      await this.deps.database.transaction(async (trx) => {
        const version = await repo.saveModelSnapshot(trx, workspaceId, { trainingId: row.id, trainedAt: finished, cursors: heads, model, createdAt: this.deps.clock.now() });
        await repo.updateTraining(trx, workspaceId, row.id, { status: 'succeeded', stage: 'done', progress: 1, report: JSON.stringify(report), finishedAt: finished });
        await bumpSetting(trx, MODELS_TOPIC, workspaceId, this.deps.clock.now());
        // Served here from the moment the run reads as succeeded (a failed commit fails the run; the models are then unused).
        this.unstored.delete(workspaceId);
        this.loaded.set(workspaceId, { models, version, trainingId: row.id, trainedAt: finished, trainedAtIso: new Date(finished).toISOString(), cursors: heads });
      });
      onProgress?.('done', 1);
      // Catch up on what arrived while training.
      await this.catchUp(workspaceId);
      return toTraining({ ...row, status: 'succeeded', stage: 'done', progress: 1, report: JSON.stringify(report), startedAt: started, finishedAt: finished });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await repo.updateTraining(db, workspaceId, row.id, { status: 'failed', stage: 'failed', error: message, finishedAt: this.deps.clock.now() }).catch(() => undefined);
      throw error;
    }
  }

  /** Stored rules by strategy ('*' applies to every strategy). */
  async getRules(workspaceId: string): Promise<Record<string, BusinessRules>> {
    return Object.fromEntries(await this.rulesOf(workspaceId));
  }

  /** When each strategy's rules were saved (ISO), by strategy: an editor's `expectedUpdatedAt`. */
  async rulesSavedAt(workspaceId: string): Promise<Record<string, string>> {
    const saved = await repo.readRulesSavedAt(this.deps.database.db, workspaceId);
    return Object.fromEntries([...saved].map(([strategy, at]) => [strategy, new Date(at).toISOString()]));
  }

  /**
   * Replaces a strategy's rules. With `expectedUpdatedAt` (the updatedAt the editor read, `never`
   * when it read none), rules saved by someone else since answer `recommendation.edit_conflict`.
   */
  async putRules(workspaceId: string, strategy: string, rules: unknown, options: { expectedUpdatedAt?: string } = {}): Promise<BusinessRules> {
    if (strategy !== '*' && !isStrategyName(strategy)) throw new RapportError('recommendation.unknown_strategy', `unknown strategy "${strategy}"; use a strategy name or "*" for all`);
    const what = `the rules of "${strategy}"`;
    const expected = expectedUpdatedAt(options.expectedUpdatedAt, what);
    if (!Value.Check(BusinessRules, rules)) {
      const issues = [...Value.Errors(BusinessRules, rules)].slice(0, 10).map((issue) => ({ field: `body${issue.path.replace(/\//g, '.')}`, rule: 'schema', message: issue.message }));
      throw new RapportError('recommendation.rules_invalid', 'the rules do not match the BusinessRules schema', issues);
    }
    if (rules.priceMin !== undefined && rules.priceMax !== undefined && rules.priceMin > rules.priceMax) {
      throw new RapportError('recommendation.rules_invalid', 'priceMin is above priceMax', [{ field: 'body.priceMin', rule: 'range', message: 'must not exceed priceMax' }]);
    }
    await this.changeRules(workspaceId, async (trx) => {
      if (!(await repo.writeRules(trx, workspaceId, strategy, JSON.stringify(rules), this.deps.clock.now(), expected))) {
        throw new RapportError('recommendation.edit_conflict', ...staleEdit(what, (await repo.readRulesSavedAt(trx, workspaceId)).get(strategy)));
      }
    });
    return rules;
  }

  async deleteRules(workspaceId: string, strategy: string): Promise<boolean> {
    return this.changeRules(workspaceId, (trx) => repo.deleteRules(trx, workspaceId, strategy));
  }

  /** A change of rules with its setting bump in one transaction: every process drops its copy within a poll. */
  private async changeRules<T>(workspaceId: string, change: (trx: Tx) => Promise<T>): Promise<T> {
    const result = await this.deps.database.transaction(async (trx) => {
      const value = await change(trx);
      await bumpSetting(trx, RULES_TOPIC, workspaceId, this.deps.clock.now());
      return value;
    });
    this.rulesCache.delete(workspaceId);
    return result;
  }

  private async rulesOf(workspaceId: string): Promise<Map<string, BusinessRules>> {
    let rules = this.rulesCache.get(workspaceId);
    if (rules === undefined) {
      this.watchRules();
      await settingChanges(this.deps.database).ready();
      rules = new Map();
      for (const [strategy, text] of await repo.readRules(this.deps.database.db, workspaceId)) {
        const value: unknown = JSON.parse(text);
        if (Value.Check(BusinessRules, value)) rules.set(strategy, value);
      }
      this.rulesCache.set(workspaceId, rules);
    }
    return rules;
  }

  /** The profile an identifier (user id, anonymous id) points to, for the SDK route. */
  async profileFor(workspaceId: string, identifier: { userId?: string | undefined; anonymousId?: string | undefined }): Promise<string | undefined> {
    const { db } = this.deps.database;
    if (identifier.userId !== undefined) {
      const owner = await findIdentityOwner(db, workspaceId, { type: 'user_id', value: identifier.userId });
      if (owner !== undefined) return owner;
    }
    if (identifier.anonymousId !== undefined) return findIdentityOwner(db, workspaceId, { type: 'anonymous_id', value: identifier.anonymousId });
    return undefined;
  }

  /**
   * Recommends products for one slot. A workspace without models starts a training in the
   * background and gets the newest in-stock products meanwhile (strategy of each item
   * `new-arrivals`, `training_id` null). Unknown profiles and products are cold starts: the
   * fallback chain fills the list.
   */
  async recommend(workspaceId: string, slot: RecommendationSlot): Promise<RecommendationResult> {
    const limit = slot.limit ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new RapportError('recommendation.limit_out_of_range', `limit must be an integer from 1 to ${MAX_LIMIT}`, [{ field: 'limit', rule: 'range', message: `1..${MAX_LIMIT}` }]);
    }
    const loaded = this.loaded.get(workspaceId) ?? (await this.loadStored(workspaceId));
    // Never wait on a training here (a send renders through this within its render limit): start
    // one in the background and serve the newest in-stock products until a model exists.
    // A model trained before the shop had a catalog (at the first start) knows no product.
    if (loaded === undefined || loaded.models.report.products === 0) return this.untrained(workspaceId, slot, limit, loaded !== undefined);
    this.retrainIfDue(workspaceId, loaded);
    const stored = await this.rulesOf(workspaceId);
    const rules: BusinessRules = { ...stored.get('*'), ...stored.get(slot.strategy), ...slot.rules };
    const { db } = this.deps.database;
    let state: ProfileState | undefined;
    let profileId: string | null = null;
    let recent: Interaction[] = [];
    let groups: string[] = [];
    if (slot.profileId !== undefined) {
      const profile = await this.profileOf(workspaceId, slot.profileId);
      if (profile !== undefined) {
        profileId = profile.id;
        state = profile.state;
        const [events, scores] = await Promise.all([repo.readRecentProductEvents(db, workspaceId, profile.id, RECENT_SCAN), readProfileScores(db, workspaceId, [profile.id])]);
        recent = events.flatMap((event) => interactionsOf(profile.id, event.event, propertiesOfPayload(event.payload), event.timestamp));
        groups = profileGroups(state, scores.get(profile.id) ?? {});
      }
    }
    const now = this.deps.clock.now();
    // A few spare items: stock is checked again against the live catalog below.
    const items = recommend(loaded.models, {
      strategy: slot.strategy,
      product: slot.product,
      group: slot.group,
      limit: limit + 5,
      visitor: visitorContext(state, recent, groups),
      rules,
      now,
    });
    const products = await readServingProducts(
      db,
      workspaceId,
      items.map((item) => item.id),
    );
    const result: RecommendedProduct[] = [];
    for (const item of items) {
      const product = products.get(item.id);
      if (product === undefined) continue;
      if (rules.inStockOnly !== false && product.inventory !== null && product.inventory <= 0) {
        // Sold out since training: the model learns it now, so later requests skip it up front.
        const index = loaded.models.index.get(item.id);
        const known = index === undefined ? undefined : loaded.models.items[index];
        if (known !== undefined) known.inventory = product.inventory;
        continue;
      }
      if (result.length >= limit) break;
      result.push({
        id: item.id,
        name: product.name,
        url: product.url,
        image_url: product.image_url,
        price: product.price,
        currency: product.currency,
        category: product.category,
        brand: product.brand,
        strategy: item.strategy,
        score: Math.round(item.score * 1e6) / 1e6,
        pinned: item.pinned,
      });
    }
    return {
      recommendation_id: `rec.${slot.strategy}.${randomSuffix()}`,
      strategy: slot.strategy,
      profile_id: profileId,
      items: result,
      training_id: loaded.trainingId,
      trained_at: loaded.trainedAtIso,
    };
  }

  /**
   * The retraining schedule, kept by the requests instead of a timer: a model older than
   * `retrainIntervalMs` starts one retraining in the background, and this request is served from
   * the model there is. Each process trains and serves its own models in memory, so each decides
   * for itself (a durable job would run in one process of many); a process nobody asks trains
   * nothing. A failed run is tried again one interval after it started.
   */
  private retrainIfDue(workspaceId: string, loaded: Loaded): void {
    const interval = this.deps.retrainIntervalMs ?? 0;
    if (interval <= 0 || this.stopped || this.training.has(workspaceId)) return;
    const now = this.deps.clock.now();
    if (now - Math.max(loaded.trainedAt, this.retrainStarted.get(workspaceId) ?? Number.NEGATIVE_INFINITY) < interval) return;
    this.retrainStarted.set(workspaceId, now);
    void this.requestTraining(workspaceId, 'schedule').catch((error: unknown) => this.deps.onError?.(error));
  }

  /** The profile a recommendation is for, followed to its survivor when it was merged away. */
  private async profileOf(workspaceId: string, id: string): Promise<Awaited<ReturnType<typeof loadProfiles>>[number] | undefined> {
    const { db } = this.deps.database;
    let [profile] = await loadProfiles(db, workspaceId, [id]);
    if (profile?.mergedInto != null) [profile] = await loadProfiles(db, workspaceId, [profile.mergedInto]);
    return profile;
  }

  /**
   * The answer before a useful model exists: the newest in-stock products, while a training
   * starts. `emptyModel`: the model there was trained on no catalog, so it is retrained only
   * once the catalog has products (not on every request of a shop that has none yet).
   */
  private async untrained(workspaceId: string, slot: RecommendationSlot, limit: number, emptyModel = false): Promise<RecommendationResult> {
    const train = () => this.requestTraining(workspaceId, 'first-request').catch((error: unknown) => this.deps.onError?.(error));
    // Started before the read below, so the training is on record as soon as this answers.
    // Awaited up to the training's record (or job), not the training itself.
    if (!emptyModel && !this.training.has(workspaceId)) await train();
    const exclude = slot.product === undefined ? [] : [slot.product];
    const products = await readNewestProducts(this.deps.database.db, workspaceId, limit, exclude);
    if (emptyModel && products.length > 0 && !this.training.has(workspaceId)) void train();
    return {
      recommendation_id: `rec.new-arrivals.${randomSuffix()}`,
      strategy: slot.strategy,
      // Null for an unknown profile, as a trained answer says (the route answers 404 on it).
      profile_id: slot.profileId === undefined ? null : ((await this.profileOf(workspaceId, slot.profileId))?.id ?? null),
      items: products.map((product, rank) => ({ ...product, strategy: 'new-arrivals', score: Math.round((1 / (rank + 1)) * 1e6) / 1e6, pinned: false })),
      training_id: null,
      trained_at: null,
    };
  }

  /**
   * Trains each workspace once, one after another, in the background (server start); requests
   * are served meanwhile. Nothing happens when the retraining schedule is off.
   * @example recs.trainAtStart(['default']);
   */
  trainAtStart(workspaceIds: readonly string[]): Promise<void> {
    if ((this.deps.retrainIntervalMs ?? 0) <= 0) return Promise.resolve();
    const run = (async () => {
      for (const workspaceId of workspaceIds) {
        if (this.stopped) return;
        // Models another process (or an earlier start) stored are loaded, not trained again.
        if (this.loaded.has(workspaceId) || (await this.loadStored(workspaceId)) !== undefined) continue;
        if (this.deps.requestTraining !== undefined) await this.requestTraining(workspaceId, 'start').catch((error: unknown) => this.deps.onError?.(error));
        else await this.train(workspaceId, 'start').catch((error: unknown) => this.deps.onError?.(error));
      }
    })();
    this.startup = run;
    return run;
  }

  /**
   * A training wanted by a request, the schedule or the start: a durable job when the service was
   * given `requestTraining` (one worker trains for every process), else a run in this process.
   */
  private async requestTraining(workspaceId: string, trigger: string): Promise<void> {
    const request = this.deps.requestTraining;
    if (request === undefined) {
      await this.startTraining(workspaceId, trigger);
      return;
    }
    const now = this.deps.clock.now();
    // The job is keyed per workspace (a second request is ignored), so this only spares the store a write per request.
    if (now - (this.requested.get(workspaceId) ?? Number.NEGATIVE_INFINITY) < REQUEST_AGAIN_MS && now >= (this.requested.get(workspaceId) ?? 0)) return;
    this.requested.set(workspaceId, now);
    await request(workspaceId, trigger);
  }

  /**
   * The training job's work, in whichever process claimed it: trains unless another process is
   * training this workspace right now (its models will be stored and loaded here too), or, for
   * the schedule, unless stored models are already younger than the retraining interval.
   */
  async trainAsJob(workspaceId: string, trigger: string): Promise<void> {
    if (this.stopped) return;
    const interval = this.deps.retrainIntervalMs ?? 0;
    const stored = await this.loadStored(workspaceId);
    if (trigger === 'schedule' && stored !== undefined && interval > 0 && this.deps.clock.now() - stored.trainedAt < interval) return;
    if (trigger !== 'schedule' && stored !== undefined && stored.models.report.products > 0) return;
    await this.deps.database.tryWithLock(`recommendations.train:${workspaceId}`, () => this.train(workspaceId, trigger));
  }

  /**
   * The stored models of a workspace, loaded into this process when they are newer than the ones
   * it serves (or it serves none); undefined when none are stored. One load per workspace at a
   * time; a workspace found without models is not asked again until a training stores some.
   */
  private loadStored(workspaceId: string): Promise<Loaded | undefined> {
    this.watchModels();
    const current = this.loaded.get(workspaceId);
    if (current === undefined && this.unstored.has(workspaceId)) return Promise.resolve(undefined);
    let load = this.loading.get(workspaceId);
    if (load === undefined) {
      load = this.readStored(workspaceId).finally(() => this.loading.delete(workspaceId));
      this.loading.set(workspaceId, load);
    }
    return load;
  }

  private async readStored(workspaceId: string): Promise<Loaded | undefined> {
    const { db } = this.deps.database;
    await settingChanges(this.deps.database).ready();
    const current = this.loaded.get(workspaceId);
    const version = await repo.modelSnapshotVersion(db, workspaceId);
    if (version === undefined) {
      if (current === undefined) this.unstored.add(workspaceId);
      return current;
    }
    if (current !== undefined && current.version >= version) return current;
    const snapshot = await repo.readModelSnapshot(db, workspaceId);
    if (snapshot === undefined) return current;
    const models = modelsOf(decodeSnapshot((await gunzipped(snapshot.model)).toString('utf8')));
    // Written by another version of Rapport: kept until a training here replaces it.
    if (models === undefined) return current;
    const latest = this.loaded.get(workspaceId);
    if (latest !== undefined && latest.version >= snapshot.version) return latest;
    const loaded: Loaded = {
      models,
      version: snapshot.version,
      trainingId: snapshot.trainingId,
      trainedAt: snapshot.trainedAt,
      trainedAtIso: new Date(snapshot.trainedAt).toISOString(),
      cursors: snapshot.cursors.length === this.deps.partitions ? snapshot.cursors : Array.from({ length: this.deps.partitions }, (_, partition) => snapshot.cursors[partition] ?? 0),
    };
    this.loaded.set(workspaceId, loaded);
    this.unstored.delete(workspaceId);
    // Events since the training reach the loaded models through the live tail.
    this.wake(workspaceId);
    return loaded;
  }

  /** Models stored by any process replace the ones served here (see storage/setting-changes.ts). */
  private watchModels(): void {
    if (this.stopped) return;
    this.unwatchModels ??= settingChanges(this.deps.database).on(MODELS_TOPIC, (workspaceId) => {
      this.unstored.delete(workspaceId);
      if (this.loaded.has(workspaceId)) void this.loadStored(workspaceId).catch((error: unknown) => this.deps.onError?.(error));
    });
  }

  /**
   * The interface for the template layer: `{% recommendations strategy: "for-you", limit: 4 %}`
   * resolves through this function.
   * @example const provider = recs.provider(); const result = await provider('default', { strategy: 'trending', limit: 4 });
   */
  provider(): RecommendationProvider {
    return (workspaceId, slot) => this.recommend(workspaceId, slot);
  }

  /**
   * The provider the template layer's slot seam takes (`src/templates/recommendation-slot.ts`):
   * a slot named after a strategy (`for_you`, `also-bought`, `best_sellers`, ...) or an alias
   * (`similar`, `cart_complements`, `picks`, `continue_shopping`) is filled by that strategy,
   * for the profile, with the first context product as the anchor.
   * @example channels({ ..., recommendations: recs.slotProvider() })
   */
  slotProvider(): RecommendationSlotProvider {
    return {
      recommend: async (request: SlotRequest): Promise<SlotProduct[]> => {
        const result = await this.recommend(request.workspaceId, {
          strategy: strategyForSlot(request.slot),
          profileId: request.profileId,
          product: request.contextProductIds[0],
          limit: Math.min(MAX_LIMIT, Math.max(1, Math.floor(request.limit))),
        });
        return result.items.map((item) => ({
          id: item.id,
          name: item.name ?? item.id,
          url: item.url,
          image_url: item.image_url,
          price: item.price,
          currency: item.currency,
          category: item.category,
          brand: item.brand,
        }));
      },
    };
  }
}

const slotAliases: Readonly<Record<string, StrategyName>> = {
  similar: 'also-bought',
  goes_with: 'complementary',
  complements: 'complementary',
  cart_complements: 'complementary',
  complete_the_look: 'complementary',
  continue_shopping: 'recently-viewed',
  picks: 'for-you',
  email_picks: 'for-you',
  default: 'for-you',
  sale: 'highest-discount',
  new: 'new-arrivals',
};

/**
 * The strategy a template slot name asks for; unknown names get "for you" (its fallback chain
 * fills cold starts).
 * @example strategyForSlot('best_sellers') // 'best-sellers'
 */
export function strategyForSlot(slot: string): StrategyName {
  const name = slot.trim().toLowerCase();
  const dashed = name.replace(/_/g, '-');
  if (isStrategyName(dashed)) return dashed;
  return ownValue(slotAliases, name.replace(/-/g, '_')) ?? 'for-you';
}

/** A restock or a price drop between trainings, applied to the served catalog snapshot. */
function applyCatalogEvent(models: RecommendationModels, event: 'Back In Stock' | 'Price Dropped', properties: unknown): void {
  if (typeof properties !== 'object' || properties === null) return;
  const id: unknown = Reflect.get(properties, 'product_id');
  const index = typeof id === 'string' ? models.index.get(id) : undefined;
  const item = index === undefined ? undefined : models.items[index];
  if (item === undefined) return;
  if (event === 'Back In Stock') {
    const inventory: unknown = Reflect.get(properties, 'inventory');
    item.inventory = typeof inventory === 'number' && inventory > 0 ? inventory : 1;
  } else {
    const price: unknown = Reflect.get(properties, 'price');
    if (typeof price === 'number' && price >= 0) item.price = price;
  }
}

/** The models in a decoded snapshot of this layout, or undefined. */
function modelsOf(value: unknown): RecommendationModels | undefined {
  if (typeof value !== 'object' || value === null || Reflect.get(value, 'format') !== SNAPSHOT_FORMAT) return undefined;
  const models: unknown = Reflect.get(value, 'models');
  if (typeof models !== 'object' || models === null) return undefined;
  const fields = ['items', 'index', 'known', 'forYou', 'alsoBought', 'viewedTogether', 'categoryRules', 'trending', 'bestSellers', 'newArrivals', 'discounts', 'discountOf', 'report'];
  if (!fields.every((field) => Reflect.get(models, field) !== undefined) || !(Reflect.get(models, 'index') instanceof Map)) return undefined;
  // Narrow adapter: written by encodeSnapshot from a RecommendationModels of the same layout (SNAPSHOT_FORMAT).
  return models as RecommendationModels;
}

function parseAttributes(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {};
  } catch {
    return {};
  }
}
