import { Value } from '@sinclair/typebox/value';
import { DELIVERY_RETRY, deliveryVerdict, OutboundHttp, maskCredentials, type MessageSender, type SendRequest } from '../channels/index.js';
import type { SecretBox } from '../shared/secret-box.js';
import { openHeaders } from './webhook-secrets.js';
import type { JsonObject } from '../ingest/index.js';
import type { Scheduler, Job, BatchOutcome } from '../scheduler/index.js';
import { parseCondition, pathValue, type Condition, toTime } from '../segments/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { assertNever, RapportError } from '../shared/errors.js';
import { fnv1a, stableId } from '../shared/ids.js';
import type { Database, Tx } from '../storage/database.js';
import * as activity from './store/journeys-activity.js';
import * as repo from './store/journeys.js';
import { durationToMs, JourneyDefinitionSchema, nodeById, type Duration, type JourneyDefinition, type JourneyNode } from './definition.js';
import { keyValue } from './event-match.js';
import { holds, loadJourneyProfiles, type JourneyProfile } from './journey-profile.js';
import { nextInWindow, nextLocalTime, quietUntil, zoneOr } from './local-time.js';
import { inGlobalControl, parseWorkspaceSettings, type JourneyWorkspaceSettings } from './workspace-settings.js';
import { ownValue } from '../shared/own.js';

/** What a run carries from its entry: the trigger and its properties (cart id, product, ...). */
export interface RunContext {
  trigger: { kind: string; event?: string; messageId?: string; properties: JsonObject; at: number };
  /** A side effect committed but not yet known to be done (re-run after a crash). */
  pending?: { step: number; nodeId: string; key: string };
  /** Set by the event consumer when the awaited event arrived. */
  resumed?: { event: string; messageId: string; properties: JsonObject };
}

/** A side effect a step performs outside the transaction, identified by its idempotency key. */
export type Effect =
  | { kind: 'send'; key: string; request: SendRequest }
  | { kind: 'webhook'; key: string; url: string; headers: Record<string, string>; body: JsonObject }
  | { kind: 'update_profile'; key: string; profileId: string; traits: JsonObject };

export interface EffectOutcome {
  status: string;
  detail: JsonObject;
}

/** Applies trait updates as an identify event (the profile state stays derived from the log). */
export interface ProfileUpdater {
  updateTraits(workspaceId: string, profileId: string, traits: JsonObject, messageId: string): Promise<void>;
}

/** Someone to enter: the profile, the entry key (cart id, date, ...) and the trigger. */
export interface Entrant {
  profileId: string;
  entryKey?: string;
  trigger: RunContext['trigger'];
}

/** Writes an on-site message for a person's next visit, inside the journey round's transaction. */
export interface OnsiteQueueWriter {
  enqueue(request: { workspaceId: string; profileId: string; campaignId: string; journeyId: string; key: string; expiresAfterDays: number }, trx: Tx): Promise<void>;
}

export interface EngineDeps {
  database: Database;
  scheduler: Scheduler;
  sender: MessageSender;
  clock?: Clock;
  profiles?: ProfileUpdater;
  /** For webhook nodes: the guarded outbound path; default one with no operator allow list. */
  outbound?: OutboundHttp;
  /** Opens webhook node headers sealed at rest (the box the journey service seals with). */
  secrets?: SecretBox;
  /** For `onsite` nodes: queues a campaign for the person's next visit (the on-site module's queue). */
  onsite?: OnsiteQueueWriter;
  logger?: { error(details: object, message: string): void };
}

/** One step of a dry run. */
export interface DryRunStep {
  at: string;
  nodeId: string;
  type: JourneyNode['type'];
  detail: string;
}

export const RUN_JOB = 'journey.run';
export const runJobKey = (runId: string): string => `journey-run:${runId}`;

/** Transitions per run per job: a guard against a definition bug looping (validation forbids cycles without waits). */
const maxHops = 200;

type StepResult = { effect: Effect } | { rescheduleAt: number } | { done: true };

interface Loaded {
  journey: repo.StoredJourney;
  definition: JourneyDefinition;
}

/**
 * The journey state machine. A run is one customer's way through one journey (one per
 * journey, profile and entry key, with a deterministic id). A scheduler job per run wakes it;
 * each wake advances it through instant nodes (conditions, splits, list changes) to the next
 * wait, exit or side effect. A side effect (send, webhook, profile update) is committed as a
 * pending step with its idempotency key before it is attempted, and marked done after; a
 * crash in between re-runs it with the same key, and the sender makes that a no-op.
 *
 * @example
 * const engine = new JourneyEngine({ database, scheduler, sender });
 * engine.register();
 * await engine.enter('default', journeyId, [{ profileId, trigger: { kind: 'api', properties: {}, at: now } }]);
 */
