import { Type, type Static } from '@sinclair/typebox';

/*
 * The on-site campaign: the one definition of what the admin API saves, the compiler serves to
 * the browser SDK and the report measures. Wire shapes follow the on-site contract shared with
 * the SDK (docs/modules/onsite.md).
 */

const strict = { additionalProperties: false } as const;
const Text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, ...(description === undefined ? {} : { description }) });
const Id = Type.String({ minLength: 1, maxLength: 120 });
/** Locale tags as keys of content: `en`, `ar`, `ja`, `pt-BR`; never `__proto__` and friends. */
export const LOCALE_PATTERN = '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$';
const Locale = Type.String({ pattern: LOCALE_PATTERN, maxLength: 35 });
/** An ISO 8601 time with its offset (a pattern, so the module's own validator needs no format registry). */
const IsoTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$',
  maxLength: 40,
  description: 'ISO 8601 with offset, e.g. 2026-12-01T09:00:00Z',
});

export const widgetTypes = [
  'hello_bar',
  'side_coupon',
  'popup',
  'floating_icon',
  'scratch_coupon',
  'free_shipping_bar',
  'countdown',
  'survey',
  'recommendations',
  'banner',
  'push_prompt',
  'inbox',
] as const;
export const WidgetTypeSchema = Type.Union(widgetTypes.map((type) => Type.Literal(type)));
export type WidgetType = Static<typeof WidgetTypeSchema>;

/** Widgets that take over the page (one per page view, arbitrated by priority). */
export const modalTypes: ReadonlySet<WidgetType> = new Set(['popup', 'scratch_coupon', 'survey']);

const Seconds = (max: number) => Type.Number({ minimum: 0, maximum: max });

/** Trigger schemas by `type` (OR'd; none means page_load). */
export const triggerSchemas = {
  page_load: Type.Object({ type: Type.Literal('page_load'), delaySeconds: Type.Optional(Seconds(3600)) }, strict),
  time_on_page: Type.Object({ type: Type.Literal('time_on_page'), seconds: Seconds(86_400) }, strict),
  time_on_site: Type.Object({ type: Type.Literal('time_on_site'), seconds: Seconds(86_400) }, strict),
  scroll_depth: Type.Object({ type: Type.Literal('scroll_depth'), percent: Type.Number({ minimum: 0, maximum: 100 }) }, strict),
  inactivity: Type.Object({ type: Type.Literal('inactivity'), seconds: Type.Number({ exclusiveMinimum: 0, maximum: 86_400 }) }, strict),
  exit_intent: Type.Object(
    { type: Type.Literal('exit_intent'), minDwellSeconds: Seconds(3600), mobile: Type.Boolean({ description: 'Also the less precise mobile signal (fast upward scroll, back, tab hide)' }) },
    strict,
  ),
  custom_event: Type.Object({ type: Type.Literal('custom_event'), event: Text(200) }, strict),
  cart_change: Type.Object({ type: Type.Literal('cart_change') }, strict),
} as const;
export const TriggerSchema = Type.Union(Object.values(triggerSchemas));

const Range = { min: Type.Optional(Type.Integer({ minimum: 0 })), max: Type.Optional(Type.Integer({ minimum: 0 })) };
const Tier = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]);
const Channel = Type.Union([Type.Literal('email'), Type.Literal('sms'), Type.Literal('push')]);

