import { Type, type Static } from '@sinclair/typebox';

/*
 * The parameters of every analysis: one TypeBox schema each, shared by the HTTP routes (which
 * validate and document them), the CLI and the engine. A schema and its type share one name.
 */

const IsoDate = Type.String({ format: 'date-time', description: 'ISO-8601 instant, e.g. 2024-05-01T00:00:00Z' });

const FilterScalar = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean()]);

/** The ops of a funnel step's property filter: the segment event condition's names, plus the older `eq` / `neq`. */
export const propertyFilterOps = [
  'equals',
  'not_equals',
  'in',
  'not_in',
  'contains',
  'not_contains',
  'starts_with',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'exists',
  'not_exists',
  'is_true',
  'is_false',
  'eq',
  'neq',
] as const;

export const PropertyFilter = Type.Object(
  {
    property: Type.String({
      maxLength: 100,
      pattern: '^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$',
      description: 'Event property name; dots reach into objects (address.city); no empty parts (`$..a`, `a.`)',
    }),
    op: Type.Union(
      propertyFilterOps.map((op) => Type.Literal(op)),
      {
        description:
          "As a segment's event condition: a missing property passes only not_equals, not_in, not_contains and not_exists; contains and starts_with ignore case. `eq` / `neq` are the older names of equals / not_equals (neq also needs the property present)",
      },
    ),
    value: Type.Optional(FilterScalar),
    values: Type.Optional(Type.Array(FilterScalar, { minItems: 1, maxItems: 100, description: 'For in / not_in' })),
    min: Type.Optional(Type.Number({ description: 'For between (inclusive)' })),
    max: Type.Optional(Type.Number({ description: 'For between (inclusive)' })),
  },
  { additionalProperties: false },
);
export type PropertyFilter = Static<typeof PropertyFilter>;

export const FunnelStep = Type.Object(
  {
    event: Type.String({ minLength: 1, maxLength: 200, description: 'Track event name, or the page/screen name when `type` is page or screen; `*` matches any name' }),
    type: Type.Optional(Type.Union([Type.Literal('track'), Type.Literal('page'), Type.Literal('screen')], { default: 'track' })),
    where: Type.Optional(Type.Array(PropertyFilter, { maxItems: 10 })),
    label: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type FunnelStep = Static<typeof FunnelStep>;

export const funnelBreakdowns = ['source', 'medium', 'campaign', 'channel', 'device', 'country', 'first_vs_returning', 'month', 'segment'] as const;

export const FunnelQuery = Type.Object(
  {
    steps: Type.Array(FunnelStep, { minItems: 2, maxItems: 10 }),
    from: IsoDate,
    to: IsoDate,
    windowHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 * 366, default: 168, description: 'Conversion window from the first step' })),
    order: Type.Optional(
      Type.Union([Type.Literal('loose'), Type.Literal('strict'), Type.Literal('any')], {
        default: 'loose',
        description: 'loose: steps in order, other events between allowed; strict: each step is the very next event; any: steps after the first in any order',
      }),
    ),
    breakdown: Type.Optional(
      Type.Union(
        funnelBreakdowns.map((name) => Type.Literal(name)),
        { description: 'Split by a property of the first step (or the profile): traffic source, campaign, device, country, first vs returning visitor, calendar month (month over month), segment' },
      ),
    ),
    segmentIds: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 20, description: 'With breakdown=segment: the segments to compare' })),
  },
  { additionalProperties: false },
);
export type FunnelQuery = Static<typeof FunnelQuery>;

// One object, not an intersection: FunnelQuery refuses unknown fields, so intersecting it
// refused `step` itself and every call answered 400.
export const DroppedQuery = Type.Object(
  {
    ...FunnelQuery.properties,
    step: Type.Integer({ minimum: 2, description: 'Profiles who reached step-1 but not this step (1-based)' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, default: 1000 })),
    saveAs: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9_]{1,40}$',
        description: 'Also store the score funnel_<saveAs> = step on each listed profile (source analytics:funnel), so a segment can target them',
      }),
    ),
  },
  { additionalProperties: false },
);
export type DroppedQuery = Static<typeof DroppedQuery>;

