import type { JsonObject } from '../../ingest/index.js';
import { evaluateCondition, pathValue, toTime } from '../../segments/index.js';
import { assertNever } from '../../shared/errors.js';
import { fnv1a } from '../../shared/ids.js';
import { ownValue } from '../../shared/own.js';
import { durationToMs, type JourneyNode } from '../definition.js';
import { keyValue } from '../event-match.js';
import type { JourneyProfile } from '../journey-profile.js';
import { nextInWindow, nextLocalTime, quietUntil, zoneOr } from '../local-time.js';
import { inGlobalControl, type JourneyWorkspaceSettings } from '../workspace-settings.js';
import type { CompiledJourney } from './compiled.js';
import { effectOf } from './effects.js';
import { exitRun, moveTo, parseContext, stepKey, type Effect, type EffectOutcome, type JourneyRun, type RunContext } from './run-state.js';

/*
 * The journey rules, once: `advance` takes a run, its compiled journey, what is known of the
 * customer and the workspace, and a time, and says where the run goes (its new state, the steps
 * it took, the sends and list changes to record) and what it waits for next: a time, a side
 * effect, or nothing (finished). It does no I/O. The engine applies its answer inside a
 * transaction (live runs); the dry run applies it to nothing and moves the clock itself.
 */

/** Transitions per advance: a guard against a definition bug looping (validation forbids cycles without waits). */
export const maxHops = 200;

/** Sends of one customer that count against a frequency cap, per channel: over the last day and week. */
export type SendCounts = ReadonlyMap<string, { day: number; week: number }>;

/** What `advance` knows besides the run: the journey's status, the customer, the workspace, an effect's outcome. */
export interface AdvanceFacts {
  workspaceId: string;
  journeyStatus: 'draft' | 'active' | 'paused' | 'archived';
  /** The customer as the run sees them (undefined: the profile is gone; conditions are false). */
  profile: JourneyProfile | undefined;
  settings: JourneyWorkspaceSettings;
  /** The run's customer's capped sends, per channel (empty: none, or no caps apply). */
  sendCounts: SendCounts;
  /** The outcome of the pending side effect, when it was just performed. */
  outcome?: EffectOutcome;
}

/** One step the run took: the step log's row, before its detail is stored as JSON. */
export interface StepEntry {
  step: number;
  nodeId: string;
  kind: JourneyNode['type'];
  status: 'pending' | 'done';
  key: string;
  detail: JsonObject;
  /** The step confirms a side effect performed earlier (its detail is the effect's outcome). */
  confirms?: true;
}

/** A row of the send ledger (frequency caps and reports read it). */
export interface SendEntry {
  key: string;
  channel: string;
  nodeId: string;
  status: string;
}

/** A change of a static list the run makes, applied in the same transaction. */
export interface ListChange {
  action: 'add' | 'remove';
  listId: string;
  profileId: string;
}

/** An on-site message queued for the customer's next visit, written in the same transaction. */
export interface OnsiteEntry {
  campaignId: string;
  profileId: string;
  /** The step's idempotency key: a run re-advanced after a crash queues the message once. */
  key: string;
  expiresAfterDays: number;
}

/** What the run waits for after this advance. */
export type Next = { effect: Effect } | { rescheduleAt: number } | { done: true };

export interface Advance {
  run: JourneyRun;
  steps: StepEntry[];
  sends: SendEntry[];
  lists: ListChange[];
  onsite: OnsiteEntry[];
  next: Next;
}

/** The advance in progress: the run (a copy), its parsed context and what was recorded so far. */
interface Walk extends Omit<Advance, 'next'> {
  context: RunContext;
  facts: AdvanceFacts;
  now: number;
}

function answer(walk: Walk, next: Next): Advance {
  return { run: walk.run, steps: walk.steps, sends: walk.sends, lists: walk.lists, onsite: walk.onsite, next };
}

