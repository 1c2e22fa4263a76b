import { Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import { ConsentChannelSchema, EngagementChannelSchema } from '../shared/channel.js';
import { RapportError, type FieldIssue } from '../shared/errors.js';

/*
 * The segment condition language: one typed JSON tree shared by the admin API, the processor,
 * the dashboard, journeys and experiments. A schema and its type share one name. Every leaf is
 * a test on one thing a profile has (a trait, an aggregate, an event history, a score, a
 * membership); `and` / `or` / `not` combine them.
 *
 * `parseCondition` validates node by node rather than through one big union, so an error names
 * the path of the bad node (`conditions[1].where[0].op`) and what it should be, instead of
 * "does not match any of 40 alternatives".
 */

const Key = Type.String({ minLength: 1, maxLength: 200 });
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
const IsoDate = Type.String({ minLength: 4, description: 'ISO-8601 date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z' });
const Amount = Type.Integer({ minimum: 1, maximum: 100_000 });
export const TimeUnitSchema = Type.Union([Type.Literal('minutes'), Type.Literal('hours'), Type.Literal('days'), Type.Literal('weeks')]);
export type TimeUnit = Static<typeof TimeUnitSchema>;

const strict = { additionalProperties: false } as const;

/**
 * The tests a value (a trait, a score, an event property) can be put to, each with its own
 * fields. `key` names the value; nested traits use dots (`address.country`).
 */
function tuple<T extends unknown[]>(...items: T): T {
  return items;
}

function valueTests<P extends TProperties>(head: P) {
  return tuple(
    Type.Object({ ...head, op: Type.Union([Type.Literal('equals'), Type.Literal('not_equals')]), value: Scalar }, strict),
    Type.Object({ ...head, op: Type.Union([Type.Literal('contains'), Type.Literal('not_contains'), Type.Literal('starts_with')]), value: Type.String() }, strict),
    Type.Object({ ...head, op: Type.Union([Type.Literal('in'), Type.Literal('not_in')]), values: Type.Array(Scalar, { minItems: 1, maxItems: 10_000 }) }, strict),
    Type.Object({ ...head, op: Type.Union([Type.Literal('gt'), Type.Literal('gte'), Type.Literal('lt'), Type.Literal('lte')]), value: Type.Number() }, strict),
    Type.Object({ ...head, op: Type.Literal('between'), min: Type.Number(), max: Type.Number() }, strict),
    Type.Object({ ...head, op: Type.Union([Type.Literal('exists'), Type.Literal('not_exists'), Type.Literal('is_true'), Type.Literal('is_false')]) }, strict),
    Type.Object({ ...head, op: Type.Union([Type.Literal('date_before'), Type.Literal('date_after')]), date: IsoDate }, strict),
    Type.Object({ ...head, op: Type.Union([Type.Literal('date_within_last'), Type.Literal('date_within_next'), Type.Literal('date_older_than')]), amount: Amount, unit: TimeUnitSchema }, strict),
    Type.Object(
      {
        ...head,
        op: Type.Literal('anniversary'),
        withinDays: Type.Integer({ minimum: 0, maximum: 366, description: 'Days from today: 0 = today, 7 = the next 7 days (e.g. birthday in the next 7 days)' }),
        years: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'Only this many years after the date (e.g. signed up 1 year ago today)' })),
      },
      strict,
    ),
  );
}

export const TraitConditionSchema = Type.Union(valueTests({ type: Type.Literal('trait'), key: Key }), { $id: 'TraitCondition' });
export type TraitCondition = Static<typeof TraitConditionSchema>;

export const ScoreConditionSchema = Type.Union(valueTests({ type: Type.Literal('score'), key: Key }), {
  $id: 'ScoreCondition',
  description: 'A score written by a job (RFM group, predicted CLV, churn risk, propensity), by key; absent scores only match not_exists',
});

/** A test on one event property; `products[].category` holds when one product of the event holds every `products[]` filter. */
export const PropertyFilterSchema = Type.Union(valueTests({ property: Key }), { $id: 'PropertyFilter' });
export type PropertyFilter = Static<typeof PropertyFilterSchema>;

const Compare = Type.Union([Type.Literal('gt'), Type.Literal('gte'), Type.Literal('lt'), Type.Literal('lte'), Type.Literal('equals')]);

