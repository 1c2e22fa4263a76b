import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConditionSchema, parseCondition, PropertyFilterSchema } from '../segments/index.js';
import { ChannelNameSchema } from '../shared/channel.js';
import { RapportError, type FieldIssue } from '../shared/errors.js';
import { isTimeZone, parseClock } from './local-time.js';

/*
 * A journey definition: one typed tree shared by the admin API, the engine and the dashboard.
 * A trigger says who enters; nodes form a graph from `start`; settings hold entry rules, the
 * exit goal, quiet hours, the send window and the priority.
 */

const strict = { additionalProperties: false } as const;
const Id = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$' });
const Clock = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'Local time of day, HH:MM' });
const Weekdays = Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { minItems: 1, maxItems: 7, description: '0 = Sunday … 6 = Saturday' });
export const DurationUnitSchema = Type.Union([Type.Literal('seconds'), Type.Literal('minutes'), Type.Literal('hours'), Type.Literal('days'), Type.Literal('weeks')]);
export const DurationSchema = Type.Object({ amount: Type.Integer({ minimum: 1, maximum: 100_000 }), unit: DurationUnitSchema }, strict);
export type Duration = Static<typeof DurationSchema>;

const unitMs: Readonly<Record<Duration['unit'], number>> = { seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 604_800_000 };

/** @example durationToMs({ amount: 2, unit: 'hours' }) // 7200000 */
export function durationToMs(duration: Duration): number {
  return duration.amount * unitMs[duration.unit];
}
const Filters = Type.Optional(Type.Array(PropertyFilterSchema, { maxItems: 20, description: 'Every filter must hold on the event properties' }));
const PropertyPath = Type.String({ minLength: 1, maxLength: 200, description: 'An event property, dotted for nested ones (cart_id, order.id)' });

export const TriggerSchema = Type.Union(
  [
    Type.Object(
      {
        type: Type.Literal('event'),
        event: Type.String({ minLength: 1, maxLength: 200 }),
        where: Filters,
        entryKey: Type.Optional(Type.Union([PropertyPath], { description: 'Property whose value keys the run (e.g. cart_id): one run per cart' })),
      },
      strict,
    ),
    Type.Object({ type: Type.Literal('segment'), segmentId: Type.String({ minLength: 1 }), on: Type.Union([Type.Literal('entered'), Type.Literal('exited')]) }, strict),
    Type.Object(
      {
        type: Type.Literal('date'),
        source: Type.Union([Type.Literal('trait'), Type.Literal('first_seen'), Type.Literal('first_order')], {
          description: 'trait: a date trait (birthday, subscription_renewal); first_seen: signup anniversary; first_order: first-order anniversary',
        }),
        trait: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        offsetDays: Type.Optional(Type.Integer({ minimum: -60, maximum: 60, description: '-7: a week before the date' })),
        at: Type.Optional(Clock),
      },
      strict,
    ),
    Type.Object(
      {
        type: Type.Literal('catalog'),
        event: Type.Union([Type.Literal('Price Dropped'), Type.Literal('Back In Stock')]),
        interest: Type.Array(Type.Union([Type.Literal('viewed'), Type.Literal('carted'), Type.Literal('wishlisted')]), { minItems: 1, maxItems: 3 }),
        withinDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'Interest newer than this; default 30' })),
        minDropPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
      },
      strict,
    ),
    Type.Object(
      {
        type: Type.Literal('schedule'),
        at: Type.String({ minLength: 4, description: 'ISO-8601 instant of the (first) run' }),
        every: Type.Optional(DurationSchema),
        until: Type.Optional(Type.String({ minLength: 4 })),
        audience: Type.Optional(ConditionSchema),
      },
      strict,
    ),
    Type.Object({ type: Type.Literal('api') }, strict),
  ],
  { $id: 'JourneyTrigger' },
);
/** @public The type of the schema above, by the same name (a concept's schema and type travel together). */
export type Trigger = Static<typeof TriggerSchema>;

const Next = Type.String({ minLength: 1, maxLength: 100, description: 'Id of the next node' });

