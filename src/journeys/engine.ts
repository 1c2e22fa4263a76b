import { Value } from '@sinclair/typebox/value';
import { DELIVERY_RETRY, deliveryVerdict, OutboundHttp, maskCredentials, type MessageSender } from '../channels/index.js';
import type { SecretBox } from '../shared/secret-box.js';
import { openHeaders } from './webhook-secrets.js';
import type { JsonObject } from '../ingest/index.js';
import type { Scheduler, Job, BatchOutcome } from '../scheduler/index.js';
import type { Condition } from '../segments/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { assertNever, RapportError } from '../shared/errors.js';
import { stableId } from '../shared/ids.js';
import type { Database, Tx } from '../storage/database.js';
import * as activity from './store/journeys-activity.js';
import * as repo from './store/journeys.js';
import { JourneyDefinitionSchema, type JourneyDefinition } from './definition.js';
import { loadJourneyProfiles, type JourneyProfile } from './journey-profile.js';
import { parseWorkspaceSettings, type JourneyWorkspaceSettings } from './workspace-settings.js';
import { advance, capOf, maxHops, type Advance, type AdvanceFacts, type SendCounts } from './models/advance.js';
import { compileJourney, type CompiledJourney } from './models/compiled.js';
import { dryRun, type DryRunStep } from './models/dry-run.js';
import type { Effect, EffectOutcome, JourneyRun, RunContext } from './models/run-state.js';

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

/** Writes an on-site message for a person's next visit, inside the journey round's transaction. */
export interface OnsiteQueueWriter {
  enqueue(request: { workspaceId: string; profileId: string; campaignId: string; journeyId: string; key: string; expiresAfterDays: number }, trx: Tx): Promise<void>;
}

export const RUN_JOB = 'journey.run';
export const runJobKey = (runId: string): string => `journey-run:${runId}`;

interface Loaded {
  journey: repo.StoredJourney;
  definition: JourneyDefinition;
}

