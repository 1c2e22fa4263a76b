/*
 * The on-site campaign as the admin API takes it (src/onsite/campaign.ts is the source; the app
 * restates only the shape it edits), the content fields each widget type renders, and the
 * client-side checks that mirror the API's cheap ones so a form answers as the marketer types.
 */

export const WIDGET_TYPES = [
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
export type WidgetType = (typeof WIDGET_TYPES)[number];

export const TRIGGER_TYPES = ['page_load', 'time_on_page', 'time_on_site', 'scroll_depth', 'inactivity', 'exit_intent', 'custom_event', 'cart_change'] as const;
export type Trigger =
  | { type: 'page_load'; delaySeconds?: number }
  | { type: 'time_on_page'; seconds: number }
  | { type: 'time_on_site'; seconds: number }
  | { type: 'scroll_depth'; percent: number }
  | { type: 'inactivity'; seconds: number }
  | { type: 'exit_intent'; minDwellSeconds: number; mobile: boolean }
  | { type: 'custom_event'; event: string }
  | { type: 'cart_change' };
export type TriggerType = Trigger['type'];

export const RULE_TYPES = ['url', 'device', 'traffic_source', 'visitor', 'segment', 'score_tier', 'identified', 'subscribed', 'cart', 'pages_this_session', 'visits', 'country', 'language'] as const;
export const URL_MATCHES = ['glob', 'contains', 'equals', 'starts_with', 'ends_with', 'regex'] as const;
export const DEVICES = ['mobile', 'tablet', 'desktop'] as const;
export const SOURCES = ['direct', 'organic', 'paid', 'social', 'email', 'referral'] as const;
export const TIERS = ['low', 'medium', 'high'] as const;
export const CHANNELS = ['email', 'sms', 'push'] as const;
export type Rule =
  | { type: 'url'; match: (typeof URL_MATCHES)[number]; value: string; negate?: boolean }
  | { type: 'device'; devices: (typeof DEVICES)[number][] }
  | { type: 'country'; countries: string[] }
  | { type: 'traffic_source'; sources: (typeof SOURCES)[number][]; utm?: { source?: string; medium?: string; campaign?: string } }
  | { type: 'visitor'; kind: 'new' | 'returning' }
  | { type: 'visits'; min?: number; max?: number; days: number }
  | { type: 'pages_this_session'; min?: number; max?: number }
  | { type: 'cart'; minValue?: number; maxValue?: number; minItems?: number; productIds?: string[] }
  | { type: 'segment'; allow?: string[]; deny?: string[] }
  | { type: 'identified'; value: boolean }
  | { type: 'score_tier'; score: 'clv' | 'churn'; tiers: (typeof TIERS)[number][] }
  | { type: 'subscribed'; channel: (typeof CHANNELS)[number]; value: boolean }
  | { type: 'language'; languages: string[] };
export type RuleType = Rule['type'];

export type Frequency = 'once' | 'session' | 'always' | { everyMinutes: number };
export interface Caps {
  frequency: Frequency;
  maxViews?: number;
  stopAfterClose?: boolean;
  stopAfterConversion?: boolean;
  suppressAfterSignup?: boolean;
}

export interface Question {
  id: string;
  kind: 'nps' | 'single' | 'multi' | 'text';
  text: string;
  options?: string[];
}

export interface Content {
  headline?: string;
  body?: string;
  cta?: string;
  ctaUrl?: string;
  closeLabel?: string;
  coupon?: { pool: string; tiered?: boolean; withholdAbovePropensity?: number };
  capture?: { fields: ('email' | 'phone')[]; consentText: string; successHeadline: string; successBody?: string };
  steps?: { headline: string; body?: string; cta: string }[];
  threshold?: number;
  currency?: string;
  progressText?: string;
  reachedText?: string;
  endsAt?: string;
  questions?: Question[];
  strategy?: string;
  count?: number;
  imageUrl?: string;
  imageAlt?: string;
  position?: 'top' | 'bottom' | 'left' | 'right' | 'center';
}

export interface Variant {
  key: string;
  weight: number;
  content: Record<string, Content>;
}

export interface CampaignInput {
  name: string;
  type: WidgetType;
  priority?: number;
  schedule?: { startAt?: string; endAt?: string };
  triggers: Trigger[];
  audience: Rule[];
  caps: Caps;
  holdout?: number;
  salt?: string;
  variants: Variant[];
  defaultLocale: string;
  slot?: string;
  conversion?: { event: string; windowHours: number };
  teaserOf?: string;
  journeyId?: string;
  doubleOptIn?: { templateId: string; confirmBaseUrl: string };
}

export type CampaignStatus = 'draft' | 'scheduled' | 'live' | 'paused' | 'ended';
export interface Campaign extends CampaignInput {
  id: string;
  status: CampaignStatus;
  priority: number;
  holdout: number;
  createdAt: string;
  updatedAt: string;
}

export interface Starter {
  key: string;
  name: string;
  type: WidgetType;
}

export type Uplift = { ok: true; estimate: number; ci: [number, number]; pValue: number; confidence: number } | { ok: false; reason: string; message: string };
export interface Arm {
  arm: string;
  visitors: number;
  impressions: number;
  clickers: number;
  ctr: number | null;
  submissions: number;
  conversions: number;
  viewThrough: number;
  clickThrough: number;
  conversionRate: number | null;
  revenue: number;
  revenuePerVisitor: number | null;
}
export interface CampaignReport {
  campaignId: string;
  name: string;
  type: WidgetType;
  status: string;
  conversionEvent: string;
  windows: { viewThroughHours: number; clickThroughHours: number };
  arms: Arm[];
  all: Arm;
  holdout: Arm | null;
  uplift: { conversionRate: Uplift; revenuePerVisitor: Uplift };
}
export interface TypeReport {
  type: WidgetType;
  campaigns: number;
  all: Arm;
  holdout: Arm | null;
  uplift: { conversionRate: Uplift; revenuePerVisitor: Uplift };
}
export interface OnsiteReport {
  from: string;
  to: string;
  confidence: number;
  campaigns: CampaignReport[];
  types: TypeReport[];
}

export type ContentKey =
  'headline' | 'body' | 'cta' | 'ctaUrl' | 'closeLabel' | 'threshold' | 'currency' | 'progressText' | 'reachedText' | 'endsAt' | 'strategy' | 'count' | 'imageUrl' | 'imageAlt' | 'position';

/** The plain content fields each widget type shows (coupon, capture and questions have their own editors). */
export const CONTENT_FIELDS: Readonly<Record<WidgetType, readonly ContentKey[]>> = {
  hello_bar: ['headline', 'cta', 'ctaUrl', 'closeLabel', 'position'],
  side_coupon: ['headline', 'body', 'cta', 'closeLabel', 'position'],
  popup: ['headline', 'body', 'cta', 'ctaUrl', 'imageUrl', 'imageAlt', 'closeLabel'],
  floating_icon: ['cta', 'closeLabel', 'position'],
  scratch_coupon: ['headline', 'body', 'cta', 'closeLabel'],
  free_shipping_bar: ['threshold', 'currency', 'progressText', 'reachedText', 'position'],
  countdown: ['headline', 'body', 'endsAt', 'cta', 'ctaUrl', 'position'],
  survey: ['headline', 'cta', 'closeLabel'],
  recommendations: ['headline', 'strategy', 'count'],
  banner: ['headline', 'body', 'cta', 'ctaUrl', 'imageUrl', 'imageAlt'],
  push_prompt: ['headline', 'body', 'cta', 'closeLabel'],
  inbox: ['headline', 'body', 'cta', 'ctaUrl'],
};

/** Positions that make sense per type (bars at an edge, side widgets left or right). */
export const POSITIONS: Readonly<Partial<Record<WidgetType, readonly NonNullable<Content['position']>[]>>> = {
  hello_bar: ['top', 'bottom'],
  free_shipping_bar: ['top', 'bottom'],
  countdown: ['top', 'bottom'],
  side_coupon: ['left', 'right'],
  floating_icon: ['left', 'right'],
};

export const COUPON_TYPES: ReadonlySet<WidgetType> = new Set(['side_coupon', 'scratch_coupon', 'popup']);
export const CAPTURE_TYPES: ReadonlySet<WidgetType> = new Set(['popup']);
export const SLOT_TYPES: ReadonlySet<WidgetType> = new Set(['banner', 'recommendations']);
export const STRATEGIES = ['for-you', 'also-bought', 'viewed-together', 'complementary', 'recently-viewed', 'trending', 'best-sellers', 'new-arrivals', 'highest-discount'] as const;

/** A blank campaign of one type that the API accepts once its copy is written. */
export function blankCampaign(type: WidgetType, name: string): CampaignInput {
  const content: Content =
    type === 'free_shipping_bar'
      ? { threshold: 7500, currency: 'USD', progressText: 'You are {remaining} away from free shipping', reachedText: 'You have free shipping!', position: 'top' }
      : type === 'recommendations'
        ? { headline: 'Picked for you', strategy: 'for-you', count: 4 }
        : type === 'survey'
          ? { headline: 'One quick question', cta: 'Send', closeLabel: 'Close', questions: [{ id: 'nps', kind: 'nps', text: 'How likely are you to recommend us to a friend?' }] }
          : type === 'floating_icon'
            ? { cta: 'Offers', closeLabel: 'Hide', position: 'left' }
            : { headline: '', cta: '', closeLabel: 'Close' };
  return {
    name,
    type,
    priority: 10,
    triggers: [{ type: 'page_load' }],
    audience: [],
    caps: { frequency: 'session', stopAfterClose: true },
    holdout: 0.1,
    defaultLocale: 'en',
    variants: [{ key: 'a', weight: 1, content: { en: content } }],
    ...(SLOT_TYPES.has(type) ? { slot: type === 'banner' ? '#rapport-banner' : '#rapport-recs' } : {}),
  };
}

/** The editable part of a saved campaign (what PUT takes back). */
export function inputOf(campaign: Campaign): CampaignInput {
  const { id: _id, status: _status, createdAt: _created, updatedAt: _updated, ...input } = campaign;
  return input;
}

/** A starter's saved campaign as the start of a new one: same definition, its own name, salt left to the new id. */
export function copyOf(campaign: Campaign, name: string): CampaignInput {
  const { salt: _salt, teaserOf: _teaser, ...input } = inputOf(campaign);
  return { ...input, name };
}

export const DEFAULT_TRIGGERS: { [K in TriggerType]: Extract<Trigger, { type: K }> } = {
  page_load: { type: 'page_load' },
  time_on_page: { type: 'time_on_page', seconds: 10 },
  time_on_site: { type: 'time_on_site', seconds: 30 },
  scroll_depth: { type: 'scroll_depth', percent: 50 },
  inactivity: { type: 'inactivity', seconds: 30 },
  exit_intent: { type: 'exit_intent', minDwellSeconds: 5, mobile: true },
  custom_event: { type: 'custom_event', event: 'Product Added' },
  cart_change: { type: 'cart_change' },
};

export const DEFAULT_RULES: { [K in RuleType]: Extract<Rule, { type: K }> } = {
  url: { type: 'url', match: 'glob', value: '/products/*' },
  device: { type: 'device', devices: ['desktop'] },
  country: { type: 'country', countries: ['US'] },
  traffic_source: { type: 'traffic_source', sources: ['paid'] },
  visitor: { type: 'visitor', kind: 'new' },
  visits: { type: 'visits', min: 2, days: 30 },
  pages_this_session: { type: 'pages_this_session', min: 2 },
  cart: { type: 'cart', minItems: 1 },
  segment: { type: 'segment', allow: [], deny: [] },
  identified: { type: 'identified', value: false },
  score_tier: { type: 'score_tier', score: 'clv', tiers: ['high'] },
  subscribed: { type: 'subscribed', channel: 'email', value: false },
  language: { type: 'language', languages: ['en'] },
};

/** A regular expression the browser can compile (the API also refuses catastrophic ones). */
export function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export type ClientIssue = { field: string; key: 'required' | 'holdout' | 'regex' | 'range' | 'maxViewsOnce' | 'schedule' | 'weight' | 'variantKey'; detail?: string };

/** The checks that need no server: the same rules the API applies, answered as the marketer types. */
export function clientIssues(input: CampaignInput): ClientIssue[] {
  const out: ClientIssue[] = [];
  if (input.name.trim() === '') out.push({ field: 'name', key: 'required' });
  const holdout = input.holdout ?? 0;
  if (!(holdout >= 0 && holdout <= 0.9)) out.push({ field: 'holdout', key: 'holdout' });
  input.audience.forEach((rule, index) => {
    if (rule.type === 'url') {
      if (rule.value.trim() === '') out.push({ field: `audience[${index}].value`, key: 'required' });
      else if (rule.match === 'regex') {
        const problem = regexProblem(rule.value);
        if (problem !== undefined) out.push({ field: `audience[${index}].value`, key: 'regex', detail: problem });
      }
    }
    if ((rule.type === 'visits' || rule.type === 'pages_this_session') && rule.min !== undefined && rule.max !== undefined && rule.min > rule.max)
      out.push({ field: `audience[${index}].min`, key: 'range' });
  });
  if (input.caps.frequency === 'once' && input.caps.maxViews !== undefined && input.caps.maxViews > 1) out.push({ field: 'caps.maxViews', key: 'maxViewsOnce' });
  const { startAt, endAt } = input.schedule ?? {};
  if (startAt !== undefined && endAt !== undefined && Date.parse(endAt) <= Date.parse(startAt)) out.push({ field: 'schedule.endAt', key: 'schedule' });
  const keys = new Set<string>();
  input.variants.forEach((variant, index) => {
    if (!(variant.weight > 0)) out.push({ field: `variants[${index}].weight`, key: 'weight' });
    if (!/^[a-z0-9_-]{1,40}$/.test(variant.key) || keys.has(variant.key)) out.push({ field: `variants[${index}].key`, key: 'variantKey' });
    keys.add(variant.key);
  });
  return out;
}

/** The starter a campaign was installed from, found by its name (how the API finds them again). */
export function starterCampaign(starter: Starter, campaigns: readonly Campaign[]): Campaign | undefined {
  return campaigns.find((campaign) => campaign.name === starter.name);
}