export class JourneyEngine {
  private readonly clock: Clock;
  private readonly outbound: OutboundHttp;
  private readonly definitions = new Map<string, JourneyDefinition>();

  constructor(private readonly deps: EngineDeps) {
    this.clock = deps.clock ?? systemClock;
    this.outbound = deps.outbound ?? new OutboundHttp();
  }

  /** Registers the run handler with the scheduler. */
  register(): void {
    // A step that fails (a webhook answering 503, a send that throws) retries under the one delivery policy.
    this.deps.scheduler.registerBatch<{ runId: string }>(RUN_JOB, (jobs) => this.handleJobs(jobs), DELIVERY_RETRY);
  }

  /** The definition of one version (immutable, so cached). */
  async definition(db: Tx, workspaceId: string, journeyId: string, version: number): Promise<JourneyDefinition | undefined> {
    const cacheKey = `${workspaceId}\u0000${journeyId}\u0000${version}`;
    const cached = this.definitions.get(cacheKey);
    if (cached !== undefined) return cached;
    const text = await repo.findVersion(db, workspaceId, journeyId, version);
    if (text === undefined) return undefined;
    const parsed: unknown = JSON.parse(text);
    if (!Value.Check(JourneyDefinitionSchema, parsed)) throw new Error(`stored definition of journey ${journeyId} v${version} does not match the schema`);
    this.definitions.set(cacheKey, parsed);
    return parsed;
  }

  /**
   * Enters profiles into a journey, applying its entry rules; returns the run ids created.
   * Each new run gets a job due now. Pass `trx` to commit with other writes.
   */
  async enter(workspaceId: string, journeyId: string, entrants: readonly Entrant[], trx?: Tx): Promise<string[]> {
    if (entrants.length === 0) return [];
    const work = async (tx: Tx): Promise<string[]> => {
      const journey = await repo.findJourney(tx, workspaceId, journeyId);
      if (journey === undefined || journey.status !== 'active') return [];
      const definition = await this.definition(tx, workspaceId, journeyId, journey.version);
      if (definition === undefined) return [];
      return this.enterLoaded(tx, workspaceId, { journey, definition }, entrants);
    };
    return trx === undefined ? this.deps.database.transaction(work) : work(trx);
  }

  private async enterLoaded(tx: Tx, workspaceId: string, loaded: Loaded, entrants: readonly Entrant[]): Promise<string[]> {
    const { journey, definition } = loaded;
    const now = this.clock.now();
    const mode = definition.settings?.entry?.mode ?? 'once';
    // Recurring triggers (a birthday each year, each broadcast, each price drop) are keyed by
    // their occurrence: "once" means once per occurrence for them.
    const perKey = mode === 'once_per_key' || (mode === 'once' && ['date', 'schedule', 'catalog'].includes(definition.trigger.type));
    const keyed = entrants.map((entrant) => ({ ...entrant, entryKey: perKey ? (entrant.entryKey ?? '') : '' }));
    const previous = await repo.findEntries(tx, workspaceId, journey.id, keyed);
    const reenterMs = (definition.settings?.entry?.reenterAfterDays ?? 0) * 86_400_000;
    const live = mode === 'reenter' ? new Set((await repo.liveRunsOfProfiles(tx, workspaceId, [...new Set(keyed.map((entrant) => entrant.profileId))])).filter((run) => run.journeyId === journey.id).map((run) => run.profileId)) : new Set<string>();
    const runs: repo.StoredRun[] = [];
    const entries: { profileId: string; entryKey: string; count: number; at: number }[] = [];
    const seen = new Set<string>();
    for (const entrant of keyed) {
      const slot = `${entrant.profileId}\u0000${entrant.entryKey}`;
      if (seen.has(slot)) continue;
      seen.add(slot);
      const before = previous.get(slot);
      if (before !== undefined) {
        if (mode !== 'reenter') continue;
        if (live.has(entrant.profileId) || now - before.lastEnteredAt < reenterMs) continue;
      }
      const count = (before?.count ?? 0) + 1;
      const context: RunContext = { trigger: entrant.trigger };
      runs.push({
        id: stableId('jrn', workspaceId, journey.id, entrant.profileId, entrant.entryKey, String(count)),
        journeyId: journey.id,
        version: journey.version,
        profileId: entrant.profileId,
        entryKey: entrant.entryKey,
        status: 'active',
        nodeId: definition.start,
        step: 0,
        wakeAt: null,
        waitEvent: null,
        waitMatch: null,
        context: JSON.stringify(context),
        arm: null,
        enteredAt: now,
        updatedAt: now,
        exitedAt: null,
        exitReason: null,
      });
      entries.push({ profileId: entrant.profileId, entryKey: entrant.entryKey, count, at: now });
    }
    if (runs.length === 0) return [];
    const inserted = await repo.insertRuns(tx, workspaceId, runs);
    await repo.upsertEntries(tx, workspaceId, journey.id, entries);
    const priority = definition.settings?.priority ?? 50;
    await this.deps.scheduler.schedule(
      runs.filter((run) => inserted.has(run.id)).map((run) => ({ workspaceId, kind: RUN_JOB, key: runJobKey(run.id), payload: { runId: run.id }, dueAt: now, priority })),
      tx,
    );
    return runs.filter((run) => inserted.has(run.id)).map((run) => run.id);
  }

