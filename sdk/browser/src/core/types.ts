/*
 * The browser side of the on-site wire (docs/modules/onsite.md; the server's TypeBox schema in
 * src/onsite/campaign.ts is the authority). Kept as plain interfaces: the SDK ships no schema code.
 */
export type Locale = string;
export type Level = 'low' | 'medium' | 'high';
export type Device = 'mobile' | 'tablet' | 'desktop';
export type TrafficSource = 'direct' | 'organic' | 'paid' | 'social' | 'email' | 'referral';

export interface Brand {
  primaryColor: string;
  textColor: string;
  backgroundColor: string;
  fontFamily?: string;
  logoUrl?: string;
  borderRadius?: number;
}

export interface OnsiteConfig {
  version: string;
  workspace: string;
  brand: Brand;
  global: { maxModalsPerPage: number; quietPeriodSeconds: number };
  consentMode: 'off' | 'required' | 'forms_only';
  campaigns: CompiledCampaign[];
}

export type Trigger =
  | { type: 'page_load'; delaySeconds?: number }
  | { type: 'time_on_page'; seconds: number }
  | { type: 'time_on_site'; seconds: number }
  | { type: 'scroll_depth'; percent: number }
  | { type: 'inactivity'; seconds: number }
  | { type: 'exit_intent'; minDwellSeconds: number; mobile: boolean }
  | { type: 'custom_event'; event: string }
  | { type: 'cart_change' };

export type Rule =
  | { type: 'url'; match: 'equals' | 'contains' | 'starts_with' | 'ends_with' | 'regex' | 'glob'; value: string; negate?: boolean }
  | { type: 'device'; devices: Device[] }
  | { type: 'country'; countries: string[] }
  | { type: 'traffic_source'; sources: TrafficSource[]; utm?: { source?: string; medium?: string; campaign?: string } }
  | { type: 'visitor'; kind: 'new' | 'returning' }
  | { type: 'visits'; min?: number; max?: number; days: number }
  | { type: 'pages_this_session'; min?: number; max?: number }
  | { type: 'cart'; minValue?: number; maxValue?: number; minItems?: number; productIds?: string[] }
  | { type: 'segment'; allow?: string[]; deny?: string[] }
  | { type: 'identified'; value: boolean }
  | { type: 'score_tier'; score: 'clv' | 'churn'; tiers: Level[] }
  | { type: 'subscribed'; channel: 'email' | 'sms' | 'push'; value: boolean }
  | { type: 'language'; languages: string[] };

export interface Caps {
  frequency: 'once' | 'session' | 'always' | { everyMinutes: number };
  maxViews?: number;
  stopAfterClose?: boolean;
  stopAfterConversion?: boolean;
  suppressAfterSignup?: boolean;
}

/** Localised copy; which fields a widget reads depends on its type. */
export type Content = Record<string, unknown>;

export interface Variant {
  key: string;
  weight: number;
  content: Record<Locale, Content>;
}

export interface CompiledCampaign {
  id: string;
  type: string;
  priority: number;
  modal: boolean;
  slot?: string;
  triggers: Trigger[];
  audience: Rule[];
  caps: Caps;
  salt: string;
  holdout: number;
  variants: Variant[];
  defaultLocale: Locale;
  teaserOf?: string;
}

export interface Cart {
  value: number;
  currency: string | null;
  items: number;
  productIds: string[];
}

export interface VisitorFacts {
  profileId: string | null;
  identified: boolean;
  verified: boolean;
  country: string | null;
  locale: string | null;
  segments: string[];
  tiers: { clv: Level | null; churn: Level | null };
  cart: Cart | null;
  subscribed: { email: boolean; sms: boolean; push: boolean };
  visits: { first: string | null; last30d: number };
  queued: { campaignId: string; journeyId?: string }[];
  converted: string[];
}

export type PushOutcome = 'granted' | 'denied' | 'default' | 'unsupported';

/** What the core hands a widget chunk's `mount` (the contract's WidgetContext plus the optional hooks of onsite-notes.md). */
export interface WidgetContext {
  root: ShadowRoot;
  host: HTMLElement;
  campaign: CompiledCampaign;
  variant: string;
  content: Content;
  locale: string;
  dir: 'ltr' | 'rtl';
  brand: Brand;
  visitor: VisitorFacts | null;
  cart(): Cart | null;
  onCart(listener: () => void): () => void;
  reveal(): Promise<{ code: string | null; discount?: { kind: string; value: number }; reason?: string }>;
  submit(data: { email?: string; phone?: string; answers?: Record<string, unknown>; consent?: boolean }): Promise<{ ok: boolean; error?: string }>;
  recommendations(strategy: string, count: number): Promise<Recommendation[]>;
  /** `properties` are merged into `Experience Clicked` (the carousel sends recommendation_id). */
  clicked(target?: string, properties?: Record<string, string>): void;
  close(): void;
  converted(): void;
  reducedMotion: boolean;
  requestPush(): Promise<PushOutcome>;
  inbox(): Promise<{ messages: InboxMessage[]; unread: number }>;
  markInbox(id: string, state: 'read' | 'dismiss'): Promise<void>;
}

export interface Recommendation {
  id: string;
  name: string;
  url?: string;
  imageUrl?: string;
  price?: number;
  currency?: string;
  recommendationId: string;
}

export interface InboxMessage {
  id: string;
  title: string;
  body: string;
  url: string | null;
  createdAt: string;
  read: boolean;
}

export interface WidgetHandle {
  destroy(): void;
}

export type WidgetModule = { default: (context: WidgetContext) => WidgetHandle };

/** analytics.js message fields the SDK sends (Segment spec). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Properties = Record<string, unknown>;