/** Audience rule schemas by `type` (AND'd). */
export const ruleSchemas = {
  url: Type.Object(
    {
      type: Type.Literal('url'),
      match: Type.Union([Type.Literal('equals'), Type.Literal('contains'), Type.Literal('starts_with'), Type.Literal('ends_with'), Type.Literal('regex'), Type.Literal('glob')]),
      value: Text(500),
      negate: Type.Optional(Type.Boolean()),
    },
    strict,
  ),
  device: Type.Object(
    { type: Type.Literal('device'), devices: Type.Array(Type.Union([Type.Literal('mobile'), Type.Literal('tablet'), Type.Literal('desktop')]), { minItems: 1, maxItems: 3 }) },
    strict,
  ),
  country: Type.Object({ type: Type.Literal('country'), countries: Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), { minItems: 1, maxItems: 300 }) }, strict),
  traffic_source: Type.Object(
    {
      type: Type.Literal('traffic_source'),
      sources: Type.Array(Type.Union(['direct', 'organic', 'paid', 'social', 'email', 'referral'].map((source) => Type.Literal(source))), { maxItems: 6 }),
      utm: Type.Optional(Type.Object({ source: Type.Optional(Text(200)), medium: Type.Optional(Text(200)), campaign: Type.Optional(Text(200)) }, strict)),
    },
    strict,
  ),
  visitor: Type.Object({ type: Type.Literal('visitor'), kind: Type.Union([Type.Literal('new'), Type.Literal('returning')]) }, strict),
  visits: Type.Object({ type: Type.Literal('visits'), ...Range, days: Type.Integer({ minimum: 1, maximum: 365 }) }, strict),
  pages_this_session: Type.Object({ type: Type.Literal('pages_this_session'), ...Range }, strict),
  cart: Type.Object(
    {
      type: Type.Literal('cart'),
      minValue: Type.Optional(Type.Integer({ minimum: 0, description: 'Minor units (cents)' })),
      maxValue: Type.Optional(Type.Integer({ minimum: 0, description: 'Minor units (cents)' })),
      minItems: Type.Optional(Type.Integer({ minimum: 0 })),
      productIds: Type.Optional(Type.Array(Id, { maxItems: 500 })),
    },
    strict,
  ),
  segment: Type.Object({ type: Type.Literal('segment'), allow: Type.Optional(Type.Array(Id, { maxItems: 100 })), deny: Type.Optional(Type.Array(Id, { maxItems: 100 })) }, strict),
  identified: Type.Object({ type: Type.Literal('identified'), value: Type.Boolean() }, strict),
  score_tier: Type.Object({ type: Type.Literal('score_tier'), score: Type.Union([Type.Literal('clv'), Type.Literal('churn')]), tiers: Type.Array(Tier, { minItems: 1, maxItems: 3 }) }, strict),
  subscribed: Type.Object({ type: Type.Literal('subscribed'), channel: Channel, value: Type.Boolean() }, strict),
  language: Type.Object({ type: Type.Literal('language'), languages: Type.Array(Locale, { minItems: 1, maxItems: 100 }) }, strict),
} as const;
export const RuleSchema = Type.Union(Object.values(ruleSchemas));

export const FrequencySchema = Type.Union([
  Type.Literal('once'),
  Type.Literal('session'),
  Type.Literal('always'),
  Type.Object({ everyMinutes: Type.Number({ exclusiveMinimum: 0, maximum: 525_600, description: 'At most one view per this many minutes' }) }, strict),
]);

export const CapsSchema = Type.Object(
  {
    frequency: FrequencySchema,
    maxViews: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'At most this many views per visitor' })),
    stopAfterClose: Type.Optional(Type.Boolean()),
    stopAfterConversion: Type.Optional(Type.Boolean()),
    suppressAfterSignup: Type.Optional(Type.Boolean()),
  },
  strict,
);

const HttpUrl = Type.String({ maxLength: 2000, pattern: '^(https?://|/)\\S*$' });