export const EventWindowSchema = Type.Union(
  [
    Type.Object({ type: Type.Literal('last'), amount: Amount, unit: TimeUnitSchema }, { ...strict, description: 'Within the last N units, sliding' }),
    Type.Object({ type: Type.Literal('older_than'), amount: Amount, unit: TimeUnitSchema }, { ...strict, description: 'More than N units ago, sliding' }),
    Type.Object({ type: Type.Literal('between'), from: IsoDate, to: IsoDate }, strict),
    Type.Object({ type: Type.Literal('since'), from: IsoDate }, strict),
    Type.Object({ type: Type.Literal('before'), to: IsoDate }, strict),
  ],
  { $id: 'EventWindow' },
);
/** @public The type of the schema above, by the same name (a concept's schema and type travel together). */
export type EventWindow = Static<typeof EventWindowSchema>;

const eventFields = {
  type: Type.Literal('event'),
  event: Type.String({ minLength: 1, maxLength: 200, description: 'Track event name, e.g. Order Completed; `page` / `screen` for page and screen views' }),
  performed: Type.Optional(Type.Boolean({ description: 'false: did NOT perform it (in the window); default true' })),
  where: Type.Optional(Type.Array(PropertyFilterSchema, { maxItems: 20 })),
  count: Type.Optional(Type.Object({ op: Type.Union([Type.Literal('at_least'), Type.Literal('at_most'), Type.Literal('exactly')]), value: Type.Integer({ minimum: 0, maximum: 1_000_000 }) }, strict)),
  aggregate: Type.Optional(
    Type.Object(
      {
        fn: Type.Union([Type.Literal('sum'), Type.Literal('avg'), Type.Literal('min'), Type.Literal('max')]),
        property: Key,
        op: Compare,
        value: Type.Number(),
      },
      { ...strict, description: 'sum / avg / min / max of a numeric property over the matching events (products[].x: over matching products)' },
    ),
  ),
  window: Type.Optional(EventWindowSchema),
  occurrence: Type.Optional(
    Type.Union([Type.Literal('any'), Type.Literal('first'), Type.Literal('last')], {
      description: 'first: the first time ever falls in the window; last: the latest time falls in the window; any (default): occurrences in the window are counted',
    }),
  ),
};
export const EventConditionSchema = Type.Object(eventFields, { ...strict, $id: 'EventCondition' });
export type EventCondition = Static<typeof EventConditionSchema>;

export const computedKeys = [
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
export type ComputedKey = (typeof computedKeys)[number];
const ComputedKeySchema = Type.Union(computedKeys.map((key) => Type.Literal(key)));

export const ComputedConditionSchema = Type.Union(
  [
    Type.Object({ type: Type.Literal('computed'), key: ComputedKeySchema, op: Compare, value: Type.Number() }, strict),
    Type.Object({ type: Type.Literal('computed'), key: ComputedKeySchema, op: Type.Literal('between'), min: Type.Number(), max: Type.Number() }, strict),
    Type.Object({ type: Type.Literal('computed'), key: ComputedKeySchema, op: Type.Union([Type.Literal('exists'), Type.Literal('not_exists')]) }, strict),
  ],
  { $id: 'ComputedCondition', description: 'An aggregate the profile keeps; daysSince* are whole days and absent when the thing never happened' },
);

export const lifecycleStages = ['visitor', 'engaged_browser', 'cart_abandoner', 'checkout_abandoner', 'first_time_buyer', 'repeat_buyer', 'lapsed', 'churned'] as const;
export type LifecycleStage = (typeof lifecycleStages)[number];

export const LifecycleConditionSchema = Type.Object(
  {
    type: Type.Literal('lifecycle'),
    stages: Type.Array(Type.Union(lifecycleStages.map((stage) => Type.Literal(stage))), { minItems: 1 }),
  },
  { ...strict, $id: 'LifecycleCondition', description: 'The profile is in one of these funnel stages (see lifecycleStage for the rules)' },
);

export const PreferredChannelConditionSchema = Type.Object(
  { type: Type.Literal('preferred_channel'), channels: Type.Array(EngagementChannelSchema, { minItems: 1 }) },
  { ...strict, $id: 'PreferredChannelCondition' },
);

export const ReachableConditionSchema = Type.Object(
  {
    type: Type.Literal('reachable'),
    channel: ConsentChannelSchema,
    requireOptIn: Type.Optional(Type.Boolean({ description: 'Email is opt-out by default; true also requires an explicit opt-in' })),
  },
  { ...strict, $id: 'ReachableCondition', description: 'Has a valid address for the channel and has consented to it' },
);

export const LocationConditionSchema = Type.Object(
  {
    type: Type.Literal('location'),
    countries: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    cities: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  },
  { ...strict, $id: 'LocationCondition', description: 'Country / city from the address traits (case-insensitive); every list given must match' },
);

export const DeviceConditionSchema = Type.Object(
  { type: Type.Literal('device'), devices: Type.Array(Type.Union([Type.Literal('mobile'), Type.Literal('tablet'), Type.Literal('desktop')]), { minItems: 1 }) },
  { ...strict, $id: 'DeviceCondition', description: 'The preferred device (most sessions)' },
);

export const TrafficSourceConditionSchema = Type.Object(
  {
    type: Type.Literal('traffic_source'),
    touch: Type.Union([Type.Literal('first'), Type.Literal('last')]),
    field: Type.Union([Type.Literal('kind'), Type.Literal('source'), Type.Literal('medium'), Type.Literal('campaign')]),
    values: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'Any of these (case-insensitive); kind is organic, paid, email, social, direct or referral' }),
  },
  { ...strict, $id: 'TrafficSourceCondition' },
);