export const NodeSchema = Type.Union(
  [
    Type.Object({ id: Id, type: Type.Literal('wait'), duration: DurationSchema, next: Next }, strict),
    Type.Object(
      {
        id: Id,
        type: Type.Literal('wait_until'),
        date: Type.Optional(Type.String({ minLength: 1, description: 'ISO date-time, or `context.<path>` / `trait.<name>` holding one' })),
        time: Type.Optional(Clock),
        days: Type.Optional(Weekdays),
        next: Next,
      },
      strict,
    ),
    Type.Object(
      {
        id: Id,
        type: Type.Literal('wait_event'),
        event: Type.String({ minLength: 1, maxLength: 200 }),
        where: Filters,
        matchKey: Type.Optional(PropertyPath),
        timeout: DurationSchema,
        next: Next,
        timeoutNext: Next,
      },
      strict,
    ),
    Type.Object({ id: Id, type: Type.Literal('condition'), condition: ConditionSchema, yes: Next, no: Next }, strict),
    Type.Object(
      {
        id: Id,
        type: Type.Literal('split'),
        branches: Type.Array(Type.Object({ name: Type.String({ minLength: 1 }), condition: ConditionSchema, next: Next }, strict), { minItems: 1, maxItems: 20 }),
        otherwise: Next,
      },
      strict,
    ),
    Type.Object(
      {
        id: Id,
        type: Type.Literal('ab'),
        arms: Type.Array(Type.Object({ name: Type.String({ minLength: 1 }), weight: Type.Number({ exclusiveMinimum: 0 }), next: Next }, strict), { minItems: 1, maxItems: 10 }),
        holdout: Type.Optional(Type.Number({ minimum: 0, description: 'Weight of the holdout arm: its customers leave the journey here' })),
      },
      strict,
    ),
    Type.Object(
      {
        id: Id,
        type: Type.Literal('send'),
        channel: ChannelNameSchema,
        templateId: Type.String({ minLength: 1 }),
        coupon: Type.Optional(Type.Object({ poolId: Type.String({ minLength: 1 }) }, strict)),
        purpose: Type.Optional(Type.Union([Type.Literal('marketing'), Type.Literal('transactional')])),
        data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        next: Next,
      },
      strict,
    ),
    Type.Object({ id: Id, type: Type.Literal('update_profile'), traits: Type.Record(Type.String({ minLength: 1 }), Type.Unknown()), next: Next }, strict),
    Type.Object(
      {
        id: Id,
        type: Type.Literal('webhook'),
        url: Type.String({ pattern: '^https?://' }),
        headers: Type.Optional(Type.Record(Type.String(), Type.String())),
        next: Next,
      },
      strict,
    ),
    Type.Object(
      {
        id: Id,
        type: Type.Literal('onsite'),
        campaignId: Type.String({ minLength: 1, maxLength: 120, description: 'The on-site campaign (message or banner) shown on the next visit' }),
        expiresAfterDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, description: 'Dropped if the person does not visit within this many days (default 7)' })),
        next: Next,
      },
      strict,
    ),
    Type.Object({ id: Id, type: Type.Literal('list'), action: Type.Union([Type.Literal('add'), Type.Literal('remove')]), listId: Type.String({ minLength: 1 }), next: Next }, strict),
    Type.Object({ id: Id, type: Type.Literal('exit') }, strict),
  ],
  { $id: 'JourneyNode' },
);
export type JourneyNode = Static<typeof NodeSchema>;
export type NodeType = JourneyNode['type'];

