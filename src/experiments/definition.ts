import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RapportError, type FieldIssue } from '../shared/errors.js';

/*
 * The experiment definition: one TypeBox schema shared by the admin API (which validates and
 * documents with it), the service and the CLI. A schema and its type share one name.
 */

const strict = { additionalProperties: false } as const;
const Slug = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' });

export const PropertyFilterSchema = Type.Object(
  {
    property: Type.String({ minLength: 1, description: 'Event property, dots for nesting (e.g. `products.0.category`)' }),
    op: Type.Union([
      Type.Literal('equals'),
      Type.Literal('not_equals'),
      Type.Literal('gt'),
      Type.Literal('gte'),
      Type.Literal('lt'),
      Type.Literal('lte'),
      Type.Literal('contains'),
      Type.Literal('exists'),
    ]),
    value: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  },
  strict,
);
export type PropertyFilter = Static<typeof PropertyFilterSchema>;

export const MetricPartSchema = Type.Object(
  {
    event: Type.String({ minLength: 1, description: 'Track event name, e.g. `Order Completed`' }),
    filters: Type.Optional(Type.Array(PropertyFilterSchema, { maxItems: 20 })),
    valueProperty: Type.Optional(Type.String({ minLength: 1, description: 'Sum this numeric property; without it, count events' })),
  },
  strict,
);
export type MetricPart = Static<typeof MetricPartSchema>;

export const MetricDefinitionSchema = Type.Object(
  {
    id: Slug,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    kind: Type.Union([Type.Literal('conversion'), Type.Literal('count'), Type.Literal('revenue'), Type.Literal('ratio')], {
      description:
        'conversion: share of units with a matching event; count: events per unit; revenue: sum of valueProperty per unit (revenue per visitor); ratio: Σ numerator / Σ denominator (e.g. average order value)',
    }),
    event: Type.Optional(Type.String({ minLength: 1, description: 'conversion, count, revenue: the event' })),
    filters: Type.Optional(Type.Array(PropertyFilterSchema, { maxItems: 20 })),
    valueProperty: Type.Optional(Type.String({ minLength: 1, description: 'revenue: the numeric property to sum (default `revenue`)' })),
    numerator: Type.Optional(MetricPartSchema),
    denominator: Type.Optional(MetricPartSchema),
    windowHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 * 366, description: 'Count events up to this long after exposure (default 72)' })),
    higherIsBetter: Type.Optional(Type.Boolean({ default: true })),
    guardrail: Type.Optional(Type.Boolean({ description: 'Not the goal, but must not get significantly worse' })),
  },
  strict,
);
export type MetricDefinition = Static<typeof MetricDefinitionSchema>;

export const AnalysisSettingsSchema = Type.Object(
  {
    method: Type.Optional(Type.Union([Type.Literal('frequentist'), Type.Literal('sequential'), Type.Literal('bayesian')], { description: 'Default sequential: safe to look at any time' })),
    alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 0.5 })),
    alternative: Type.Optional(Type.Union([Type.Literal('two-sided'), Type.Literal('greater'), Type.Literal('less')])),
    difference: Type.Optional(Type.Union([Type.Literal('relative'), Type.Literal('absolute')])),
    correction: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('holm'), Type.Literal('benjamini-hochberg')])),
    cuped: Type.Optional(Type.Boolean({ description: 'Reduce variance with the same metric over the window before exposure' })),
    minUnitsPerVariant: Type.Optional(Type.Integer({ minimum: 2, description: 'Below this a result is "too early" (default 100)' })),
    tuning: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Sequential: sample size the confidence sequence is tightest at (default 5000)' })),
    targetMde: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Relative effect worth detecting; larger detectable effects warn "underpowered" (default 0.05)' })),
  },
  strict,
);
export type AnalysisSettings = Static<typeof AnalysisSettingsSchema>;