export const ContentSchema = Type.Object(
  {
    headline: Type.Optional(Text(300)),
    body: Type.Optional(Text(2000)),
    cta: Type.Optional(Text(100)),
    ctaUrl: Type.Optional(HttpUrl),
    closeLabel: Type.Optional(Text(100)),
    coupon: Type.Optional(
      Type.Object(
        {
          pool: Id,
          tiered: Type.Optional(Type.Boolean({ description: "Offer by CLV tier: the pool's tiers rule reads the visitor's clv_tier score" })),
          withholdAbovePropensity: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'No code for visitors whose propensity_30d is at least this (they buy anyway)' })),
        },
        strict,
      ),
    ),
    capture: Type.Optional(
      Type.Object(
        {
          fields: Type.Array(Type.Union([Type.Literal('email'), Type.Literal('phone')]), { minItems: 1, maxItems: 2 }),
          consentText: Text(1000),
          successHeadline: Text(300),
          successBody: Type.Optional(Text(2000)),
        },
        strict,
      ),
    ),
    steps: Type.Optional(Type.Array(Type.Object({ headline: Text(300), body: Type.Optional(Text(2000)), cta: Text(100) }, strict), { minItems: 1, maxItems: 5 })),
    threshold: Type.Optional(Type.Integer({ minimum: 1, description: 'Free-shipping threshold in minor units' })),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    progressText: Type.Optional(Text(300, 'Shown below the threshold; {remaining} is the amount still missing')),
    reachedText: Type.Optional(Text(300)),
    endsAt: Type.Optional(IsoTime),
    questions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.String({ pattern: '^[a-z0-9_]{1,40}$' }),
            kind: Type.Union([Type.Literal('nps'), Type.Literal('single'), Type.Literal('multi'), Type.Literal('text')]),
            text: Text(500),
            options: Type.Optional(Type.Array(Text(200), { minItems: 2, maxItems: 20 })),
          },
          strict,
        ),
        { minItems: 1, maxItems: 10 },
      ),
    ),
    strategy: Type.Optional(Text(60)),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 })),
    imageUrl: Type.Optional(HttpUrl),
    imageAlt: Type.Optional(Text(300)),
    position: Type.Optional(Type.Union([Type.Literal('top'), Type.Literal('bottom'), Type.Literal('left'), Type.Literal('right'), Type.Literal('center')])),
  },
  strict,
);
export type Content = Static<typeof ContentSchema>;

const LocalisedContent = Type.Record(Type.String({ pattern: LOCALE_PATTERN }), ContentSchema, { additionalProperties: false, minProperties: 1, maxProperties: 50 });

export const VariantSchema = Type.Object(
  {
    key: Type.String({ pattern: '^[a-z0-9_-]{1,40}$' }),
    weight: Type.Number({ exclusiveMinimum: 0, maximum: 1000 }),
    content: LocalisedContent,
  },
  strict,
);

/** What the admin API accepts to create or replace a campaign. */
export const CampaignInputSchema = Type.Object(
  {
    name: Text(200),
    type: WidgetTypeSchema,
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 0, description: 'Higher wins when several campaigns want the page' })),
    schedule: Type.Optional(Type.Object({ startAt: Type.Optional(IsoTime), endAt: Type.Optional(IsoTime) }, strict)),
    triggers: Type.Array(TriggerSchema, { maxItems: 20, description: "OR'd; empty means page_load" }),
    audience: Type.Array(RuleSchema, { maxItems: 50, description: "AND'd" }),
    caps: CapsSchema,
    holdout: Type.Optional(Type.Number({ minimum: 0, maximum: 0.9, default: 0, description: 'Share of visitors that sees nothing (the uplift baseline)' })),
    salt: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,80}$', description: 'Assignment hash seed; default the campaign id' })),
    variants: Type.Array(VariantSchema, { minItems: 1, maxItems: 10 }),
    defaultLocale: Locale,
    slot: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'CSS selector of the reserved slot (banner, recommendations)' })),
    conversion: Type.Optional(Type.Object({ event: Text(200), windowHours: Type.Integer({ minimum: 1, maximum: 2160 }) }, strict)),
    teaserOf: Type.Optional(Id),
    journeyId: Type.Optional(Type.String({ minLength: 1, maxLength: 120, description: 'Journey a submission enters (e.g. a welcome series)' })),
    doubleOptIn: Type.Optional(
      Type.Object(
        { templateId: Id, confirmBaseUrl: Type.String({ pattern: '^https?://\\S+$', maxLength: 500 }) },
        { ...strict, description: 'Email consent stays pending until the confirmation link is followed' },
      ),
    ),
  },
  strict,
);
export type CampaignInput = Static<typeof CampaignInputSchema>;