export const JourneySettingsSchema = Type.Object(
  {
    entry: Type.Optional(
      Type.Object(
        {
          mode: Type.Union([Type.Literal('once'), Type.Literal('once_per_key'), Type.Literal('reenter')]),
          reenterAfterDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
        },
        strict,
      ),
    ),
    goal: Type.Optional(
      Type.Object(
        { event: Type.String({ minLength: 1 }), where: Filters, matchKey: Type.Optional(PropertyPath) },
        { ...strict, description: 'Reaching it removes the customer at once and counts a conversion (matchKey: same cart_id as the entry event)' },
      ),
    ),
    exitOn: Type.Optional(Type.Array(Type.Object({ event: Type.String({ minLength: 1 }), where: Filters }, strict), { maxItems: 10, description: 'Events that remove the customer (exited by rule)' })),
    conversionWindowDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'Orders this long after entry count as conversions; default 7' })),
    quietHours: Type.Optional(Type.Object({ start: Clock, end: Clock }, strict)),
    sendWindow: Type.Optional(Type.Object({ from: Clock, to: Clock, days: Type.Optional(Weekdays) }, strict)),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: 'Higher first when steps are due together; default 50' })),
    ignoreFrequencyCap: Type.Optional(Type.Boolean()),
    useGlobalControl: Type.Optional(Type.Boolean({ description: 'Customers in the workspace control group receive nothing; default true' })),
    timeZone: Type.Optional(Type.String({ description: 'Used when the customer has no timezone trait; default the workspace setting' })),
  },
  { ...strict, $id: 'JourneySettings' },
);
/** @public The type of the schema above, by the same name (a concept's schema and type travel together). */
export type JourneySettings = Static<typeof JourneySettingsSchema>;

export const JourneyDefinitionSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    trigger: TriggerSchema,
    start: Next,
    nodes: Type.Array(NodeSchema, { minItems: 1, maxItems: 500 }),
    settings: Type.Optional(JourneySettingsSchema),
  },
  { ...strict, $id: 'JourneyDefinition' },
);
export type JourneyDefinition = Static<typeof JourneyDefinitionSchema>;

/** Nodes that stop a run until time passes (so a cycle through one is not a busy loop). */
export const waitTypes: ReadonlySet<NodeType> = new Set<NodeType>(['wait', 'wait_until', 'wait_event']);

/** The ids a node leads to. */
export function successors(node: JourneyNode): string[] {
  switch (node.type) {
    case 'condition':
      return [node.yes, node.no];
    case 'split':
      return [...node.branches.map((branch) => branch.next), node.otherwise];
    case 'ab':
      return node.arms.map((arm) => arm.next);
    case 'wait_event':
      return [node.next, node.timeoutNext];
    case 'exit':
      return [];
    default:
      return [node.next];
  }
}

/** Conditions a node holds, with their paths (for validation and for what a journey reads). */
function conditionsOf(node: JourneyNode, base: string): { condition: unknown; path: string }[] {
  if (node.type === 'condition') return [{ condition: node.condition, path: `${base}.condition` }];
  if (node.type === 'split') return node.branches.map((branch, index) => ({ condition: branch.condition, path: `${base}.branches[${index}].condition` }));
  return [];
}

/** The conditions of a node not yet known to be valid, with their paths. */
function conditionCandidates(node: object): { condition: unknown; path: string }[] {
  if ('condition' in node) return [{ condition: node.condition, path: '.condition' }];
  if ('branches' in node && Array.isArray(node.branches)) {
    return node.branches.flatMap((branch: unknown, index: number) =>
      typeof branch === 'object' && branch !== null && 'condition' in branch ? [{ condition: branch.condition, path: `.branches[${index}].condition` }] : [],
    );
  }
  return [];
}

/** Checks templates exist; returns the ids that do not. */
export type TemplateCheck = (workspaceId: string, templateIds: string[]) => Promise<string[]>;

function issue(field: string, rule: string, message: string): FieldIssue {
  return { field, rule, message };
}

/** What the schema cannot say about the trigger and the settings: instants, audiences, time zone, send window, entry keys. */
function triggerAndSettingsIssues(definition: JourneyDefinition): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const { trigger, settings } = definition;
  if (trigger.type === 'date' && trigger.source === 'trait' && trigger.trait === undefined) {
    issues.push(issue('trigger.trait', 'required', 'a date trigger with source "trait" needs the trait name (e.g. birthday)'));
  }
  if (trigger.type === 'schedule') {
    if (!Number.isFinite(Date.parse(trigger.at))) issues.push(issue('trigger.at', 'format', `${JSON.stringify(trigger.at)} is not an ISO-8601 instant`));
    if (trigger.until !== undefined && !Number.isFinite(Date.parse(trigger.until))) issues.push(issue('trigger.until', 'format', `${JSON.stringify(trigger.until)} is not an ISO-8601 instant`));
    if (trigger.audience !== undefined) {
      try {
        parseCondition(trigger.audience);
      } catch (error) {
        issues.push(issue('trigger.audience', 'condition', error instanceof Error ? error.message : String(error)));
      }
    }
  }
  if (settings?.timeZone !== undefined && !isTimeZone(settings.timeZone)) {
    issues.push(issue('settings.timeZone', 'timezone', `"${settings.timeZone}" is not an IANA time zone such as Europe/Paris`));
  }
  if (settings?.sendWindow !== undefined && parseClock(settings.sendWindow.from) === parseClock(settings.sendWindow.to)) {
    issues.push(issue('settings.sendWindow', 'window', 'the send window is empty: from equals to'));
  }
  if (settings?.entry?.mode === 'once_per_key' && trigger.type === 'event' && trigger.entryKey === undefined) {
    issues.push(issue('settings.entry.mode', 'entry', 'once_per_key needs trigger.entryKey (e.g. cart_id) to know the key'));
  }
  return issues;
}

