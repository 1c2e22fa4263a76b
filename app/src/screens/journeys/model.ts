/*
 * The journey definition as the dashboard edits it: the same shape the API validates
 * (src/journeys/definition.ts), the graph's edges, new nodes with sensible defaults, and the
 * API's issue paths (`nodes[3].duration.amount`) mapped back to the node they concern.
 */

export type DurationUnit = 'seconds' | 'minutes' | 'hours' | 'days' | 'weeks';
export interface Duration {
  amount: number;
  unit: DurationUnit;
}
export type Condition = { type: string } & Record<string, unknown>;
export interface PropertyFilter {
  property: string;
  op: string;
  value?: unknown;
}

export type Trigger =
  | { type: 'event'; event: string; where?: PropertyFilter[]; entryKey?: string }
  | { type: 'segment'; segmentId: string; on: 'entered' | 'exited' }
  | { type: 'date'; source: 'trait' | 'first_seen' | 'first_order'; trait?: string; offsetDays?: number; at?: string }
  | { type: 'catalog'; event: 'Price Dropped' | 'Back In Stock'; interest: ('viewed' | 'carted' | 'wishlisted')[]; withinDays?: number; minDropPercent?: number }
  | { type: 'schedule'; at: string; every?: Duration; until?: string; audience?: Condition }
  | { type: 'api' };
export type TriggerType = Trigger['type'];

export type Channel = 'email' | 'sms' | 'push' | 'webhook' | 'inbox';

export type JourneyNode =
  | { id: string; type: 'wait'; duration: Duration; next: string }
  | { id: string; type: 'wait_until'; date?: string; time?: string; days?: number[]; next: string }
  | { id: string; type: 'wait_event'; event: string; where?: PropertyFilter[]; matchKey?: string; timeout: Duration; next: string; timeoutNext: string }
  | { id: string; type: 'condition'; condition: Condition; yes: string; no: string }
  | { id: string; type: 'split'; branches: { name: string; condition: Condition; next: string }[]; otherwise: string }
  | { id: string; type: 'ab'; arms: { name: string; weight: number; next: string }[]; holdout?: number }
  | {
      id: string;
      type: 'send';
      channel: Channel;
      templateId: string;
      coupon?: { poolId: string };
      purpose?: 'marketing' | 'transactional';
      data?: Record<string, unknown>;
      next: string;
    }
  | { id: string; type: 'update_profile'; traits: Record<string, unknown>; next: string }
  | { id: string; type: 'webhook'; url: string; headers?: Record<string, string>; next: string }
  | { id: string; type: 'onsite'; campaignId: string; expiresAfterDays?: number; next: string }
  | { id: string; type: 'list'; action: 'add' | 'remove'; listId: string; next: string }
  | { id: string; type: 'exit' };
export type NodeType = JourneyNode['type'];

export interface JourneySettings {
  entry?: { mode: 'once' | 'once_per_key' | 'reenter'; reenterAfterDays?: number };
  goal?: { event: string; where?: PropertyFilter[]; matchKey?: string };
  exitOn?: { event: string; where?: PropertyFilter[] }[];
  conversionWindowDays?: number;
  quietHours?: { start: string; end: string };
  sendWindow?: { from: string; to: string; days?: number[] };
  priority?: number;
  ignoreFrequencyCap?: boolean;
  useGlobalControl?: boolean;
  timeZone?: string;
}

export interface JourneyDefinition {
  name: string;
  description?: string;
  trigger: Trigger;
  start: string;
  nodes: JourneyNode[];
  settings?: JourneySettings;
}

export type JourneyStatus = 'draft' | 'active' | 'paused' | 'archived';

export const statusTone = (status: string): 'good' | 'warn' | 'neutral' | 'info' => (status === 'active' ? 'good' : status === 'paused' ? 'warn' : status === 'archived' ? 'neutral' : 'info');

export interface Journey {
  id: string;
  name: string;
  status: JourneyStatus;
  version: number;
  definition: JourneyDefinition;
  createdAt: string;
  updatedAt: string;
}

export interface JourneyReport {
  journeyId: string;
  version: number;
  status: string;
  entered: number;
  inProgress: number;
  completed: number;
  exited: Record<string, number>;
  sent: number;
  conversionWindowDays: number;
  conversions: { goal: { runs: number; revenue: number }; order: { runs: number; conversions: number; revenue: number } };
  nodes: { nodeId: string; type: string; reached: number; inProgress: number; sends: Record<string, number> }[];
  arms: { nodeId: string; arm: string; entered: number; conversions: number; revenue: number }[];
  currency?: string;
}