/**
 * The journey engine: the imperative shell around `advance` (models/advance.ts), which holds
 * the journey rules. A run is one customer's way through one journey (one per journey, profile
 * and entry key, with a deterministic id). A scheduler job per run wakes it; each wake loads the
 * run's facts, lets `advance` take it through instant nodes (conditions, splits, list changes)
 * to the next wait, exit or side effect, and writes the answer. A side effect (send, webhook, profile update) is committed as a
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
  /** Compiled versions by workspace, journey and version: versions are immutable. */
  private readonly versions = new Map<string, CompiledJourney>();

  constructor(private readonly deps: EngineDeps) {
    this.clock = deps.clock ?? systemClock;
    this.outbound = deps.outbound ?? new OutboundHttp();
  }

  /** Registers the run handler with the scheduler. */
  register(): void {
    // A step that fails (a webhook answering 503, a send that throws) retries under the one delivery policy.
    this.deps.scheduler.registerBatch<{ runId: string }>(RUN_JOB, (jobs) => this.handleJobs(jobs), DELIVERY_RETRY);
  }

  /** The definition of one version. */
  async definition(db: Tx, workspaceId: string, journeyId: string, version: number): Promise<JourneyDefinition | undefined> {
    return (await this.compiled(db, workspaceId, journeyId, version))?.definition;
  }

  /** One version, compiled once (versions are immutable, so it is cached). */
  async compiled(db: Tx, workspaceId: string, journeyId: string, version: number): Promise<CompiledJourney | undefined> {
    const cacheKey = `${workspaceId}\u0000${journeyId}\u0000${version}`;
    const cached = this.versions.get(cacheKey);
    if (cached !== undefined) return cached;
    const text = await repo.findVersion(db, workspaceId, journeyId, version);
    if (text === undefined) return undefined;
    const parsed: unknown = JSON.parse(text);
    if (!Value.Check(JourneyDefinitionSchema, parsed)) throw new Error(`stored definition of journey ${journeyId} v${version} does not match the schema`);
    const compiled = compileJourney(parsed);
    this.versions.set(cacheKey, compiled);
    return compiled;
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
    const live =
      mode === 'reenter'
        ? new Set((await repo.liveRunsOfProfiles(tx, workspaceId, [...new Set(keyed.map((entrant) => entrant.profileId))])).filter((run) => run.journeyId === journey.id).map((run) => run.profileId))
        : new Set<string>();
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
   * (undefined: the run is finished or paused), or the error that stopped it. Each round is one
   * transaction of `advance` calls; the side effects they ask for are performed between rounds.
   */
  async processRuns(workspaceId: string, runIds: readonly string[]): Promise<Map<string, number | undefined | Error>> {
    const result = new Map<string, number | undefined | Error>();
    let work = [...new Set(runIds)];
    let outcomes = new Map<string, EffectOutcome>();
    const profiles = new Map<string, JourneyProfile | undefined>();
    for (let round = 0; work.length > 0 && round < maxHops; round++) {
      const effects = await this.deps.database.transaction((trx) => this.round(trx, workspaceId, { work, outcomes, profiles, result }));
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

  /** One round: loads the runs and their facts, advances each, writes what they did; returns the effects to perform. */
  private async round(trx: Tx, workspaceId: string, state: RoundState): Promise<Map<string, Effect>> {
    const { work, outcomes, result } = state;
    const now = this.clock.now();
    const runs = await repo.loadRuns(trx, workspaceId, work, { forUpdate: true });
    const facts = await this.roundFacts(trx, workspaceId, runs, state, now);
    const effects = new Map<string, Effect>();
    const writes: RoundWrites = { steps: [], sends: [], touched: [] };
    for (const runId of work) {
      const run = runs.get(runId);
      if (run === undefined) {
        result.set(runId, undefined);
        continue;
      }
      const compiled = facts.compiled.get(`${run.journeyId}\u0000${run.version}`);
      const journey = facts.journeys.get(run.journeyId);
      if (compiled === undefined || journey === undefined) {
        result.set(runId, new Error(`journey ${run.journeyId} v${run.version} no longer exists`));
        continue;
      }
      try {
        const sendCounts = facts.sendCounts.get(run.profileId) ?? noSends;
        const step = advance(
          run,
          compiled,
          { workspaceId, journeyStatus: journey.status, profile: state.profiles.get(run.profileId), settings: facts.settings, sendCounts, outcome: outcomes.get(run.id) },
          now,
        );
        Object.assign(run, step.run, { updatedAt: now });
        await this.record(trx, workspaceId, run, step, { now, settings: facts.settings, counts: facts.sendCounts }, writes);
        if ('effect' in step.next) effects.set(run.id, step.next.effect);
        else result.set(run.id, 'rescheduleAt' in step.next ? step.next.rescheduleAt : undefined);
      } catch (error) {
        result.set(run.id, error instanceof Error ? error : new Error(String(error)));
      }
    }
    await repo.saveRuns(trx, this.deps.database, workspaceId, writes.touched);
    await repo.writeSteps(trx, this.deps.database, workspaceId, writes.steps);
    await activity.insertSends(trx, this.deps.database, workspaceId, writes.sends);
    return effects;
  }

  /** What the round's runs need to advance: journeys, compiled versions, workspace settings, profiles (once per call) and capped send counts. */
  private async roundFacts(trx: Tx, workspaceId: string, runs: ReadonlyMap<string, repo.StoredRun>, state: RoundState, now: number): Promise<RoundFacts> {
    const journeys = new Map<string, repo.StoredJourney | undefined>();
    for (const journeyId of new Set([...runs.values()].map((run) => run.journeyId))) journeys.set(journeyId, await repo.findJourney(trx, workspaceId, journeyId));
    const settings = await this.workspaceSettings(trx, workspaceId);
    // Conditions of every version involved, so profiles load what they need once.
    const conditions: Condition[] = [];
    const compiled = new Map<string, CompiledJourney | undefined>();
    for (const run of runs.values()) {
      const key = `${run.journeyId}\u0000${run.version}`;
      if (compiled.has(key)) continue;
      const version = await this.compiled(trx, workspaceId, run.journeyId, run.version);
      compiled.set(key, version);
      if (version !== undefined) conditions.push(...version.allConditions);
    }
    const live = [...runs.values()].filter((run) => run.status === 'active' || run.status === 'waiting' || state.outcomes.has(run.id));
    // Profiles are read once per call: later rounds (after a send) reuse them.
    const missing = [...new Set(live.map((run) => run.profileId))].filter((id) => !state.profiles.has(id));
    if (missing.length > 0) {
      const loaded = await loadJourneyProfiles(trx, workspaceId, missing, { conditions, now });
      for (const id of missing) state.profiles.set(id, loaded.get(id));
    }
    const capped = [...runs.values()].filter((run) => compiled.get(`${run.journeyId}\u0000${run.version}`)?.definition.settings?.ignoreFrequencyCap !== true);
    const sendCounts = await loadSendCounts(trx, workspaceId, [...new Set(capped.map((run) => run.profileId))], settings, now);
    return { journeys, compiled, settings, sendCounts };
  }

  /** Writes what one advance did: its steps and sends (batched for the round), its list changes (now). */
  private async record(
    trx: Tx,
    workspaceId: string,
    run: repo.StoredRun,
    step: Advance,
    at: { now: number; settings: JourneyWorkspaceSettings; counts: Map<string, Map<string, { day: number; week: number }>> },
    writes: RoundWrites,
  ): Promise<void> {
    const { now } = at;
    for (const entry of step.steps) {
      writes.steps.push({
        runId: run.id,
        step: entry.step,
        journeyId: run.journeyId,
        nodeId: entry.nodeId,
        kind: entry.kind,
        status: entry.status,
        idempotencyKey: entry.key,
        outcome: JSON.stringify(entry.detail),
        at: now,
      });
    }
    for (const send of step.sends) {
      writes.sends.push({ idempotencyKey: send.key, profileId: run.profileId, channel: send.channel, journeyId: run.journeyId, runId: run.id, nodeId: send.nodeId, status: send.status, sentAt: now });
      // A send in flight counts against the cap at once: the next run of this round may be the same customer.
      if (send.status === 'pending' && capOf(at.settings, send.channel) !== undefined) countSend(at.counts, run.profileId, send.channel);
    }
    for (const change of step.lists) {
      if (change.action === 'add') await activity.addListMember(trx, workspaceId, change.listId, change.profileId, now);
      else await activity.removeListMember(trx, workspaceId, change.listId, change.profileId);
    }
    for (const message of step.onsite) {
      if (this.deps.onsite === undefined) throw new Error('onsite nodes need the on-site queue; none is wired');
      await this.deps.onsite.enqueue({ workspaceId, journeyId: run.journeyId, ...message }, trx);
    }
    writes.touched.push(run);
  }

  private async workspaceSettings(db: Tx, workspaceId: string): Promise<JourneyWorkspaceSettings> {
    const text = await activity.readJourneySettings(db, workspaceId);
    return text === undefined ? {} : parseWorkspaceSettings(JSON.parse(text));
  }

  /** Performs one side effect; throws when it should be retried (the job backs off). */
  private async perform(workspaceId: string, effect: Effect): Promise<EffectOutcome> {
    switch (effect.kind) {
      case 'send': {
        const sent = await this.deps.sender.send(effect.request);
        return {
          status: sent.status,
          detail: { messageId: sent.messageId, ...(sent.reason === undefined ? {} : { reason: sent.reason }), ...(sent.couponCode === undefined ? {} : { couponCode: sent.couponCode }) },
        };
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

  /**
   * What a journey would do for one profile from now, without doing it: each step with its
   * time, by the same `advance` a live run takes. Conditions are evaluated on the profile as it
   * is now; awaited events are assumed not to happen unless named in `assumeEvents` (then they
   * happen at once); nothing is sent, and frequency caps (which depend on other sends) are not applied.
   * @example const steps = await engine.dryRun('default', journeyId, profileId);
   */
  async dryRun(workspaceId: string, journeyId: string, profileId: string, options: { assumeEvents?: string[]; trigger?: JsonObject } = {}): Promise<DryRunStep[]> {
    const db = this.deps.database.db;
    const journey = await repo.findJourney(db, workspaceId, journeyId);
    if (journey === undefined) throw new RapportError('not_found', `no journey "${journeyId}"`);
    const compiled = await this.compiled(db, workspaceId, journeyId, journey.version);
    if (compiled === undefined) throw new RapportError('not_found', `journey "${journeyId}" has no version ${journey.version}`);
    const start = this.clock.now();
    const profiles = await loadJourneyProfiles(db, workspaceId, [profileId], { conditions: compiled.allConditions, now: start });
    const profile = profiles.get(profileId);
    if (profile === undefined) throw new RapportError('not_found', `no profile "${profileId}"`);
    const { frequencyCaps: _caps, ...settings } = await this.workspaceSettings(db, workspaceId);
    const context: RunContext = { trigger: { kind: 'dry_run', properties: options.trigger ?? {}, at: start } };
    const run: JourneyRun = {
      id: 'dry_run',
      journeyId,
      version: journey.version,
      profileId,
      status: 'active',
      nodeId: compiled.definition.start,
      step: 0,
      wakeAt: null,
      waitEvent: null,
      waitMatch: null,
      context: JSON.stringify(context),
      arm: null,
      exitedAt: null,
      exitReason: null,
    };
    const facts: AdvanceFacts = { workspaceId, journeyStatus: 'active', profile, settings, sendCounts: noSends };
    return dryRun(compiled, run, facts, start, options.assumeEvents === undefined ? {} : { assumeEvents: options.assumeEvents });
  }
}

/** A round's arguments: the runs to advance, the outcomes of the last round's effects, the profiles read so far, the answers so far. */
interface RoundState {
  work: readonly string[];
  outcomes: ReadonlyMap<string, EffectOutcome>;
  profiles: Map<string, JourneyProfile | undefined>;
  result: Map<string, number | undefined | Error>;
}

interface RoundFacts {
  journeys: Map<string, repo.StoredJourney | undefined>;
  compiled: Map<string, CompiledJourney | undefined>;
  settings: JourneyWorkspaceSettings;
  /** Per profile, per capped channel: sends over the last day and week. */
  sendCounts: Map<string, Map<string, { day: number; week: number }>>;
}

interface RoundWrites {
  steps: repo.StepRecord[];
  sends: activity.SendRecord[];
  touched: repo.StoredRun[];
}

const noSends: SendCounts = new Map();

/** The capped sends of each profile per capped channel, over the last day and week (two queries per capped channel). */
async function loadSendCounts(
  trx: Tx,
  workspaceId: string,
  profileIds: readonly string[],
  settings: JourneyWorkspaceSettings,
  now: number,
): Promise<Map<string, Map<string, { day: number; week: number }>>> {
  const counts = new Map<string, Map<string, { day: number; week: number }>>();
  const channels = Object.keys(settings.frequencyCaps ?? {}).filter((channel) => capOf(settings, channel) !== undefined);
  if (channels.length === 0 || profileIds.length === 0) return counts;
  for (const channel of channels) {
    const day = await activity.countSendsOf(trx, workspaceId, profileIds, channel, now - 86_400_000);
    const week = await activity.countSendsOf(trx, workspaceId, profileIds, channel, now - 7 * 86_400_000);
    for (const profileId of profileIds) {
      let perChannel = counts.get(profileId);
      if (perChannel === undefined) counts.set(profileId, (perChannel = new Map()));
      perChannel.set(channel, { day: day.get(profileId) ?? 0, week: week.get(profileId) ?? 0 });
    }
  }
  return counts;
}

function countSend(counts: Map<string, Map<string, { day: number; week: number }>>, profileId: string, channel: string): void {
  let perChannel = counts.get(profileId);
  if (perChannel === undefined) counts.set(profileId, (perChannel = new Map()));
  const current = perChannel.get(channel) ?? { day: 0, week: 0 };
  perChannel.set(channel, { day: current.day + 1, week: current.week + 1 });
}