export const AutoPromoteSchema = Type.Object(
  {
    rule: Type.Union([Type.Literal('significant'), Type.Literal('chance-to-win')], {
      description: 'significant: the primary metric improves with p < alpha; chance-to-win: P(better than control) >= threshold',
    }),
    threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0.5, exclusiveMaximum: 1, description: 'chance-to-win threshold (default 0.95)' })),
    minUnitsPerVariant: Type.Optional(Type.Integer({ minimum: 2 })),
  },
  strict,
);
/** @public The type of the schema above, by the same name (a concept's schema and type travel together). */
export type AutoPromote = Static<typeof AutoPromoteSchema>;

export const VariantSchema = Type.Object(
  {
    key: Slug,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    weight: Type.Number({ minimum: 0, maximum: 1 }),
  },
  strict,
);
export type Variant = Static<typeof VariantSchema>;

export const LayerSchema = Type.Object(
  {
    name: Slug,
    start: Type.Number({ minimum: 0, maximum: 1 }),
    end: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { ...strict, description: 'Mutually exclusive layer: experiments of one layer take disjoint slices [start, end) of its units' },
);
export type Layer = Static<typeof LayerSchema>;

export const ExperimentInputSchema = Type.Object(
  {
    key: Slug,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    unit: Type.Optional(Type.Union([Type.Literal('anonymousId'), Type.Literal('userId')], { description: 'The identifier that is hashed and counted as a unit (default anonymousId)' })),
    kind: Type.Optional(Type.Union([Type.Literal('ab'), Type.Literal('holdout')], { description: 'holdout: a global control group; its first variant is kept out of every other experiment' })),
    variants: Type.Array(VariantSchema, { minItems: 2, maxItems: 20, description: 'The first variant is the control; weights sum to 1' }),
    traffic: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Share of eligible units in the experiment (default 1)' })),
    allocation: Type.Optional(
      Type.Union([Type.Literal('fixed'), Type.Literal('thompson')], {
        description: 'thompson: a bandit; rebalancing moves new traffic toward the variant likely best on the primary (conversion) metric',
      }),
    ),
    targeting: Type.Optional(Type.Unknown({ description: "A segment condition (see the segments API) the unit's profile must match" })),
    layer: Type.Optional(LayerSchema),
    metrics: Type.Array(MetricDefinitionSchema, { minItems: 1, maxItems: 50 }),
    primaryMetric: Type.Optional(Slug),
    analysis: Type.Optional(AnalysisSettingsSchema),
    autoPromote: Type.Optional(AutoPromoteSchema),
  },
  { ...strict, $id: 'ExperimentInput' },
);
export type ExperimentInput = Static<typeof ExperimentInputSchema>;

/** A validated definition with defaults filled in. */
export interface ExperimentDefinition extends ExperimentInput {
  unit: 'anonymousId' | 'userId';
  kind: 'ab' | 'holdout';
  allocation: 'fixed' | 'thompson';
  traffic: number;
  primaryMetric: string;
  analysis: Required<Omit<AnalysisSettings, 'alternative' | 'difference' | 'correction'>> & Required<Pick<AnalysisSettings, 'alternative' | 'difference' | 'correction'>>;
}

const WEIGHT_TOLERANCE = 1e-6;

/**
 * Validates an experiment definition (shape and meaning) and fills in defaults. Every problem is
 * reported at once, each with the field and how to fix it.
 * @example const definition = parseExperiment({ key: 'hello-bar', name: 'Hello bar', variants: [...], metrics: [...] });
 */
export function parseExperiment(input: unknown, parseTargeting?: (condition: unknown) => unknown): ExperimentDefinition {
  if (!Value.Check(ExperimentInputSchema, input)) {
    const issues: FieldIssue[] = [...Value.Errors(ExperimentInputSchema, input)].slice(0, 20).map((error) => ({
      field: error.path.replace(/^\//, '').replace(/\//g, '.') || '(body)',
      rule: 'schema',
      message: error.message,
    }));
    throw new RapportError('experiment.invalid', `the experiment definition is invalid: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}`, issues);
  }
  const issues: FieldIssue[] = [];
  const weightSum = input.variants.reduce((sum, variant) => sum + variant.weight, 0);
  if (Math.abs(weightSum - 1) > WEIGHT_TOLERANCE) {
    issues.push({ field: 'variants', rule: 'weights', message: `variant weights must sum to 1, they sum to ${Number(weightSum.toFixed(6))}; e.g. two variants 0.5 and 0.5` });
  }
  if (input.variants.every((variant) => variant.weight === 0)) issues.push({ field: 'variants', rule: 'weights', message: 'at least one variant needs a positive weight' });
  duplicates(input.variants.map((variant) => variant.key)).forEach((key) => issues.push({ field: 'variants', rule: 'unique', message: `variant key "${key}" appears twice` }));
  duplicates(input.metrics.map((metric) => metric.id)).forEach((id) => issues.push({ field: 'metrics', rule: 'unique', message: `metric id "${id}" appears twice` }));
  input.metrics.forEach((metric, index) => {
    const field = `metrics[${index}]`;
    if (metric.kind === 'ratio') {
      if (metric.numerator === undefined || metric.denominator === undefined)
        issues.push({ field, rule: 'ratio', message: 'a ratio metric needs numerator and denominator (e.g. revenue of Order Completed over Order Completed count)' });
    } else if (metric.event === undefined) {
      issues.push({ field: `${field}.event`, rule: 'required', message: `a ${metric.kind} metric needs "event"` });
    }
  });
  const primaryMetric = input.primaryMetric ?? input.metrics[0]?.id ?? '';
  if (!input.metrics.some((metric) => metric.id === primaryMetric)) {
    issues.push({ field: 'primaryMetric', rule: 'unknown_metric', message: `unknown metric "${primaryMetric}"; it must be one of ${input.metrics.map((metric) => `"${metric.id}"`).join(', ')}` });
  }
  if (input.layer !== undefined && !(input.layer.start < input.layer.end)) issues.push({ field: 'layer', rule: 'range', message: 'layer start must be below end, e.g. start 0 and end 0.5' });
  if (input.allocation === 'thompson' && input.metrics.find((metric) => metric.id === primaryMetric)?.kind !== 'conversion') {
    issues.push({ field: 'allocation', rule: 'bandit', message: 'a Thompson-sampling bandit needs a conversion primary metric' });
  }
  if (input.kind === 'holdout' && input.layer !== undefined) issues.push({ field: 'layer', rule: 'holdout', message: 'a holdout covers every unit; it cannot sit in a layer' });
  if (input.targeting !== undefined && parseTargeting !== undefined) {
    try {
      parseTargeting(input.targeting);
    } catch (error) {
      issues.push({ field: 'targeting', rule: 'condition', message: error instanceof Error ? error.message : String(error) });
    }
  }
  if (issues.length > 0) throw new RapportError('experiment.invalid', issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '), issues);
  const analysis = input.analysis ?? {};
  return {
    ...input,
    unit: input.unit ?? 'anonymousId',
    allocation: input.allocation ?? 'fixed',
    kind: input.kind ?? 'ab',
    traffic: input.traffic ?? 1,
    primaryMetric,
    analysis: {
      method: analysis.method ?? 'sequential',
      alpha: analysis.alpha ?? 0.05,
      alternative: analysis.alternative ?? 'two-sided',
      difference: analysis.difference ?? 'relative',
      correction: analysis.correction ?? 'holm',
      cuped: analysis.cuped ?? false,
      minUnitsPerVariant: analysis.minUnitsPerVariant ?? 100,
      tuning: analysis.tuning ?? 5000,
      targetMde: analysis.targetMde ?? 0.05,
    },
  };
}

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) repeated.add(value);
    seen.add(value);
  }
  return [...repeated];
}

/** Whether two layer slices overlap (half-open ranges). */
export function layersOverlap(a: Layer, b: Layer): boolean {
  return a.name === b.name && a.start < b.end && b.start < a.end;
}

/** The answer to an assignment request (GET /v1/experiments/:key/assignment and the admin API's). */
export const AssignmentSchema = Type.Object({
  experiment: Type.String(),
  variant: Type.String({ description: 'The variant to show (the control when not in the experiment)' }),
  inExperiment: Type.Boolean(),
  reason: Type.String({ description: 'assigned, sticky, not_running, promoted, holdout, targeting, layer, traffic or no_unit' }),
  bucket: Type.Number(),
});