export const SegmentMembershipConditionSchema = Type.Object(
  { type: Type.Literal('segment'), segmentId: Type.String({ minLength: 1 }), member: Type.Optional(Type.Boolean({ description: 'false: NOT a member; default true' })) },
  { ...strict, $id: 'SegmentMembershipCondition' },
);

export const RandomBucketConditionSchema = Type.Object(
  {
    type: Type.Literal('random_bucket'),
    salt: Type.Optional(Type.String({ maxLength: 100, description: 'Different salts give independent splits' })),
    from: Type.Integer({ minimum: 0, maximum: 100 }),
    to: Type.Integer({ minimum: 0, maximum: 100, description: 'Bucket (0-99, a stable hash of the profile id) in [from, to)' }),
  },
  { ...strict, $id: 'RandomBucketCondition' },
);

/** Every leaf of the tree: a test on one thing a profile has. The one list the schema, the type and the parser read. */
const leafConditionSchemas = [
  TraitConditionSchema,
  ScoreConditionSchema,
  EventConditionSchema,
  ComputedConditionSchema,
  LifecycleConditionSchema,
  PreferredChannelConditionSchema,
  ReachableConditionSchema,
  LocationConditionSchema,
  DeviceConditionSchema,
  TrafficSourceConditionSchema,
  SegmentMembershipConditionSchema,
  RandomBucketConditionSchema,
] as const;

export type LeafCondition = Static<(typeof leafConditionSchemas)[number]>;

/** The combinators: `and` / `or` over a non-empty list, `not` over one condition. */
function combinatorSchemas<T extends TSchema>(child: T) {
  return tuple(
    Type.Object({ type: Type.Literal('and'), conditions: Type.Array(child, { minItems: 1 }) }, strict),
    Type.Object({ type: Type.Literal('or'), conditions: Type.Array(child, { minItems: 1 }) }, strict),
    Type.Object({ type: Type.Literal('not'), condition: child }, strict),
  );
}

/** The JSON schema of the whole tree, for route schemas and OpenAPI; `Condition` is its type. */
export const ConditionSchema = Type.Recursive((This) => Type.Union([...combinatorSchemas(This), ...leafConditionSchemas]), { $id: 'Condition' });
export type Condition = Static<typeof ConditionSchema>;

/** The `type` a leaf schema fixes (a union of tests, like trait, fixes it in every member). */
function leafTypeOf(schema: TSchema): LeafCondition['type'] {
  const member: unknown = Array.isArray(schema.anyOf) ? schema.anyOf[0] : schema;
  const type = discriminantValues(member, 'type')[0];
  if (typeof type !== 'string') throw new Error('a leaf condition schema must fix its type');
  return type as LeafCondition['type'];
}

