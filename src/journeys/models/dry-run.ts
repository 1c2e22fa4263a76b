import type { JsonObject } from '../../ingest/index.js';
import type { JourneyNode } from '../definition.js';
import { advance, maxHops, timeZoneOf, type AdvanceFacts, type StepEntry } from './advance.js';
import type { CompiledJourney } from './compiled.js';
import { resumeRun, type JourneyRun } from './run-state.js';

/** One step of a dry run. */
export interface DryRunStep {
  at: string;
  nodeId: string;
  type: JourneyNode['type'];
  detail: string;
}

/** What a dry run assumes: the events that happen (at once) while the run waits for them; nothing else does. */
export interface DryRunAssumptions {
  assumeEvents?: readonly string[];
}

/**
 * What a journey would do for one customer from `start`, by the same `advance` a live run
 * takes: each wait is skipped to its end, each side effect counts as done, an awaited event
 * happens at once when assumed and otherwise times out.
 * @example dryRun(compiled, run, facts, Date.now(), { assumeEvents: ['Order Completed'] })
 */
export function dryRun(journey: CompiledJourney, start: JourneyRun, facts: AdvanceFacts, startAt: number, assumptions: DryRunAssumptions = {}): DryRunStep[] {
  const timeZone = timeZoneOf(facts.profile, journey, facts.settings);
  const steps: DryRunStep[] = [];
  let run = start;
  let at = startAt;
  let outcome: AdvanceFacts['outcome'];
  while (steps.length < maxHops) {
    const result = advance(run, journey, outcome === undefined ? facts : { ...facts, outcome }, at);
    outcome = undefined;
    run = result.run;
    for (const step of result.steps) {
      const node = journey.nodes.get(step.nodeId);
      if (node !== undefined && step.confirms !== true) steps.push({ at: new Date(at).toISOString(), nodeId: node.id, type: node.type, detail: describe(node, step, timeZone, assumptions) });
    }
    const next = result.next;
    if ('done' in next) return steps;
    if ('effect' in next) {
      outcome = { status: 'dry_run', detail: {} };
      continue;
    }
    const node = journey.nodes.get(run.nodeId);
    if (node?.type === 'send')
      steps.push({
        at: new Date(at).toISOString(),
        nodeId: node.id,
        type: node.type,
        detail: `held by quiet hours or the send window until ${new Date(next.rescheduleAt).toISOString()} (${timeZone})`,
      });
    if (node?.type === 'wait_event' && assumptions.assumeEvents?.includes(node.event) === true) {
      resumeRun(run, { event: node.event, messageId: 'dry_run', properties: {} }, at);
      continue;
    }
    at = next.rescheduleAt;
  }
  return steps;
}

/** A step as the dry run tells it. */
function describe(node: JourneyNode, step: StepEntry, timeZone: string, assumptions: DryRunAssumptions): string {
  const detail = step.detail;
  switch (node.type) {
    case 'wait':
      return `wait ${node.duration.amount} ${node.duration.unit}`;
    case 'wait_until':
      return detail.status === 'no_date' ? `the date ${node.date ?? ''} is missing: leaves the journey` : `wait until ${String(detail.until)} (${timeZone})`;
    case 'wait_event':
      return assumptions.assumeEvents?.includes(node.event) === true ? `"${node.event}" happens` : `wait for "${node.event}" up to ${node.timeout.amount} ${node.timeout.unit}; it does not happen`;
    case 'condition':
      return `condition is ${detail.result === true ? 'true' : 'false'}`;
    case 'split':
      return `branch ${String(detail.branch)}`;
    case 'ab':
      return detail.arm === 'holdout' ? 'holdout: leaves the journey' : `arm ${String(detail.arm)}`;
    case 'send':
      return describeSend(node, detail);
    case 'webhook':
      return `POST ${node.url}`;
    case 'update_profile':
      return `set traits ${Object.keys(node.traits).join(', ')}`;
    case 'list':
      return `${node.action === 'add' ? 'add to' : 'remove from'} list ${node.listId}`;
    case 'onsite':
      return `queue on-site campaign ${node.campaignId} for the next visit`;
    case 'exit':
      return 'exit';
  }
}

function describeSend(node: Extract<JourneyNode, { type: 'send' }>, detail: JsonObject): string {
  if (detail.status === 'skipped') {
    return detail.reason === 'control' ? `skipped: in the global control group (${node.channel} ${node.templateId})` : `skipped: ${String(detail.reason)} (${node.channel} ${node.templateId})`;
  }
  return `send ${node.channel} template ${node.templateId}${node.coupon === undefined ? '' : ` with a coupon from ${node.coupon.poolId}`}`;
}