/**
 * Validates a definition: its shape, then the graph (unknown and duplicate node ids,
 * unreachable nodes, cycles without a wait), time zones and windows, conditions, and, when
 * given `templates`, that every send's template exists. Every issue names the node.
 * @example const definition = await parseDefinition(body, 'default', templates);
 */
export async function parseDefinition(input: unknown, workspaceId?: string, templates?: TemplateCheck): Promise<JourneyDefinition> {
  const shapeIssues: FieldIssue[] = [];
  if (typeof input === 'object' && input !== null && 'nodes' in input && Array.isArray(input.nodes)) {
    // Name the node in shape errors: nodes[3] (id "reminder").
    input.nodes.forEach((node: unknown, index: number) => {
      if (Value.Check(NodeSchema, node)) return;
      const nodeId = typeof node === 'object' && node !== null && 'id' in node && typeof node.id === 'string' ? node.id : undefined;
      const id = nodeId === undefined ? '' : ` (id "${nodeId}")`;
      const type = typeof node === 'object' && node !== null && 'type' in node ? node.type : undefined;
      const conditions = typeof node === 'object' && node !== null ? conditionCandidates(node) : [];
      for (const { condition, path } of conditions) {
        try {
          parseCondition(condition);
        } catch (error) {
          const detail = error instanceof RapportError ? (error.issues[0]?.message ?? error.message) : String(error);
          shapeIssues.push(issue(`nodes[${index}]${path}`, 'condition', `node${nodeId === undefined ? '' : ` "${nodeId}"`}: ${detail}`));
        }
      }
      if (conditions.length > 0 && shapeIssues.length > 0) return;
      const member = NodeSchema.anyOf.find((schema) => schema.properties.type.const === type);
      if (member === undefined) {
        shapeIssues.push(
          issue(`nodes[${index}].type`, 'enum', `node${id} has type ${JSON.stringify(type ?? null)}; use one of ${NodeSchema.anyOf.map((schema) => schema.properties.type.const).join(', ')}`),
        );
        return;
      }
      for (const error of Value.Errors(member, node)) {
        shapeIssues.push(issue(`nodes[${index}]${error.path.replaceAll('/', '.')}`, 'schema', `node${id}: ${error.message}`));
        if (shapeIssues.length > 20) break;
      }
    });
  }
  if (shapeIssues.length === 0 && !Value.Check(JourneyDefinitionSchema, input)) {
    for (const error of Value.Errors(JourneyDefinitionSchema, input)) {
      shapeIssues.push(issue(error.path === '' ? '(root)' : error.path.slice(1).replaceAll('/', '.'), 'schema', error.message));
      if (shapeIssues.length > 20) break;
    }
  }
  if (shapeIssues.length > 0 || !Value.Check(JourneyDefinitionSchema, input)) {
    throw new RapportError(
      'journey.definition_invalid',
      `the journey definition is invalid: ${shapeIssues[0]?.field ?? '(root)'}: ${shapeIssues[0]?.message ?? 'does not match the schema'}`,
      shapeIssues,
    );
  }
  const definition = input;
  const issues = graphIssues(definition);
  definition.nodes.forEach((node, index) => {
    for (const { condition, path } of conditionsOf(node, `nodes[${index}]`)) {
      try {
        parseCondition(condition);
      } catch (error) {
        const detail = error instanceof RapportError ? (error.issues[0]?.message ?? error.message) : String(error);
        issues.push(issue(path, 'condition', `node "${node.id}": ${detail}`));
      }
    }
    if (node.type === 'wait_until' && node.date === undefined && node.time === undefined) {
      issues.push(issue(`nodes[${index}]`, 'wait_until', `node "${node.id}" waits for nothing: give a date, a time of day, or both`));
    }
    if (node.type === 'wait_until' && node.date !== undefined && !node.date.startsWith('context.') && !node.date.startsWith('trait.') && !Number.isFinite(Date.parse(node.date))) {
      issues.push(issue(`nodes[${index}].date`, 'format', `node "${node.id}": ${JSON.stringify(node.date)} is not an ISO date, context.<path> or trait.<name>`));
    }
    if (node.type === 'ab' && node.arms.length + (node.holdout === undefined ? 0 : 1) < 2) {
      issues.push(issue(`nodes[${index}].arms`, 'ab', `node "${node.id}" splits into fewer than two arms; add an arm or a holdout`));
    }
  });
  issues.push(...triggerAndSettingsIssues(definition));
  if (templates !== undefined && workspaceId !== undefined && issues.length === 0) {
    const sends = definition.nodes.filter((node): node is Extract<JourneyNode, { type: 'send' }> => node.type === 'send');
    const missing = new Set(await templates(workspaceId, [...new Set(sends.map((node) => node.templateId))]));
    definition.nodes.forEach((node, index) => {
      if (node.type === 'send' && missing.has(node.templateId)) {
        issues.push(issue(`nodes[${index}].templateId`, 'template', `node "${node.id}" sends template "${node.templateId}", which does not exist; create it first`));
      }
    });
  }
  if (issues.length > 0) {
    throw new RapportError('journey.definition_invalid', `the journey definition is invalid: ${issues[0]?.message ?? ''}`, issues);
  }
  return definition;
}

