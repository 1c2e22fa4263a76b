/*
 * The segment condition language as the builder edits it: the same JSON tree the API takes
 * (src/segments/condition.ts), kept loosely typed so a half-filled row is still representable,
 * plus the defaults a new row starts from and the mapping from the API's issue paths
 * (`condition.conditions[1].where[0].op`, or `body.condition.conditions.1.op`) to the row they concern.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Node = { type: string } & Record<string, Json>;

export const TIME_UNITS = ['minutes', 'hours', 'days', 'weeks'] as const;
export const COMPARE_OPS = ['gt', 'gte', 'lt', 'lte', 'equals'] as const;
export const COMPUTED_KEYS = [
  'orders',
  'revenue',
  'averageOrderValue',
  'refunds',
  'refundAmount',
  'cancelledOrders',
  'events',
  'sessions',
  'pageViews',
  'screenViews',
  'openCartValue',
  'openCartItems',
  'daysSinceLastOrder',
  'daysSinceFirstOrder',
  'daysSinceLastSeen',
  'daysSinceFirstSeen',
  'daysSinceCartActivity',
] as const;
export const LIFECYCLE_STAGES = ['visitor', 'engaged_browser', 'cart_abandoner', 'checkout_abandoner', 'first_time_buyer', 'repeat_buyer', 'lapsed', 'churned'] as const;
export const ENGAGEMENT_CHANNELS = ['web', 'app', 'email', 'sms', 'push'] as const;
export const CONSENT_CHANNELS = ['email', 'sms', 'push'] as const;
export const DEVICES = ['mobile', 'tablet', 'desktop'] as const;
export const SCORE_KEYS = [
  'predicted_clv',
  'clv_tier',
  'churn_risk',
  'p_alive',
  'expected_orders_90d',
  'propensity_purchase',
  'next_order_at',
  'order_interval_days',
  'next_replenishment_at',
] as const;
export const KNOWN_EVENTS = [
  'Product Viewed',
  'Product Added',
  'Product Removed',
  'Cart Viewed',
  'Checkout Started',
  'Order Completed',
  'Order Refunded',
  'Products Searched',
  'Product List Viewed',
  'Signed Up',
  'Email Opened',
  'Email Link Clicked',
  'page',
  'screen',
] as const;

/** Every leaf type, in the order the "add condition" menu offers them. */
export const LEAF_TYPES = ['event', 'trait', 'computed', 'score', 'lifecycle', 'reachable', 'preferred_channel', 'location', 'device', 'traffic_source', 'segment', 'random_bucket'] as const;
export type LeafType = (typeof LEAF_TYPES)[number];

export function defaultLeaf(type: LeafType): Node {
  switch (type) {
    case 'event':
      return { type, event: 'Product Viewed', window: { type: 'last', amount: 7, unit: 'days' } };
    case 'trait':
      return { type, key: '', op: 'equals', value: '' };
    case 'score':
      return { type, key: 'churn_risk', op: 'gte', value: 0.5 };
    case 'computed':
      return { type, key: 'orders', op: 'gte', value: 1 };
    case 'lifecycle':
      return { type, stages: ['cart_abandoner'] };
    case 'reachable':
      return { type, channel: 'email' };
    case 'preferred_channel':
      return { type, channels: ['email'] };
    case 'location':
      return { type, countries: [''] };
    case 'device':
      return { type, devices: ['mobile'] };
    case 'traffic_source':
      return { type, touch: 'first', field: 'kind', values: ['paid'] };
    case 'segment':
      return { type, segmentId: '', member: true };
    case 'random_bucket':
      return { type, from: 0, to: 50 };
  }
}

/** The fields a value test keeps when its operator changes: the value moves where it fits. */
export function withOp(test: Record<string, Json>, op: string): Record<string, Json> {
  const head: Record<string, Json> = {};
  for (const key of ['type', 'key', 'property']) if (key in test) head[key] = test[key] ?? null;
  const previous = test.value ?? (Array.isArray(test.values) ? (test.values[0] ?? '') : '');
  switch (op) {
    case 'equals':
    case 'not_equals':
      return { ...head, op, value: typeof previous === 'object' ? '' : previous };
    case 'contains':
    case 'not_contains':
    case 'starts_with':
      return { ...head, op, value: String(previous ?? '') };
    case 'in':
    case 'not_in':
      return { ...head, op, values: Array.isArray(test.values) ? test.values : [typeof previous === 'object' ? '' : previous] };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { ...head, op, value: typeof previous === 'number' ? previous : Number(previous) || 0 };
    case 'between':
      return { ...head, op, min: 0, max: 100 };
    case 'date_before':
    case 'date_after':
      return { ...head, op, date: new Date().toISOString().slice(0, 10) };
    case 'date_within_last':
    case 'date_within_next':
    case 'date_older_than':
      return { ...head, op, amount: 30, unit: 'days' };
    case 'anniversary':
      return { ...head, op, withinDays: 7 };
    default:
      return { ...head, op };
  }
}