/**
 * Moves a run as far as it goes at `now`: through instant nodes to the next wait, side effect
 * or exit. The input run is not changed.
 * @example const { run: next, next: wait } = advance(run, compileJourney(definition), facts, Date.now());
 */
export function advance(input: JourneyRun, journey: CompiledJourney, facts: AdvanceFacts, now: number): Advance {
  const run = { ...input };
  const walk: Walk = { run, steps: [], sends: [], lists: [], onsite: [], context: parseContext(run.context), facts, now };
  const terminal = run.status === 'completed' || run.status === 'exited';
  if (facts.outcome !== undefined && walk.context.pending !== undefined) confirmPending(walk, journey, facts.outcome, terminal);
  if (terminal) return answer(walk, { done: true });
  if (facts.journeyStatus === 'archived') {
    exitRun(run, 'archived', now);
    return answer(walk, { done: true });
  }
  if (facts.journeyStatus === 'paused' || facts.journeyStatus === 'draft') {
    run.status = 'paused';
    return answer(walk, { done: true });
  }
  const pending = walk.context.pending;
  if (pending !== undefined) {
    // Committed before a crash, never confirmed: perform it again under the same key.
    const node = journey.nodes.get(pending.nodeId);
    if (node === undefined) throw new Error(`node ${pending.nodeId} vanished from journey ${run.journeyId} v${run.version}`);
    return answer(walk, { effect: effectOf(facts.workspaceId, run, node, walk.context, pending.key, facts.profile) });
  }
  const timeZone = timeZoneOf(facts.profile, journey, facts.settings);
  for (let hop = 0; hop < maxHops; hop++) {
    const node = journey.nodes.get(run.nodeId);
    if (node === undefined) throw new Error(`run ${run.id} stands on node "${run.nodeId}", which journey ${run.journeyId} v${run.version} does not have`);
    const next = visit(walk, journey, node, timeZone);
    if (next !== undefined) return answer(walk, next);
  }
  throw new Error(`run ${run.id} took ${maxHops} steps without waiting; the journey has a loop without a wait`);
}

/** The effect of the pending step is done: record it, then move on (unless the run left meanwhile). */
function confirmPending(walk: Walk, journey: CompiledJourney, outcome: EffectOutcome, terminal: boolean): void {
  const { run, context } = walk;
  const pending = context.pending;
  if (pending === undefined) return;
  const node = journey.nodes.get(pending.nodeId);
  walk.steps.push({ step: pending.step, nodeId: pending.nodeId, kind: node?.type ?? 'send', status: 'done', key: pending.key, detail: outcome as unknown as JsonObject, confirms: true });
  if (node?.type === 'send') walk.sends.push({ key: pending.key, channel: node.channel, nodeId: node.id, status: outcome.status });
  delete context.pending;
  save(walk);
  if (!terminal && node !== undefined && node.type !== 'exit' && 'next' in node) moveTo(run, node.next);
}

/** The run's context as stored text; written only when it changed, so a stored context stays byte for byte. */
function save(walk: Walk): void {
  walk.run.context = JSON.stringify(walk.context);
}

function record(walk: Walk, node: JourneyNode, status: 'done' | 'pending', detail: JsonObject, key = stepKey(walk.run)): void {
  walk.steps.push({ step: walk.run.step, nodeId: node.id, kind: node.type, status, key, detail });
}