  private async handleJobs(jobs: Job<{ runId: string }>[]): Promise<BatchOutcome[]> {
    const byWorkspace = new Map<string, string[]>();
    for (const job of jobs) {
      const list = byWorkspace.get(job.workspaceId);
      if (list) list.push(job.payload.runId);
      else byWorkspace.set(job.workspaceId, [job.payload.runId]);
    }
    const results = new Map<string, BatchOutcome>();
    for (const [workspaceId, runIds] of byWorkspace) {
      try {
        const outcome = await this.processRuns(workspaceId, runIds);
        for (const runId of runIds) {
          const result = outcome.get(runId);
          results.set(`${workspaceId}\u0000${runId}`, result instanceof Error ? { ok: false, error: result } : { ok: true, ...(result === undefined ? {} : { rescheduleAt: result }) });
        }
      } catch (error) {
        for (const runId of runIds) results.set(`${workspaceId}\u0000${runId}`, { ok: false, error });
      }
    }
    return jobs.map((job) => results.get(`${job.workspaceId}\u0000${job.payload.runId}`) ?? { ok: false, error: new Error('run not processed') });
  }

  /**
   * Advances runs as far as they go now. Returns, per run, when its job should fire next
   * (undefined: the run is finished or paused), or the error that stopped it.
   */
  async processRuns(workspaceId: string, runIds: readonly string[]): Promise<Map<string, number | undefined | Error>> {
    const result = new Map<string, number | undefined | Error>();
    let work = [...new Set(runIds)];
    let outcomes = new Map<string, EffectOutcome>();
    const profiles = new Map<string, JourneyProfile | undefined>();
    for (let round = 0; work.length > 0 && round < maxHops; round++) {
      const effects = new Map<string, Effect>();
      await this.deps.database.transaction(async (trx) => {
        const now = this.clock.now();
        const runs = await repo.loadRuns(trx, workspaceId, work, { forUpdate: true });
        const journeys = new Map<string, repo.StoredJourney | undefined>();
        for (const journeyId of new Set([...runs.values()].map((run) => run.journeyId))) journeys.set(journeyId, await repo.findJourney(trx, workspaceId, journeyId));
        const settingsText = await activity.readJourneySettings(trx, workspaceId);
        const settings = settingsText === undefined ? {} : parseWorkspaceSettings(JSON.parse(settingsText));
        // Conditions of every definition involved, so profiles load what they need once.
        const conditions: Condition[] = [];
        const definitions = new Map<string, JourneyDefinition | undefined>();
        for (const run of runs.values()) {
          const key = `${run.journeyId}\u0000${run.version}`;
          if (!definitions.has(key)) {
            const definition = await this.definition(trx, workspaceId, run.journeyId, run.version);
            definitions.set(key, definition);
            if (definition !== undefined) conditions.push(...definitionConditionsOf(definition));
          }
        }
        const live = [...runs.values()].filter((run) => run.status === 'active' || run.status === 'waiting' || outcomes.has(run.id));
        // Profiles are read once per call: later rounds (after a send) reuse them.
        const missing = [...new Set(live.map((run) => run.profileId))].filter((id) => !profiles.has(id));
        if (missing.length > 0) {
          const loaded = await loadJourneyProfiles(trx, workspaceId, missing, { conditions, now });
          for (const id of missing) profiles.set(id, loaded.get(id));
        }
        const steps: repo.StepRecord[] = [];
        const sends: activity.SendRecord[] = [];
        const touched: repo.StoredRun[] = [];
        for (const runId of work) {
          const run = runs.get(runId);
          if (run === undefined) {
            result.set(runId, undefined);
            continue;
          }
          const definition = definitions.get(`${run.journeyId}\u0000${run.version}`);
          const journey = journeys.get(run.journeyId);
          if (definition === undefined || journey === undefined) {
            result.set(runId, new Error(`journey ${run.journeyId} v${run.version} no longer exists`));
            continue;
          }
          try {
            const step = await this.step(trx, workspaceId, { run, journey, definition, profile: profiles.get(run.profileId), settings, now, outcome: outcomes.get(run.id), steps, sends });
            if ('effect' in step) effects.set(run.id, step.effect);
            else result.set(run.id, 'rescheduleAt' in step ? step.rescheduleAt : undefined);
            run.updatedAt = now;
            touched.push(run);
          } catch (error) {
            result.set(run.id, error instanceof Error ? error : new Error(String(error)));
          }
        }
        await repo.saveRuns(trx, this.deps.database, workspaceId, touched);
        await repo.writeSteps(trx, this.deps.database, workspaceId, steps);
        await activity.insertSends(trx, this.deps.database, workspaceId, sends);
      });
      outcomes = new Map();
      const failed = new Set<string>();
      await Promise.all(
        [...effects].map(async ([runId, effect]) => {
          try {
            outcomes.set(runId, await this.perform(workspaceId, effect));
          } catch (error) {
            failed.add(runId);
            result.set(runId, error instanceof Error ? error : new Error(String(error)));
          }
        }),
      );
      work = [...effects.keys()].filter((runId) => !failed.has(runId));
    }
    return result;
  }