/** A typed value from a text box: numbers and booleans as such where the test compares them. */
export function scalarOf(text: string): string | number | boolean {
  const trimmed = text.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  if (trimmed !== '' && /^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  return text;
}

/** `condition.conditions[1].where[0].op` and `body.condition.conditions.1.where.0.op` both become `condition.conditions.1.where.0.op`. */
export function normalizeField(field: string): string {
  return field
    .replace(/^body\./, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/^\./, '');
}

/** A row's path in the same form: `condition`, `condition.conditions.1`, `condition.condition.conditions.0`. */
export function childPath(parent: string, index: number | 'not'): string {
  return index === 'not' ? `${parent}.condition` : `${parent}.conditions.${index}`;
}

/** Rows' paths whose node is a leaf or a group, so an issue lands on the deepest row it is inside. */
export function rowPaths(node: Node, path = 'condition', into: string[] = []): string[] {
  into.push(path);
  if ((node.type === 'and' || node.type === 'or') && Array.isArray(node.conditions)) node.conditions.forEach((child, index) => rowPaths(child as Node, childPath(path, index), into));
  if (node.type === 'not' && node.condition !== null && typeof node.condition === 'object') rowPaths(node.condition as Node, childPath(path, 'not'), into);
  return into;
}

export interface RowIssue {
  /** The field inside the row (`where.0.op`, `window.amount`), '' for the row itself. */
  field: string;
  message: string;
}

/** Issues by the row they concern; issues outside the condition are left to the form. */
export function issuesByRow(root: Node, issues: readonly { field: string; message: string }[]): Map<string, RowIssue[]> {
  const rows = rowPaths(root).sort((a, b) => b.length - a.length);
  const byRow = new Map<string, RowIssue[]>();
  for (const issue of issues) {
    const field = normalizeField(issue.field);
    if (field !== 'condition' && !field.startsWith('condition.')) continue;
    const row = rows.find((path) => field === path || field.startsWith(`${path}.`)) ?? 'condition';
    const list = byRow.get(row) ?? [];
    list.push({ field: field.slice(row.length + 1), message: issue.message });
    byRow.set(row, list);
  }
  return byRow;
}

/** "Viewed a product in the last 2 days and did not buy" and the other one-click starting points. */
export function presetCondition(preset: string): Node | undefined {
  const visited = (days: number): Node => ({
    type: 'or',
    conditions: [
      { type: 'event', event: 'page', window: { type: 'last', amount: days, unit: 'days' } },
      { type: 'event', event: 'screen', window: { type: 'last', amount: days, unit: 'days' } },
    ],
  });
  switch (preset) {
    case 'visited-2':
      return visited(2);
    case 'visited-7':
      return visited(7);
    case 'visited-14':
      return visited(14);
    case 'browse-abandon':
      return {
        type: 'and',
        conditions: [
          { type: 'event', event: 'Product Viewed', window: { type: 'last', amount: 2, unit: 'days' } },
          { type: 'event', event: 'Order Completed', performed: false, window: { type: 'last', amount: 2, unit: 'days' } },
        ],
      };
    case 'lapsed':
      return {
        type: 'and',
        conditions: [
          { type: 'computed', key: 'orders', op: 'gte', value: 1 },
          { type: 'computed', key: 'daysSinceLastOrder', op: 'gt', value: 60 },
        ],
      };
    default:
      return undefined;
  }
}

export const EMPTY_CONDITION: Node = { type: 'and', conditions: [defaultLeaf('event')] };

export function isGroup(node: Node): boolean {
  return node.type === 'and' || node.type === 'or' || node.type === 'not';
}

/** Replaces the node at `path` (a path from rowPaths) by `replace(node)`; `undefined` removes it from its group. */
export function updateAt(root: Node, path: string, replace: (node: Node) => Node | undefined): Node {
  if (path === 'condition') return replace(root) ?? { type: 'and', conditions: [] };
  const parts = path.split('.').slice(1);
  const clone = structuredClone(root) as Node;
  let parent: Record<string, Json> = clone;
  for (let index = 0; index < parts.length - 1; index += 1) {
    const part = parts[index] as string;
    const next = Array.isArray(parent) ? (parent as Json[])[Number(part)] : parent[part];
    parent = next as Record<string, Json>;
  }
  const last = parts.at(-1) as string;
  if (Array.isArray(parent)) {
    const list = parent as Json[];
    const current = list[Number(last)] as Node;
    const next = replace(current);
    if (next === undefined) list.splice(Number(last), 1);
    else list[Number(last)] = next;
  } else {
    const current = parent[last] as Node;
    const next = replace(current);
    if (next === undefined) parent[last] = { type: 'and', conditions: [] };
    else parent[last] = next;
  }
  return clone;
}