/** One node: undefined to go on to the run's next node, or what the run waits for. */
function visit(walk: Walk, journey: CompiledJourney, node: JourneyNode, timeZone: string): Next | undefined {
  const { run, facts, now } = walk;
  switch (node.type) {
    case 'wait':
    case 'wait_until':
      return visitWait(walk, node, timeZone);
    case 'wait_event':
      return visitWaitEvent(walk, node);
    case 'condition': {
      const condition = journey.conditions.get(node.id);
      const verdict = facts.profile !== undefined && condition !== undefined && evaluateCondition(condition, facts.profile.subject, now);
      record(walk, node, 'done', { result: verdict });
      moveTo(run, verdict ? node.yes : node.no);
      return undefined;
    }
    case 'split': {
      const profile = facts.profile;
      const conditions = journey.branches.get(node.id) ?? [];
      const branch = profile === undefined ? undefined : node.branches.find((_, index) => conditions[index] !== undefined && evaluateCondition(conditions[index], profile.subject, now));
      record(walk, node, 'done', { branch: branch?.name ?? 'otherwise' });
      moveTo(run, branch?.next ?? node.otherwise);
      return undefined;
    }
    case 'ab': {
      const arm = pickArm(node, run.profileId, run.journeyId);
      run.arm = `${node.id}:${arm?.name ?? 'holdout'}`;
      record(walk, node, 'done', { arm: arm?.name ?? 'holdout' });
      if (arm !== undefined) {
        moveTo(run, arm.next);
        return undefined;
      }
      exitRun(run, 'holdout', now);
      return { done: true };
    }
    case 'send':
    case 'webhook':
    case 'update_profile':
      return visitEffect(walk, journey, node, timeZone);
    case 'list':
      walk.lists.push({ action: node.action, listId: node.listId, profileId: facts.profile?.id ?? run.profileId });
      record(walk, node, 'done', { action: node.action, listId: node.listId });
      moveTo(run, node.next);
      return undefined;
    case 'onsite': {
      // Like a send, but the "delivery" is a row the visitor endpoint reads on the next visit,
      // written in the round's transaction: the step and its message commit together.
      const key = stepKey(run);
      walk.onsite.push({ campaignId: node.campaignId, profileId: facts.profile?.id ?? run.profileId, key, expiresAfterDays: node.expiresAfterDays ?? 7 });
      record(walk, node, 'done', { campaignId: node.campaignId }, key);
      moveTo(run, node.next);
      return undefined;
    }
    case 'exit':
      record(walk, node, 'done', {});
      run.status = 'completed';
      run.exitedAt = now;
      run.exitReason = 'completed';
      run.wakeAt = null;
      save(walk);
      return { done: true };
    default:
      return assertNever(node);
  }
}

/** A timed wait: on arrival it sets the wake time (or leaves, when the date it needs is missing); on waking it moves on. */
function visitWait(walk: Walk, node: Extract<JourneyNode, { type: 'wait' | 'wait_until' }>, timeZone: string): Next | undefined {
  const { run, now } = walk;
  const arrived = !(run.status === 'waiting' && run.wakeAt !== null);
  if (arrived) {
    const wakeAt = node.type === 'wait' ? now + durationToMs(node.duration) : waitUntil(node, walk.context, walk.facts.profile, timeZone, now);
    if (wakeAt === undefined) {
      // Waiting for a date the customer does not have (no birthday, no repurchase interval): nothing to wait for.
      record(walk, node, 'done', { status: 'no_date', date: node.type === 'wait_until' ? (node.date ?? null) : null });
      exitRun(run, 'missing_date', now);
      save(walk);
      return { done: true };
    }
    record(walk, node, 'done', { until: new Date(wakeAt).toISOString() });
    if (wakeAt > now) {
      run.status = 'waiting';
      run.wakeAt = wakeAt;
      save(walk);
      return { rescheduleAt: wakeAt };
    }
  } else if (run.wakeAt !== null && run.wakeAt > now) {
    return { rescheduleAt: run.wakeAt };
  }
  moveTo(run, node.next);
  return undefined;
}

/** Waiting for an event: resumed by the consumer (the event came), or timed out. */
function visitWaitEvent(walk: Walk, node: Extract<JourneyNode, { type: 'wait_event' }>): Next | undefined {
  const { run, context, now } = walk;
  if (context.resumed !== undefined) {
    delete context.resumed;
    save(walk);
    moveTo(run, node.next);
    return undefined;
  }
  if (!(run.status === 'waiting' && run.wakeAt !== null)) {
    const wakeAt = now + durationToMs(node.timeout);
    record(walk, node, 'done', { event: node.event, until: new Date(wakeAt).toISOString() });
    run.status = 'waiting';
    run.wakeAt = wakeAt;
    run.waitEvent = node.event;
    run.waitMatch = node.matchKey === undefined ? null : (keyValue(context.trigger.properties, node.matchKey) ?? null);
    save(walk);
    return { rescheduleAt: wakeAt };
  }
  if (run.wakeAt > now) return { rescheduleAt: run.wakeAt };
  moveTo(run, node.timeoutNext);
  return undefined;
}

