import type { MessageSender } from '../../channels/index.js';
import type { JsonObject } from '../../ingest/index.js';
import type { StoredRun } from '../store/journeys.js';
import type { CompiledJourney } from './compiled.js';
import { keyValue, matchesFilters } from '../event-match.js';

/** What a run carries from its entry: the trigger and its properties (cart id, product, ...). */
export interface RunContext {
  trigger: { kind: string; event?: string; messageId?: string; properties: JsonObject; at: number };
  /** A side effect committed but not yet known to be done (re-run after a crash). */
  pending?: { step: number; nodeId: string; key: string };
  /** Set by the event consumer when the awaited event arrived. */
  resumed?: { event: string; messageId: string; properties: JsonObject };
}

/** The request a send node hands to the message sender. */
export type SendRequest = Parameters<MessageSender['send']>[0];

/** A side effect a step performs outside the transaction, identified by its idempotency key. */
export type Effect =
  | { kind: 'send'; key: string; request: SendRequest }
  | { kind: 'webhook'; key: string; url: string; headers: Record<string, string>; body: JsonObject }
  | { kind: 'update_profile'; key: string; profileId: string; traits: JsonObject };

/** How a side effect ended, as the step log records it. */
export interface EffectOutcome {
  status: string;
  detail: JsonObject;
}

/**
 * The state of one run that the journey rules read and change: the stored run without what
 * only the shell writes (entry key, entry and update times). `context` is the stored JSON text.
 */
export type JourneyRun = Omit<StoredRun, 'entryKey' | 'enteredAt' | 'updatedAt'>;

/** The run leaves its node for `nodeId`: a new step, nothing awaited. */
export function moveTo(run: JourneyRun, nodeId: string): void {
  run.nodeId = nodeId;
  run.step += 1;
  run.status = 'active';
  run.wakeAt = null;
  run.waitEvent = null;
  run.waitMatch = null;
}

/** The run leaves the journey early (goal, exit rule, holdout, missing date, archived journey). */
export function exitRun(run: JourneyRun, reason: string, now: number): void {
  run.status = 'exited';
  run.exitReason = reason;
  run.exitedAt = now;
  run.wakeAt = null;
  run.waitEvent = null;
  run.waitMatch = null;
}

/** The awaited event arrived: the run wakes now and takes the event's branch on its next advance. */
export function resumeRun(run: JourneyRun, resumed: NonNullable<RunContext['resumed']>, now: number): void {
  const context = parseContext(run.context);
  context.resumed = resumed;
  run.context = JSON.stringify(context);
  run.status = 'active';
  run.wakeAt = now;
}

/** The idempotency key of the run's current step: stable across re-runs of that step. */
export function stepKey(run: Pick<JourneyRun, 'journeyId' | 'id' | 'step'>): string {
  return `journey:${run.journeyId}:${run.id}:${run.step}`;
}

/** The stored context; a context from before triggers were recorded reads as an unknown trigger. */
export function parseContext(text: string): RunContext {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || !('trigger' in value)) return { trigger: { kind: 'unknown', properties: {}, at: 0 } };
  return value as RunContext;
}

/** What an event of the customer means for one live run: its goal, an exit rule, the awaited event, or nothing. */
export type EventVerdict = { kind: 'goal' } | { kind: 'exit'; reason: string } | { kind: 'resume' } | undefined;

/**
 * The verdict of an event for a live run, in the order the rules apply: the goal first (a
 * conversion), then the exit rules, then the event the run waits for.
 * @example eventVerdict(run, compiled, { name: 'Order Completed', properties }, now) // { kind: 'goal' }
 */
export function eventVerdict(run: JourneyRun, journey: CompiledJourney, event: { name: string; properties: JsonObject }, now: number): EventVerdict {
  const { name, properties } = event;
  const settings = journey.definition.settings;
  const goal = settings?.goal;
  if (goal !== undefined && goal.event === name && matchesFilters(goal.where, properties, now) && sameKey(goal.matchKey, parseContext(run.context).trigger.properties, properties)) {
    return { kind: 'goal' };
  }
  const rule = settings?.exitOn?.find((candidate) => candidate.event === name && matchesFilters(candidate.where, properties, now));
  if (rule !== undefined) return { kind: 'exit', reason: `rule:${rule.event}` };
  if (run.status !== 'waiting' || run.waitEvent !== name) return undefined;
  const node = journey.nodes.get(run.nodeId);
  if (node?.type !== 'wait_event' || !matchesFilters(node.where, properties, now)) return undefined;
  if (run.waitMatch !== null && (node.matchKey === undefined || keyValue(properties, node.matchKey) !== run.waitMatch)) return undefined;
  return { kind: 'resume' };
}

/** A goal with a match key (cart_id) counts only for the same value as the entry event's. */
function sameKey(matchKey: string | undefined, entered: JsonObject, event: JsonObject): boolean {
  if (matchKey === undefined) return true;
  const expected = keyValue(entered, matchKey);
  return expected === undefined || keyValue(event, matchKey) === expected;
}