  /** Performs one side effect; throws when it should be retried (the job backs off). */
  private async perform(workspaceId: string, effect: Effect): Promise<EffectOutcome> {
    switch (effect.kind) {
      case 'send': {
        const sent = await this.deps.sender.send(effect.request);
        return { status: sent.status, detail: { messageId: sent.messageId, ...(sent.reason === undefined ? {} : { reason: sent.reason }), ...(sent.couponCode === undefined ? {} : { couponCode: sent.couponCode }) } };
      }
      case 'webhook': {
        // The journey's own headers first: they may not replace the idempotency key or the type.
        const headers = this.deps.secrets === undefined ? effect.headers : openHeaders(effect.headers, this.deps.secrets, workspaceId);
        const result = await this.outbound.request({ url: effect.url, headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': effect.key }, body: JSON.stringify(effect.body) });
        const verdict = deliveryVerdict(result);
        // A refused destination or a 4xx other than 408/429 will not get better by retrying: record and move on.
        if (!verdict.ok && verdict.retryable) throw new Error(`webhook ${maskCredentials(effect.url)}: ${verdict.reason}`);
        if (result.kind === 'refused') return { status: 'failed', detail: { reason: result.reason } };
        return { status: verdict.ok ? 'sent' : 'failed', detail: { httpStatus: verdict.status ?? 0 } };
      }
      case 'update_profile': {
        if (this.deps.profiles === undefined) throw new Error('update_profile needs a profile updater; none is wired');
        await this.deps.profiles.updateTraits(workspaceId, effect.profileId, effect.traits, effect.key);
        return { status: 'done', detail: {} };
      }
      default:
        return assertNever(effect);
    }
  }

  /** Moves one run as far as it goes now (inside the round's transaction). */
  private async step(
    trx: Tx,
    workspaceId: string,
    input: {
      run: repo.StoredRun;
      journey: repo.StoredJourney;
      definition: JourneyDefinition;
      profile: JourneyProfile | undefined;
      settings: JourneyWorkspaceSettings;
      now: number;
      outcome: EffectOutcome | undefined;
      steps: repo.StepRecord[];
      sends: activity.SendRecord[];
    },
  ): Promise<StepResult> {
    const { run, journey, definition, profile, settings, now, outcome, steps, sends } = input;
    const context = parseContext(run.context);
    const save = (): void => {
      run.context = JSON.stringify(context);
    };
    const terminal = run.status === 'completed' || run.status === 'exited';
    if (outcome !== undefined && context.pending !== undefined) {
      // The effect of the pending step is done: record it, then move on (unless the run left meanwhile).
      const node = nodeById(definition, context.pending.nodeId);
      steps.push({ runId: run.id, step: context.pending.step, journeyId: run.journeyId, nodeId: context.pending.nodeId, kind: node?.type ?? 'send', status: 'done', idempotencyKey: context.pending.key, outcome: JSON.stringify(outcome), at: now });
      if (node?.type === 'send') {
        sends.push({ idempotencyKey: context.pending.key, profileId: run.profileId, channel: node.channel, journeyId: run.journeyId, runId: run.id, nodeId: node.id, status: outcome.status, sentAt: now });
      }
      delete context.pending;
      save();
      if (terminal) return { done: true };
      if (node !== undefined && node.type !== 'exit' && 'next' in node) this.moveTo(run, node.next);
    }
    if (terminal) return { done: true };
    if (journey.status === 'archived') {
      this.exit(run, 'archived', now);
      return { done: true };
    }
    if (journey.status === 'paused' || journey.status === 'draft') {
      run.status = 'paused';
      return { done: true };
    }
    if (context.pending !== undefined) {
      // Committed before a crash, never confirmed: perform it again under the same key.
      const node = nodeById(definition, context.pending.nodeId);
      if (node === undefined) throw new Error(`node ${context.pending.nodeId} vanished from journey ${run.journeyId} v${run.version}`);
      return { effect: this.effectOf(workspaceId, run, node, context, context.pending.key, profile) };
    }
    const timeZone = zoneOr(profile?.timeZone, zoneOr(definition.settings?.timeZone, settings.defaultTimeZone ?? 'UTC'));
    for (let hop = 0; hop < maxHops; hop++) {
      const node = nodeById(definition, run.nodeId);
      if (node === undefined) throw new Error(`run ${run.id} stands on node "${run.nodeId}", which journey ${run.journeyId} v${run.version} does not have`);
      const arrived = !(run.status === 'waiting' && run.wakeAt !== null);
      const record = (status: 'done' | 'pending', detail: JsonObject, key = stepKey(run)): void => {
        steps.push({ runId: run.id, step: run.step, journeyId: run.journeyId, nodeId: node.id, kind: node.type, status, idempotencyKey: key, outcome: JSON.stringify(detail), at: now });
      };
      switch (node.type) {
        case 'wait':
        case 'wait_until': {
          if (arrived) {
            const wakeAt = node.type === 'wait' ? now + toMs(node.duration) : this.waitUntil(node, context, profile, timeZone, now);
            if (wakeAt === undefined) {
              // Waiting for a date the customer does not have (no birthday, no repurchase interval): nothing to wait for.
              record('done', { status: 'no_date', date: node.type === 'wait_until' ? (node.date ?? null) : null });
              this.exit(run, 'missing_date', now);
              save();
              return { done: true };
            }
            record('done', { until: new Date(wakeAt).toISOString() });
            if (wakeAt > now) {
              run.status = 'waiting';
              run.wakeAt = wakeAt;
              save();
              return { rescheduleAt: wakeAt };
            }
          } else if (run.wakeAt !== null && run.wakeAt > now) {
            return { rescheduleAt: run.wakeAt };
          }
          this.moveTo(run, node.next);
          continue;
        }
        case 'wait_event': {
          if (context.resumed !== undefined) {
            delete context.resumed;
            save();
            this.moveTo(run, node.next);
            continue;
          }
          if (arrived) {
            const wakeAt = now + toMs(node.timeout);
            record('done', { event: node.event, until: new Date(wakeAt).toISOString() });
            run.status = 'waiting';
            run.wakeAt = wakeAt;
            run.waitEvent = node.event;
            run.waitMatch = node.matchKey === undefined ? null : (keyValue(context.trigger.properties, node.matchKey) ?? null);
            save();
            return { rescheduleAt: wakeAt };
          }
          if (run.wakeAt !== null && run.wakeAt > now) return { rescheduleAt: run.wakeAt };
          this.moveTo(run, node.timeoutNext);
          continue;
        }
        case 'condition': {
          const verdict = profile !== undefined && holds(parseCondition(node.condition), profile, now);
          record('done', { result: verdict });
          this.moveTo(run, verdict ? node.yes : node.no);
          continue;
        }
        case 'split': {
          const branch = profile === undefined ? undefined : node.branches.find((candidate) => holds(parseCondition(candidate.condition), profile, now));
          record('done', { branch: branch?.name ?? 'otherwise' });
          this.moveTo(run, branch?.next ?? node.otherwise);
          continue;
        }
        case 'ab': {
          const arm = pickArm(node, run.profileId, run.journeyId);
          run.arm = `${node.id}:${arm?.name ?? 'holdout'}`;
          record('done', { arm: arm?.name ?? 'holdout' });
          if (arm === undefined) {
            this.exit(run, 'holdout', now);
            return { done: true };
          }
          this.moveTo(run, arm.next);
          continue;
        }
        case 'send':
        case 'webhook':
        case 'update_profile': {
          if (node.type === 'send') {
            const hold = this.sendHold(definition, timeZone, now);
            if (hold > now) {
              // Quiet hours or outside the send window: wait here until they end.
              run.status = 'waiting';
              run.wakeAt = hold;
              return { rescheduleAt: hold };
            }
            const skip = await this.sendSkip(trx, workspaceId, node.channel, run.profileId, definition, settings, now);
            if (skip !== undefined) {
              record('done', { status: 'skipped', reason: skip });
              sends.push({ idempotencyKey: stepKey(run), profileId: run.profileId, channel: node.channel, journeyId: run.journeyId, runId: run.id, nodeId: node.id, status: skip, sentAt: now });
              this.moveTo(run, node.next);
              continue;
            }
          }
          run.status = 'active';
          run.wakeAt = null;
          const key = stepKey(run);
          context.pending = { step: run.step, nodeId: node.id, key };
          save();
          record('pending', {}, key);
          if (node.type === 'send') {
            // In the ledger before it goes out, so frequency caps count sends in flight too;
            // with a cap on the channel at once (the next run of this round may be the same customer).
            const ledger = { idempotencyKey: key, profileId: run.profileId, channel: node.channel, journeyId: run.journeyId, runId: run.id, nodeId: node.id, status: 'pending', sentAt: now };
            if (capsChannel(settings, node.channel)) await activity.insertSends(trx, this.deps.database, workspaceId, [ledger]);
            else sends.push(ledger);
          }
          return { effect: this.effectOf(workspaceId, run, node, context, key, profile) };
        }
        case 'onsite': {
          // Like a send, but the "delivery" is a row the visitor endpoint reads on the next visit:
          // written in this round's transaction, so the step and its message commit together.
          if (this.deps.onsite === undefined) throw new Error('onsite nodes need the on-site queue; none is wired');
          const key = stepKey(run);
          await this.deps.onsite.enqueue({ workspaceId, profileId: profile?.id ?? run.profileId, campaignId: node.campaignId, journeyId: run.journeyId, key, expiresAfterDays: node.expiresAfterDays ?? 7 }, trx);
          record('done', { campaignId: node.campaignId }, key);
          this.moveTo(run, node.next);
          continue;
        }
        case 'list': {
          if (node.action === 'add') await activity.addListMember(trx, workspaceId, node.listId, profile?.id ?? run.profileId, now);
          else await activity.removeListMember(trx, workspaceId, node.listId, profile?.id ?? run.profileId);
          record('done', { action: node.action, listId: node.listId });
          this.moveTo(run, node.next);
          continue;
        }
        case 'exit': {
          record('done', {});
          run.status = 'completed';
          run.exitedAt = now;
          run.exitReason = 'completed';
          run.wakeAt = null;
          save();
          return { done: true };
        }
        default:
          return assertNever(node);
      }
    }
    throw new Error(`run ${run.id} took ${maxHops} steps without waiting; the journey has a loop without a wait`);
  }

  /**
   * What a journey would do for one profile from now, without doing it: each step with its
   * time. Conditions are evaluated on the profile as it is now; awaited events are assumed not
   * to happen unless named in `assumeEvents` (then they happen at once); nothing is sent.
   * @example const steps = await engine.dryRun('default', journeyId, profileId);
   */
  async dryRun(workspaceId: string, journeyId: string, profileId: string, options: { assumeEvents?: string[]; trigger?: JsonObject } = {}): Promise<DryRunStep[]> {
    const db = this.deps.database.db;
    const journey = await repo.findJourney(db, workspaceId, journeyId);
    if (journey === undefined) throw new RapportError('not_found', `no journey "${journeyId}"`);
    const definition = await this.definition(db, workspaceId, journeyId, journey.version);
    if (definition === undefined) throw new RapportError('not_found', `journey "${journeyId}" has no version ${journey.version}`);
    const start = this.clock.now();
    const profiles = await loadJourneyProfiles(db, workspaceId, [profileId], { conditions: definitionConditionsOf(definition), now: start });
    const profile = profiles.get(profileId);
    if (profile === undefined) throw new RapportError('not_found', `no profile "${profileId}"`);
    const settingsText = await activity.readJourneySettings(db, workspaceId);
    const settings = settingsText === undefined ? {} : parseWorkspaceSettings(JSON.parse(settingsText));
    const timeZone = zoneOr(profile.timeZone, zoneOr(definition.settings?.timeZone, settings.defaultTimeZone ?? 'UTC'));
    const context: RunContext = { trigger: { kind: 'dry_run', properties: options.trigger ?? {}, at: start } };
    const steps: DryRunStep[] = [];
    let at = start;
    let nodeId = definition.start;
    const say = (node: JourneyNode, detail: string): void => {
      steps.push({ at: new Date(at).toISOString(), nodeId: node.id, type: node.type, detail });
    };
    for (let hop = 0; hop < maxHops; hop++) {
      const node = nodeById(definition, nodeId);
      if (node === undefined) break;
      switch (node.type) {
        case 'wait':
          say(node, `wait ${node.duration.amount} ${node.duration.unit}`);
          at += toMs(node.duration);
          nodeId = node.next;
          continue;
        case 'wait_until': {
          const until = this.waitUntil(node, context, profile, timeZone, at);
          if (until === undefined) {
            say(node, `the date ${node.date ?? ''} is missing: leaves the journey`);
            return steps;
          }
          say(node, `wait until ${new Date(until).toISOString()} (${timeZone})`);
          at = until;
          nodeId = node.next;
          continue;
        }
        case 'wait_event': {
          const happens = options.assumeEvents?.includes(node.event) === true;
          say(node, happens ? `"${node.event}" happens` : `wait for "${node.event}" up to ${node.timeout.amount} ${node.timeout.unit}; it does not happen`);
          if (!happens) at += toMs(node.timeout);
          nodeId = happens ? node.next : node.timeoutNext;
          continue;
        }
        case 'condition': {
          const verdict = holds(parseCondition(node.condition), profile, at);
          say(node, `condition is ${verdict ? 'true' : 'false'}`);
          nodeId = verdict ? node.yes : node.no;
          continue;
        }
        case 'split': {
          const branch = node.branches.find((candidate) => holds(parseCondition(candidate.condition), profile, at));
          say(node, `branch ${branch?.name ?? 'otherwise'}`);
          nodeId = branch?.next ?? node.otherwise;
          continue;
        }
        case 'ab': {
          const arm = pickArm(node, profileId, journeyId);
          say(node, arm === undefined ? 'holdout: leaves the journey' : `arm ${arm.name}`);
          if (arm === undefined) return steps;
          nodeId = arm.next;
          continue;
        }
        case 'send': {
          const hold = this.sendHold(definition, timeZone, at);
          if (hold > at) {
            say(node, `held by quiet hours or the send window until ${new Date(hold).toISOString()} (${timeZone})`);
            at = hold;
          }
          const control = definition.settings?.useGlobalControl !== false && inGlobalControl(profileId, settings.globalControlPercent);
          say(node, control ? `skipped: in the global control group (${node.channel} ${node.templateId})` : `send ${node.channel} template ${node.templateId}${node.coupon === undefined ? '' : ` with a coupon from ${node.coupon.poolId}`}`);
          nodeId = node.next;
          continue;
        }
        case 'webhook':
          say(node, `POST ${node.url}`);
          nodeId = node.next;
          continue;
        case 'update_profile':
          say(node, `set traits ${Object.keys(node.traits).join(', ')}`);
          nodeId = node.next;
          continue;
        case 'onsite':
          say(node, `queue on-site campaign ${node.campaignId} for the next visit`);
          nodeId = node.next;
          continue;
        case 'list':
          say(node, `${node.action === 'add' ? 'add to' : 'remove from'} list ${node.listId}`);
          nodeId = node.next;
          continue;
        case 'exit':
          say(node, 'exit');
          return steps;
        default:
          return assertNever(node);
      }
    }
    return steps;
  }

  private moveTo(run: repo.StoredRun, nodeId: string): void {
    run.nodeId = nodeId;
    run.step += 1;
    run.status = 'active';
    run.wakeAt = null;
    run.waitEvent = null;
    run.waitMatch = null;
  }

  private exit(run: repo.StoredRun, reason: string, now: number): void {
    run.status = 'exited';
    run.exitReason = reason;
    run.exitedAt = now;
    run.wakeAt = null;
    run.waitEvent = null;
    run.waitMatch = null;
  }

  /** When a send may go out: after quiet hours and inside the send window, in the customer's zone. */
  private sendHold(definition: JourneyDefinition, timeZone: string, now: number): number {
    let at = now;
    const { quietHours, sendWindow } = definition.settings ?? {};
    // Two passes: leaving quiet hours may land outside the window and the reverse.
    for (let pass = 0; pass < 3; pass++) {
      const before = at;
      if (quietHours !== undefined) at = quietUntil(at, quietHours, timeZone);
      if (sendWindow !== undefined) at = nextInWindow(at, sendWindow, timeZone);
      if (at === before) break;
    }
    return at;
  }

  /** Why a send is skipped: the global control group or a frequency cap; undefined to send. */
  private async sendSkip(trx: Tx, workspaceId: string, channel: string, profileId: string, definition: JourneyDefinition, settings: JourneyWorkspaceSettings, now: number): Promise<string | undefined> {
    if (definition.settings?.useGlobalControl !== false && inGlobalControl(profileId, settings.globalControlPercent)) return 'control';
    if (definition.settings?.ignoreFrequencyCap === true) return undefined;
    const caps = settings.frequencyCaps;
    const cap = caps === undefined ? undefined : caps[channel as keyof typeof caps];
    if (cap === undefined) return undefined;
    if (cap.perDay !== undefined && (await activity.countSends(trx, workspaceId, profileId, channel, now - 86_400_000)) >= cap.perDay) return 'capped';
    if (cap.perWeek !== undefined && (await activity.countSends(trx, workspaceId, profileId, channel, now - 7 * 86_400_000)) >= cap.perWeek) return 'capped';
    return undefined;
  }

  /** When a wait_until ends; undefined when the date it names is missing or not a date. */
  private waitUntil(node: Extract<JourneyNode, { type: 'wait_until' }>, context: RunContext, profile: JourneyProfile | undefined, timeZone: string, now: number): number | undefined {
    let at = now;
    if (node.date !== undefined) {
      let value: unknown = node.date;
      if (node.date.startsWith('context.')) value = pathValue(context.trigger.properties, node.date.slice('context.'.length));
      else if (node.date.startsWith('trait.')) value = profile === undefined ? undefined : ownValue(profile.traits, node.date.slice('trait.'.length));
      const date = toTime(value);
      if (date === undefined) return undefined;
      at = Math.max(at, date);
    }
    if (node.time !== undefined) at = nextLocalTime(at, node.time, timeZone, node.days);
    return at;
  }

  private effectOf(workspaceId: string, run: repo.StoredRun, node: JourneyNode, context: RunContext, key: string, profile: JourneyProfile | undefined): Effect {
    const profileId = profile?.id ?? run.profileId;
    switch (node.type) {
      case 'send':
        return {
          kind: 'send',
          key,
          request: {
            workspaceId,
            profileId,
            channel: node.channel,
            templateId: node.templateId,
            idempotencyKey: key,
            ...(node.coupon === undefined ? {} : { coupon: node.coupon }),
            purpose: node.purpose ?? 'marketing',
            // `event`: the triggering event's properties, as templates read them (`event.product_id`, `event.products`).
            data: { event: { ...context.trigger.properties, event: context.trigger.event ?? null }, ...(node.data ?? {}), trigger: context.trigger, journey: { id: run.journeyId, runId: run.id, nodeId: node.id } },
            source: { kind: 'journey', id: run.journeyId, nodeId: node.id, ...(run.arm === null ? {} : { variant: run.arm }) },
          },
        };
      case 'webhook':
        return { kind: 'webhook', key, url: node.url, headers: node.headers ?? {}, body: { journeyId: run.journeyId, runId: run.id, nodeId: node.id, profileId, trigger: context.trigger } };
      case 'update_profile':
        return { kind: 'update_profile', key, profileId, traits: node.traits };
      default:
        throw new Error(`node "${node.id}" (${node.type}) has no side effect`);
    }
  }
}

/** The idempotency key of the run's current step: stable across re-runs of that step. */
function stepKey(run: repo.StoredRun): string {
  return `journey:${run.journeyId}:${run.id}:${run.step}`;
}

function capsChannel(settings: JourneyWorkspaceSettings, channel: string): boolean {
  const caps = settings.frequencyCaps;
  return caps !== undefined && caps[channel as keyof typeof caps] !== undefined;
}

function toMs(duration: Duration): number {
  return durationToMs(duration);
}

function parseContext(text: string): RunContext {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || !('trigger' in value)) return { trigger: { kind: 'unknown', properties: {}, at: 0 } };
  return value as RunContext;
}

function definitionConditionsOf(definition: JourneyDefinition): Condition[] {
  const result: Condition[] = [];
  for (const node of definition.nodes) {
    if (node.type === 'condition') result.push(parseCondition(node.condition));
    if (node.type === 'split') for (const branch of node.branches) result.push(parseCondition(branch.condition));
  }
  return result;
}

/**
 * The arm of an A/B/n split for a profile: a stable hash of (journey, node, profile) over the
 * weights, so a re-run or a restart picks the same arm. Undefined: the holdout.
 * @example pickArm(node, 'prf_1', 'jny_1')?.name // 'a', every time
 */
export function pickArm(node: Extract<JourneyNode, { type: 'ab' }>, profileId: string, journeyId: string): { name: string; next: string } | undefined {
  const total = node.arms.reduce((sum, arm) => sum + arm.weight, 0) + (node.holdout ?? 0);
  const point = ((fnv1a(`${journeyId}:${node.id}:${profileId}`) % 1_000_000) / 1_000_000) * total;
  let edge = 0;
  for (const arm of node.arms) {
    edge += arm.weight;
    if (point < edge) return arm;
  }
  return undefined;
}