/**
 * A side effect: a send first waits out quiet hours and the send window, and is skipped for the
 * global control group or a frequency cap; otherwise the step is committed as pending with its
 * idempotency key and the effect is handed to the shell.
 */
function visitEffect(walk: Walk, journey: CompiledJourney, node: Extract<JourneyNode, { type: 'send' | 'webhook' | 'update_profile' }>, timeZone: string): Next | undefined {
  const { run, facts, now, context } = walk;
  if (node.type === 'send') {
    const hold = sendHold(journey, timeZone, now);
    if (hold > now) {
      // Quiet hours or outside the send window: wait here until they end.
      run.status = 'waiting';
      run.wakeAt = hold;
      return { rescheduleAt: hold };
    }
    const skip = sendSkip(node.channel, run.profileId, journey, facts);
    if (skip !== undefined) {
      record(walk, node, 'done', { status: 'skipped', reason: skip });
      walk.sends.push({ key: stepKey(run), channel: node.channel, nodeId: node.id, status: skip });
      moveTo(run, node.next);
      return undefined;
    }
  }
  run.status = 'active';
  run.wakeAt = null;
  const key = stepKey(run);
  context.pending = { step: run.step, nodeId: node.id, key };
  save(walk);
  record(walk, node, 'pending', {}, key);
  // In the ledger before it goes out, so frequency caps count sends in flight too.
  if (node.type === 'send') walk.sends.push({ key, channel: node.channel, nodeId: node.id, status: 'pending' });
  return { effect: effectOf(facts.workspaceId, run, node, context, key, facts.profile) };
}

/** The zone a run's local times are in: the customer's, else the journey's, else the workspace default. */
export function timeZoneOf(profile: JourneyProfile | undefined, journey: CompiledJourney, settings: JourneyWorkspaceSettings): string {
  return zoneOr(profile?.timeZone, zoneOr(journey.definition.settings?.timeZone, settings.defaultTimeZone ?? 'UTC'));
}

/** When a send may go out: after quiet hours and inside the send window, in the customer's zone. */
function sendHold(journey: CompiledJourney, timeZone: string, now: number): number {
  let at = now;
  const { quietHours, sendWindow } = journey.definition.settings ?? {};
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
function sendSkip(channel: string, profileId: string, journey: CompiledJourney, facts: AdvanceFacts): string | undefined {
  const settings = journey.definition.settings;
  if (settings?.useGlobalControl !== false && inGlobalControl(profileId, facts.settings.globalControlPercent)) return 'control';
  if (settings?.ignoreFrequencyCap === true) return undefined;
  const cap = capOf(facts.settings, channel);
  if (cap === undefined) return undefined;
  const counts = facts.sendCounts.get(channel) ?? { day: 0, week: 0 };
  if (cap.perDay !== undefined && counts.day >= cap.perDay) return 'capped';
  if (cap.perWeek !== undefined && counts.week >= cap.perWeek) return 'capped';
  return undefined;
}

/** The workspace's frequency cap of a channel, if any. */
export function capOf(settings: JourneyWorkspaceSettings, channel: string): { perDay?: number; perWeek?: number } | undefined {
  const caps = settings.frequencyCaps;
  return caps === undefined ? undefined : caps[channel as keyof typeof caps];
}

/** When a wait_until ends; undefined when the date it names is missing or not a date. */
function waitUntil(node: Extract<JourneyNode, { type: 'wait_until' }>, context: RunContext, profile: JourneyProfile | undefined, timeZone: string, now: number): number | undefined {
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