const leafSchemas: ReadonlyMap<LeafCondition['type'], TSchema> = new Map(leafConditionSchemas.map((schema) => [leafTypeOf(schema), schema]));

export const conditionTypes: readonly Condition['type'][] = [...combinatorSchemas(Type.Unknown()).map((schema) => schema.properties.type.const), ...leafSchemas.keys()];

/** Nodes in a tree at most; deeper or larger trees are refused (they are mistakes, and cost on every event). */
export const maxConditionNodes = 500;
export const maxConditionDepth = 20;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function joinPath(base: string, pointer: string): string {
  // TypeBox reports JSON pointers (`/where/0/op`); show them as `where[0].op`.
  const parts = pointer.split('/').filter((part) => part !== '');
  let path = base;
  for (const part of parts) path = /^\d+$/.test(part) ? `${path}[${part}]` : path === '' ? part : `${path}.${part}`;
  return path;
}

function issue(path: string, rule: string, message: string): FieldIssue {
  return { field: path === '' ? '(root)' : path, rule, message };
}

/** The literal values a member's discriminant (`type` or `op`) may take. */
function discriminantValues(member: unknown, field: string): unknown[] {
  if (!isRecord(member) || !isRecord(member.properties)) return [];
  const schema = member.properties[field];
  if (!isRecord(schema)) return [];
  if (schema.const !== undefined) return [schema.const];
  return Array.isArray(schema.anyOf) ? schema.anyOf.map((literal: unknown) => (isRecord(literal) ? literal.const : undefined)).filter((v) => v !== undefined) : [];
}

/**
 * Validates a value against a schema and names each problem by path. Unions of objects told
 * apart by `type` or `op` are resolved to the member the value selects, so the error is about
 * that member's fields rather than "matches none of the alternatives".
 */
function schemaIssues(schema: TSchema, value: unknown, path: string, what: string): FieldIssue[] {
  const members: unknown = schema.anyOf;
  if (Array.isArray(members) && isRecord(value)) {
    for (const field of ['type', 'op']) {
      const all = members.flatMap((member) => discriminantValues(member, field));
      // A field every member gives the same value (`type: 'trait'`) tells nothing apart.
      if (new Set(all).size < 2) continue;
      const chosen = members.find((member) => discriminantValues(member, field).includes(value[field]));
      if (chosen === undefined) {
        return [
          issue(
            path === '' ? field : `${path}.${field}`,
            'enum',
            `${JSON.stringify(value[field] ?? null)} is not ${field === 'op' ? 'an operator' : 'a type'} of ${what}; use one of ${[...new Set(all)].join(', ')}`,
          ),
        ];
      }
      if (members.every((member) => discriminantValues(member, field).length > 0)) {
        // Members may share a discriminant value (computed: op gt vs between); keep the first that fits.
        const candidates = members.filter((member) => discriminantValues(member, field).includes(value[field]));
        for (const candidate of candidates) if (isRecord(candidate) && Value.Check(candidate as TSchema, value)) return [];
        return schemaIssues(chosen as TSchema, value, path, what);
      }
    }
  }
  const issues: FieldIssue[] = [];
  for (const error of Value.Errors(schema, value)) {
    const at = joinPath(path, error.path);
    if (error.type === ValueErrorType.ObjectAdditionalProperties) {
      const allowed = isRecord(error.schema.properties) ? Object.keys(error.schema.properties) : [];
      const extra = at.split('.').at(-1) ?? at;
      issues.push(issue(at, 'additionalProperties', `unknown field "${extra}"; ${what}${isRecord(value) && typeof value.op === 'string' ? ` with op ${value.op}` : ''} takes ${allowed.join(', ')}`));
    } else if (error.type === ValueErrorType.Union && Array.isArray(error.schema.anyOf) && isRecord(error.value) && error.path !== '') {
      issues.push(...schemaIssues(error.schema, error.value, at, `${what} ${error.path.split('/').filter(Boolean).at(-1) ?? ''}`.trim()));
    } else {
      issues.push(issue(at, 'schema', error.message));
    }
    if (issues.length >= 10) break;
  }
  return issues;
}

function leafIssues(node: Record<string, unknown>, type: LeafCondition['type'], path: string): FieldIssue[] {
  const schema = leafSchemas.get(type);
  if (schema === undefined) throw new Error(`no schema for the ${type} condition`);
  return schemaIssues(schema, node, path, `a ${type} condition`);
}

