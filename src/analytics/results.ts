import type { AnalysisPeriod } from './queries.js';
import type { RfmGroup } from './rfm.js';

/* What each analysis returns: plain data, the same from every engine. */

export interface TimeBucket {
  /** e.g. `<1m`, `1-10m`, `>7d`. */
  bucket: string;
  profiles: number;
}

export interface FunnelStepResult {
  step: number;
  label: string;
  profiles: number;
  /** Share of the previous step's profiles who reached this one (null for step 1 or when the previous had none). */
  conversionFromPrevious: number | null;
  conversionFromFirst: number | null;
  /** Profiles of the previous step who did not reach this one. */
  dropOff: number;
  /** Median seconds from the previous step (from the first step for `any` order); null for step 1. */
  medianSeconds: number | null;
  timeToConvert: TimeBucket[];
}

export interface FunnelResult {
  /** The period the funnel covers (set by the service; the default when the request named none). */
  period?: AnalysisPeriod;
  order: 'loose' | 'strict' | 'any';
  windowHours: number;
  steps: FunnelStepResult[];
  /** One funnel per breakdown value, biggest first; absent without a breakdown. */
  breakdown?: { key: string; steps: FunnelStepResult[] }[];
}

export interface CohortPeriod {
  /** 0 = the cohort's own period. */
  offset: number;
  customers: number;
  /** customers / cohort size. */
  rate: number;
  events: number;
  revenue: number;
}

export interface CohortRow {
  /** `2024-05` (month) or `2024-05-06` (the week's Monday). */
  cohort: string;
  size: number;
  /** Members with at least two purchases in the observed periods. */
  repeatCustomers: number;
  revenue: number;
  periods: CohortPeriod[];
}

export interface CohortResult {
  anchor: string;
  period: 'week' | 'month';
  returnEvent: string;
  cohorts: CohortRow[];
}

export interface RfmProfileRow {
  profileId: string;
  recencyDays: number;
  orders: number;
  revenue: number;
  r: number;
  f: number;
  m: number;
  group: RfmGroup;
}

export interface RfmGroupSummary {
  group: RfmGroup;
  profiles: number;
  share: number;
  revenue: number;
  avgRecencyDays: number | null;
  avgOrders: number | null;
  avgRevenue: number | null;
}

export interface RfmResult {
  asOf: string;
  customers: number;
  groups: RfmGroupSummary[];
  /** The first `limit` profiles by id. */
  profiles: RfmProfileRow[];
  /** With `compareTo`: customers per (from group, to group); `from` is `none` for customers new since. */
  movement?: { from: string; to: string; profiles: number }[];
}

export interface AttributionRow {
  key: string;
  orders: number;
  revenue: number;
  /** Profiles attributed at least one order. */
  converters: number;
  /** Profiles touched by this key in the period (null for `direct`/`none`). */
  touched: number | null;
  conversionRate: number | null;
  spend: number | null;
  cpa: number | null;
  roas: number | null;
}

export interface AttributionResult {
  period?: AnalysisPeriod;
  model: 'first_touch' | 'last_touch';
  by: 'channel' | 'source' | 'campaign' | 'message';
  rows: AttributionRow[];
  totals: { orders: number; revenue: number; spend: number };
}

/** Raw figures of one period; the KPI report compares two of them with the references. */
export interface PeriodFigures {
  sessions: number;
  convertedSessions: number;
  bouncedSessions: number;
  sessionSeconds: number;
  orders: number;
  revenue: number;
  customers: number;
  returningCustomers: number;
  newCustomers: number;
  newRevenue: number;
  returningRevenue: number;
  /** Sessions by traffic kind (organic, paid, email, social, referral, direct). */
  trafficByKind: Record<string, number>;
  /** Revenue to date over customers to date (historical LTV). */
  revenuePerCustomerToDate: number | null;
  promoters: number;
  detractors: number;
  surveyAnswers: number;
}

/** What the workspace tracks and does, for the digital maturity assessment. */
export interface MaturitySignals {
  profiles: number;
  /** Share of profiles with an email or phone. */
  identifiedShare: number;
  orders: number;
  /** Behavioural e-commerce events (product views, list views, cart adds) in the replica. */
  behaviourEvents: number;
  /** Distinct channels with engagement (web, app, email, sms, push, onsite). */
  channels: string[];
  personalizationEvents: number;
}