export const CohortQuery = Type.Object(
  {
    anchor: Type.Optional(Type.Union([Type.Literal('first_purchase'), Type.Literal('signup'), Type.Literal('first_seen')], { default: 'first_purchase' })),
    period: Type.Optional(Type.Union([Type.Literal('week'), Type.Literal('month')], { default: 'month' })),
    periods: Type.Optional(Type.Integer({ minimum: 1, maximum: 104, default: 12 })),
    returnEvent: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Retention by this event; default: purchases (Order Completed)' })),
    signupEvent: Type.Optional(Type.String({ minLength: 1, maxLength: 200, default: 'Signed Up' })),
    from: Type.Optional(IsoDate),
    to: Type.Optional(IsoDate),
  },
  { additionalProperties: false },
);
export type CohortQuery = Static<typeof CohortQuery>;

export const RfmQuery = Type.Object(
  {
    asOf: Type.Optional(IsoDate),
    compareTo: Type.Optional(Type.String({ format: 'date-time', description: 'Also score as of this earlier instant and report movement between groups' })),
    write: Type.Optional(Type.Boolean({ default: false, description: 'Store rfm_recency, rfm_frequency, rfm_monetary, rfm_group on the profiles' })),
    limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000, default: 100, description: 'Profile rows to return (the summary covers all)' })),
  },
  { additionalProperties: false },
);
export type RfmQuery = Static<typeof RfmQuery>;

export const AttributionQuery = Type.Object(
  {
    from: IsoDate,
    to: IsoDate,
    model: Type.Optional(Type.Union([Type.Literal('first_touch'), Type.Literal('last_touch')], { default: 'last_touch' })),
    by: Type.Optional(Type.Union([Type.Literal('channel'), Type.Literal('source'), Type.Literal('campaign'), Type.Literal('message')], { default: 'channel' })),
    lookbackDays: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 365, default: 30, description: 'UTM touches older than this before the order do not count' })),
    emailWindowHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 * 90, default: 120 })),
    smsWindowHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 * 90, default: 120 })),
    pushWindowHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 * 90, default: 24 })),
    onsiteWindowHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 * 90, default: 24 })),
  },
  { additionalProperties: false },
);
export type AttributionQuery = Static<typeof AttributionQuery>;

export const PeriodQuery = Type.Object({ from: IsoDate, to: IsoDate }, { additionalProperties: false });
export type PeriodQuery = Static<typeof PeriodQuery>;

/** Days an analysis covers when the request names no period: the last 30 days ending now, to the end of the minute (KPIs compare them with the 30 before). */
export const DEFAULT_PERIOD_DAYS = 30;

const OptionalFrom = Type.Optional(Type.String({ format: 'date-time', description: `ISO-8601 instant; default: ${DEFAULT_PERIOD_DAYS} days before \`to\`` }));
const OptionalTo = Type.Optional(Type.String({ format: 'date-time', description: 'ISO-8601 instant; default: now, rounded up to the minute' }));

/*
 * The same questions as they may be asked over HTTP: the period may be left out. The service fills
 * it in (see AnalysisPeriod) and the answer states the period it used.
 */
export const PeriodRequest = Type.Object({ from: OptionalFrom, to: OptionalTo }, { additionalProperties: false });
export type PeriodRequest = Static<typeof PeriodRequest>;
export const FunnelRequest = Type.Composite([Type.Omit(FunnelQuery, ['from', 'to']), PeriodRequest], { additionalProperties: false });
export type FunnelRequest = Static<typeof FunnelRequest>;
export const DroppedRequest = Type.Composite([Type.Omit(DroppedQuery, ['from', 'to']), PeriodRequest], { additionalProperties: false });
export type DroppedRequest = Static<typeof DroppedRequest>;
export const AttributionRequest = Type.Composite([Type.Omit(AttributionQuery, ['from', 'to']), PeriodRequest], { additionalProperties: false });
export type AttributionRequest = Static<typeof AttributionRequest>;

/** The period an answer covers, and whether the request named it or the default filled it in. */
export interface AnalysisPeriod {
  from: string;
  to: string;
  source: 'requested' | 'default';
}