export const campaignStates = ['draft', 'active', 'paused', 'ended'] as const;
export const CampaignStatusSchema = Type.Union(['draft', 'scheduled', 'live', 'paused', 'ended'].map((status) => Type.Literal(status)));

/** A saved campaign as the admin API returns it. */
export const CampaignSchema = Type.Composite([
  CampaignInputSchema,
  Type.Object({
    id: Type.String(),
    /** `scheduled`/`live`/`ended` follow from an active campaign's schedule and the clock. */
    status: CampaignStatusSchema,
    priority: Type.Integer(),
    holdout: Type.Number(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  }),
]);
export type Campaign = Static<typeof CampaignSchema>;
export type CampaignStatus = Campaign['status'];
export type CampaignState = (typeof campaignStates)[number];

/** The campaign as served to the SDK in the on-site configuration. */
export const CompiledCampaignSchema = Type.Object({
  id: Type.String(),
  type: WidgetTypeSchema,
  priority: Type.Integer(),
  modal: Type.Boolean(),
  slot: Type.Optional(Type.String()),
  triggers: Type.Array(TriggerSchema),
  audience: Type.Array(RuleSchema),
  caps: CapsSchema,
  salt: Type.String(),
  holdout: Type.Number(),
  variants: Type.Array(VariantSchema),
  defaultLocale: Type.String(),
  conversion: Type.Optional(Type.Object({ event: Type.String(), windowHours: Type.Integer() })),
  teaserOf: Type.Optional(Type.String()),
});
export type CompiledCampaign = Static<typeof CompiledCampaignSchema>;

export const OnsiteSettingsSchema = Type.Object(
  {
    maxModalsPerPage: Type.Integer({ minimum: 0, maximum: 10, default: 1 }),
    quietPeriodSeconds: Type.Integer({ minimum: 0, maximum: 86_400, default: 30 }),
    consentMode: Type.Union([Type.Literal('off'), Type.Literal('required'), Type.Literal('forms_only')], { default: 'off' }),
  },
  strict,
);
export type OnsiteSettings = Static<typeof OnsiteSettingsSchema>;

export const OnsiteConfigSchema = Type.Object({
  version: Type.String(),
  workspace: Type.String(),
  brand: Type.Object({
    primaryColor: Type.String(),
    textColor: Type.String(),
    backgroundColor: Type.String(),
    fontFamily: Type.Optional(Type.String()),
    logoUrl: Type.Optional(Type.String()),
    borderRadius: Type.Optional(Type.Number()),
  }),
  global: Type.Object({ maxModalsPerPage: Type.Integer(), quietPeriodSeconds: Type.Integer() }),
  consentMode: OnsiteSettingsSchema.properties.consentMode,
  campaigns: Type.Array(CompiledCampaignSchema),
});
export type OnsiteConfig = Static<typeof OnsiteConfigSchema>;

const TierOrNull = Type.Union([Tier, Type.Null()]);
export const VisitorFactsSchema = Type.Object({
  profileId: Type.Union([Type.String(), Type.Null()]),
  identified: Type.Boolean(),
  verified: Type.Boolean(),
  country: Type.Union([Type.String(), Type.Null()]),
  locale: Type.Union([Type.String(), Type.Null()]),
  segments: Type.Array(Type.String()),
  tiers: Type.Object({ clv: TierOrNull, churn: TierOrNull }),
  cart: Type.Union([Type.Object({ value: Type.Integer(), currency: Type.Union([Type.String(), Type.Null()]), items: Type.Integer(), productIds: Type.Array(Type.String()) }), Type.Null()]),
  subscribed: Type.Object({ email: Type.Boolean(), sms: Type.Boolean(), push: Type.Boolean() }),
  visits: Type.Object({ first: Type.Union([Type.String(), Type.Null()]), last30d: Type.Integer() }),
  queued: Type.Array(Type.Object({ campaignId: Type.String(), journeyId: Type.Optional(Type.String()) })),
  converted: Type.Array(Type.String()),
});
export type VisitorFacts = Static<typeof VisitorFactsSchema>;
export type ScoreTier = Static<typeof Tier>;