function dateIssue(value: string, path: string): FieldIssue | undefined {
  return Number.isFinite(Date.parse(value)) ? undefined : issue(path, 'format', `${JSON.stringify(value)} is not a date; use ISO-8601 such as 2026-01-31 or 2026-01-31T12:00:00Z`);
}

/** Rules a schema cannot state: dates that parse, ranges the right way round, field combinations. */
function semanticIssues(node: LeafCondition, path: string): FieldIssue[] {
  const at = (field: string) => (path === '' ? field : `${path}.${field}`);
  const issues: FieldIssue[] = [];
  const checkTest = (test: { op: string } & Record<string, unknown>, base: string) => {
    if (test.op === 'between' && typeof test.min === 'number' && typeof test.max === 'number' && test.min > test.max) {
      issues.push(issue(base === '' ? 'min' : `${base}.min`, 'range', `min ${test.min} is greater than max ${test.max}`));
    }
    if ((test.op === 'date_before' || test.op === 'date_after') && typeof test.date === 'string') {
      const problem = dateIssue(test.date, base === '' ? 'date' : `${base}.date`);
      if (problem !== undefined) issues.push(problem);
    }
  };
  switch (node.type) {
    case 'trait':
    case 'score':
    case 'computed':
      checkTest(node, path);
      break;
    case 'event': {
      (node.where ?? []).forEach((filter, index) => {
        checkTest(filter, at(`where[${index}]`));
        if (filter.property.includes('[]') && !/^products\[\]\.[^[\]]+$/.test(filter.property)) {
          issues.push(issue(at(`where[${index}].property`), 'format', `"${filter.property}": only products[].<field> may look inside a list`));
        }
      });
      if (node.aggregate !== undefined && node.aggregate.property.includes('[]') && !/^products\[\]\.[^[\]]+$/.test(node.aggregate.property)) {
        issues.push(issue(at('aggregate.property'), 'format', `"${node.aggregate.property}": only products[].<field> may look inside a list`));
      }
      const window = node.window;
      if (window?.type === 'between' || window?.type === 'since') {
        const problem = dateIssue(window.from, at('window.from'));
        if (problem !== undefined) issues.push(problem);
      }
      if (window?.type === 'between' || window?.type === 'before') {
        const problem = dateIssue(window.to, at('window.to'));
        if (problem !== undefined) issues.push(problem);
      }
      if (window?.type === 'between' && Date.parse(window.from) > Date.parse(window.to)) issues.push(issue(at('window'), 'range', `from ${window.from} is after to ${window.to}`));
      if (node.performed === false && (node.count !== undefined || node.aggregate !== undefined || (node.occurrence ?? 'any') !== 'any')) {
        issues.push(issue(at('performed'), 'combination', 'performed: false means no matching event in the window; drop count, aggregate and occurrence (or use count exactly 0)'));
      }
      if (window?.type === 'older_than' && (node.aggregate?.fn === 'min' || node.aggregate?.fn === 'max')) {
        issues.push(issue(at('aggregate.fn'), 'combination', 'min / max over an older_than window are not kept; use sum or avg, or a last / between window'));
      }
      if ((node.occurrence ?? 'any') !== 'any' && (node.count !== undefined || node.aggregate !== undefined)) {
        issues.push(issue(at('occurrence'), 'combination', 'first / last time test one occurrence; drop count and aggregate'));
      }
      if ((node.occurrence ?? 'any') !== 'any' && node.window === undefined) {
        issues.push(issue(at('window'), 'required', `occurrence ${node.occurrence ?? ''} needs a window the first / last time must fall in`));
      }
      break;
    }
    case 'location':
      if (node.countries === undefined && node.cities === undefined) issues.push(issue(path, 'required', 'give countries, cities or both'));
      break;
    case 'random_bucket':
      if (node.from >= node.to) issues.push(issue(at('to'), 'range', `to (${node.to}) must be greater than from (${node.from}); buckets are [from, to) of 0-99`));
      break;
    default:
      break;
  }
  return issues;
}