export interface Issue {
  field: string;
  rule?: string;
  message: string;
}

export const NODE_TYPES: readonly NodeType[] = ['wait', 'wait_until', 'wait_event', 'condition', 'split', 'ab', 'send', 'update_profile', 'webhook', 'onsite', 'list', 'exit'];
export const TRIGGER_TYPES: readonly TriggerType[] = ['event', 'segment', 'date', 'catalog', 'schedule', 'api'];
export const CHANNELS: readonly Channel[] = ['email', 'sms', 'push', 'webhook', 'inbox'];
export const UNITS: readonly DurationUnit[] = ['minutes', 'hours', 'days', 'weeks', 'seconds'];
/** The id the canvas gives the trigger (not a node of the definition). */
export const TRIGGER_ID = '__trigger';

/** One outlet of a node: which field holds the target, and its label key. */
export interface Outlet {
  /** Path of the field holding the target, e.g. `next`, `yes`, `branches.1.next`. */
  field: string;
  target: string;
  label?: { key: 'yes' | 'no' | 'timeout' | 'otherwise' | 'next' | 'arrived' } | { text: string };
}

export function outlets(node: JourneyNode): Outlet[] {
  switch (node.type) {
    case 'condition':
      return [
        { field: 'yes', target: node.yes, label: { key: 'yes' } },
        { field: 'no', target: node.no, label: { key: 'no' } },
      ];
    case 'split':
      return [
        ...node.branches.map((branch, index) => ({ field: `branches.${index}.next`, target: branch.next, label: { text: branch.name } })),
        { field: 'otherwise', target: node.otherwise, label: { key: 'otherwise' as const } },
      ];
    case 'ab':
      return node.arms.map((arm, index) => ({ field: `arms.${index}.next`, target: arm.next, label: { text: arm.name } }));
    case 'wait_event':
      return [
        { field: 'next', target: node.next, label: { key: 'arrived' } },
        { field: 'timeoutNext', target: node.timeoutNext, label: { key: 'timeout' } },
      ];
    case 'exit':
      return [];
    default:
      return [{ field: 'next', target: node.next }];
  }
}

/** Sets the target of one outlet (see `Outlet.field`), returning a new node. */
export function setOutlet(node: JourneyNode, field: string, target: string): JourneyNode {
  const parts = field.split('.');
  if (parts.length === 1) return { ...node, [field]: target } as JourneyNode;
  const [list, indexText] = parts;
  const index = Number(indexText);
  if (node.type === 'split' && list === 'branches') return { ...node, branches: node.branches.map((branch, i) => (i === index ? { ...branch, next: target } : branch)) };
  if (node.type === 'ab' && list === 'arms') return { ...node, arms: node.arms.map((arm, i) => (i === index ? { ...arm, next: target } : arm)) };
  return node;
}

/** A fresh node of `type` whose outlets all go to `next`. */
export function newNode(type: NodeType, id: string, next: string): JourneyNode {
  switch (type) {
    case 'wait':
      return { id, type, duration: { amount: 1, unit: 'days' }, next };
    case 'wait_until':
      return { id, type, time: '10:00', next };
    case 'wait_event':
      return { id, type, event: 'Order Completed', timeout: { amount: 1, unit: 'days' }, next, timeoutNext: next };
    case 'condition':
      return { id, type, condition: { type: 'event', event: 'Order Completed', window: { type: 'last', amount: 7, unit: 'days' } }, yes: next, no: next };
    case 'split':
      return { id, type, branches: [{ name: 'VIP', condition: { type: 'trait', key: 'vip', op: 'is_true' }, next }], otherwise: next };
    case 'ab':
      return {
        id,
        type,
        arms: [
          { name: 'A', weight: 50, next },
          { name: 'B', weight: 50, next },
        ],
      };
    case 'send':
      return { id, type, channel: 'email', templateId: '', next };
    case 'update_profile':
      return { id, type, traits: { journey_reached: true }, next };
    case 'webhook':
      return { id, type, url: 'https://', next };
    case 'onsite':
      return { id, type, campaignId: '', expiresAfterDays: 7, next };
    case 'list':
      return { id, type, action: 'add', listId: '', next };
    case 'exit':
      return { id, type };
  }
}

export function newTrigger(type: TriggerType): Trigger {
  switch (type) {
    case 'event':
      return { type, event: 'Product Added' };
    case 'segment':
      return { type, segmentId: '', on: 'entered' };
    case 'date':
      return { type, source: 'trait', trait: 'birthday', at: '10:00' };
    case 'catalog':
      return { type, event: 'Price Dropped', interest: ['viewed', 'carted'] };
    case 'schedule':
      return { type, at: new Date(Date.now() + 86_400_000).toISOString().slice(0, 16) + ':00Z' };
    case 'api':
      return { type };
  }
}