/** Unknown and duplicate ids, unreachable nodes, and cycles that pass no wait. */
export function graphIssues(definition: JourneyDefinition): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const byId = new Map<string, JourneyNode>();
  definition.nodes.forEach((node, index) => {
    if (byId.has(node.id)) issues.push(issue(`nodes[${index}].id`, 'unique', `node id "${node.id}" is used twice`));
    else byId.set(node.id, node);
  });
  if (!byId.has(definition.start)) issues.push(issue('start', 'node', `start names node "${definition.start}", which does not exist`));
  definition.nodes.forEach((node, index) => {
    for (const next of successors(node)) {
      if (!byId.has(next)) issues.push(issue(`nodes[${index}]`, 'node', `node "${node.id}" leads to "${next}", which does not exist`));
    }
  });
  if (issues.length > 0) return issues;
  const reached = new Set<string>();
  const stack = [definition.start];
  while (stack.length > 0) {
    const id = stack.pop();
    if (id === undefined || reached.has(id)) continue;
    reached.add(id);
    const node = byId.get(id);
    if (node !== undefined) stack.push(...successors(node));
  }
  definition.nodes.forEach((node, index) => {
    if (!reached.has(node.id)) issues.push(issue(`nodes[${index}]`, 'unreachable', `node "${node.id}" cannot be reached from the start node "${definition.start}"`));
  });
  // A cycle among non-wait nodes would run forever in one step: find one with a DFS that does
  // not walk through waits.
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string, path: string[]): string[] | undefined => {
    const node = byId.get(id);
    if (node === undefined || waitTypes.has(node.type)) return undefined;
    const mark = state.get(id);
    if (mark === 'done') return undefined;
    if (mark === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    for (const next of successors(node)) {
      const cycle = visit(next, [...path, id]);
      if (cycle !== undefined) return cycle;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const node of definition.nodes) {
    const cycle = visit(node.id, []);
    if (cycle !== undefined) {
      const index = definition.nodes.findIndex((candidate) => candidate.id === cycle[0]);
      issues.push(issue(`nodes[${index}]`, 'cycle', `node "${cycle[0] ?? ''}" is on a cycle without a wait (${cycle.join(' → ')}); add a wait node to the loop`));
      break;
    }
  }
  return issues;
}