function walk(input: unknown, path: string, depth: number, counter: { nodes: number }, issues: FieldIssue[]): void {
  if (issues.length >= 20) return;
  counter.nodes += 1;
  if (counter.nodes > maxConditionNodes) {
    if (counter.nodes === maxConditionNodes + 1) issues.push(issue(path, 'size', `a condition may have at most ${maxConditionNodes} nodes`));
    return;
  }
  if (depth > maxConditionDepth) {
    issues.push(issue(path, 'depth', `conditions may nest at most ${maxConditionDepth} levels`));
    return;
  }
  if (!isRecord(input)) {
    issues.push(issue(path, 'type', `expected a condition object, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`));
    return;
  }
  const type = input.type;
  const at = (field: string) => (path === '' ? field : `${path}.${field}`);
  if (typeof type !== 'string' || !conditionTypes.includes(type as Condition['type'])) {
    issues.push(issue(at('type'), 'enum', `${JSON.stringify(type ?? null)} is not a condition type; use one of ${conditionTypes.join(', ')}`));
    return;
  }
  if (type === 'and' || type === 'or') {
    const extra = Object.keys(input).filter((key) => key !== 'type' && key !== 'conditions');
    if (extra.length > 0) issues.push(issue(path, 'additionalProperties', `unknown field ${extra.map((key) => `"${key}"`).join(', ')}; an ${type} group takes type and conditions`));
    const children = input.conditions;
    if (!Array.isArray(children) || children.length === 0) {
      issues.push(issue(at('conditions'), 'required', `an ${type} group needs a non-empty conditions array`));
      return;
    }
    children.forEach((child, index) => walk(child, at(`conditions[${index}]`), depth + 1, counter, issues));
    return;
  }
  if (type === 'not') {
    const extra = Object.keys(input).filter((key) => key !== 'type' && key !== 'condition');
    if (extra.length > 0) issues.push(issue(path, 'additionalProperties', `unknown field ${extra.map((key) => `"${key}"`).join(', ')}; a not node takes type and condition`));
    if (input.condition === undefined) {
      issues.push(issue(at('condition'), 'required', 'a not node needs the condition it negates'));
      return;
    }
    walk(input.condition, at('condition'), depth + 1, counter, issues);
    return;
  }
  const leafType = type as LeafCondition['type'];
  const problems = leafIssues(input, leafType, path);
  if (problems.length > 0) {
    issues.push(...problems);
    return;
  }
  // The schema check just passed, so the node has the leaf's shape.
  issues.push(...semanticIssues(input as LeafCondition, path));
}

/**
 * Validates a condition tree from untrusted JSON. Throws a RapportError (`condition.invalid`)
 * whose issues name the path of each bad node and why, e.g.
 * `{ field: 'conditions[1].window.unit', message: 'Expected union value' }`.
 * @example
 * const condition = parseCondition({ type: 'and', conditions: [
 *   { type: 'event', event: 'Product Viewed', window: { type: 'last', amount: 2, unit: 'days' } },
 *   { type: 'reachable', channel: 'email' },
 * ] });
 */
export function parseCondition(input: unknown): Condition {
  const issues: FieldIssue[] = [];
  walk(input, '', 0, { nodes: 0 }, issues);
  if (issues.length > 0) {
    const first = issues[0];
    const summary = first === undefined ? '' : `${first.field}: ${first.message}`;
    throw new RapportError('condition.invalid', `invalid condition at ${summary}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, issues);
  }
  // Every node was checked above against the schema of its type.
  return structuredClone(input) as Condition;
}

/** Every node of a tree with its path, depth first (the root first, path ''). */
export function walkCondition(condition: Condition, visit: (node: Condition, path: string) => void, path = ''): void {
  visit(condition, path);
  const at = (field: string) => (path === '' ? field : `${path}.${field}`);
  if (condition.type === 'and' || condition.type === 'or') condition.conditions.forEach((child, index) => walkCondition(child, visit, at(`conditions[${index}]`)));
  else if (condition.type === 'not') walkCondition(condition.condition, visit, at('condition'));
}

/** Ids of the segments a condition refers to (for cycle checks and dependents). */
export function referencedSegments(condition: Condition): string[] {
  const ids = new Set<string>();
  walkCondition(condition, (node) => {
    if (node.type === 'segment') ids.add(node.segmentId);
  });
  return [...ids];
}