/** An id not yet used, from the type: `wait-2`. */
export function freshId(definition: JourneyDefinition, type: NodeType): string {
  const base = type.replace('_', '-');
  const used = new Set(definition.nodes.map((node) => node.id));
  for (let n = 1; ; n++) {
    const id = n === 1 ? base : `${base}-${n}`;
    if (!used.has(id)) return id;
  }
}

/** Inserts a node of `type` on the outlet `field` of `afterId` (or right after the trigger). */
export function insertAfter(definition: JourneyDefinition, afterId: string, field: string, type: NodeType): { definition: JourneyDefinition; id: string } {
  const id = freshId(definition, type);
  if (afterId === TRIGGER_ID) {
    const node = newNode(type, id, definition.start);
    return { definition: { ...definition, start: id, nodes: [node, ...definition.nodes] }, id };
  }
  const after = definition.nodes.find((node) => node.id === afterId);
  const outlet = after === undefined ? undefined : outlets(after).find((candidate) => candidate.field === field);
  if (after === undefined || outlet === undefined) return { definition, id: afterId };
  const node = newNode(type, id, outlet.target);
  const index = definition.nodes.indexOf(after);
  const nodes = definition.nodes.map((candidate) => (candidate === after ? setOutlet(after, field, id) : candidate));
  nodes.splice(index + 1, 0, node);
  return { definition: { ...definition, nodes }, id };
}

/** Removes a node; whatever led to it now leads to its first successor (an exit's callers keep pointing at nothing, which validation reports). */
export function removeNode(definition: JourneyDefinition, id: string): JourneyDefinition {
  const node = definition.nodes.find((candidate) => candidate.id === id);
  if (node === undefined) return definition;
  const heir = outlets(node)[0]?.target ?? '';
  const nodes = definition.nodes
    .filter((candidate) => candidate.id !== id)
    .map((candidate) => outlets(candidate).reduce((current, outlet) => (outlet.target === id && heir !== '' ? setOutlet(current, outlet.field, heir) : current), candidate));
  return { ...definition, start: definition.start === id ? heir : definition.start, nodes };
}

/** Renames a node and every reference to it. */
export function renameNode(definition: JourneyDefinition, from: string, to: string): JourneyDefinition {
  const nodes = definition.nodes.map((node) => {
    const renamed = node.id === from ? ({ ...node, id: to } as JourneyNode) : node;
    return outlets(renamed).reduce((current, outlet) => (outlet.target === from ? setOutlet(current, outlet.field, to) : current), renamed);
  });
  return { ...definition, start: definition.start === from ? to : definition.start, nodes };
}

/**
 * Which node an API issue concerns, and the field inside it: `nodes[3].duration.amount` →
 * node 3, `duration.amount`; `trigger.event` → the trigger; anything else is journey-wide.
 */
export function issueTarget(definition: JourneyDefinition, field: string): { nodeId: string | undefined; field: string } {
  const path = field
    .replace(/^body\./, '')
    .replace(/^\//, '')
    .replaceAll('/', '.');
  const nodeMatch = /^nodes(?:\[(\d+)\]|\.(\d+))\.?(.*)$/.exec(path);
  if (nodeMatch !== null) {
    const index = Number(nodeMatch[1] ?? nodeMatch[2]);
    return { nodeId: definition.nodes[index]?.id, field: (nodeMatch[3] ?? '').replace(/\[(\d+)\]/g, '.$1') };
  }
  if (path === 'start') return { nodeId: TRIGGER_ID, field: 'start' };
  if (path.startsWith('trigger')) return { nodeId: TRIGGER_ID, field: path.replace(/^trigger\.?/, '') };
  return { nodeId: undefined, field: path };
}

/** Issues grouped by node id (journey-wide ones under ''). */
export function issuesByNode(definition: JourneyDefinition, issues: readonly Issue[]): Map<string, Issue[]> {
  const byNode = new Map<string, Issue[]>();
  for (const issue of issues) {
    const target = issueTarget(definition, issue.field);
    const key = target.nodeId ?? '';
    byNode.set(key, [...(byNode.get(key) ?? []), { ...issue, field: target.field }]);
  }
  return byNode;
}

/** The message for one field of a node's issues (`duration.amount`, `templateId`…). */
export function fieldIssue(issues: readonly Issue[] | undefined, field: string): string | undefined {
  return issues?.find((issue) => issue.field === field || issue.field.startsWith(`${field}.`))?.message;
}
