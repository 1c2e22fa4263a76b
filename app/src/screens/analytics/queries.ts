import { queryOptions } from '@tanstack/react-query';
import { api } from '../../api/client';
import { queryClient } from '../../api/query-client';
import type { AttributionSearch, CohortSearch, FunnelFilterSearch, FunnelSearch, RfmSearch } from './routes';

/*
 * The analytics reports as queries, shared by the screen (analytics.tsx, its own chunk) and the
 * route loaders (routes.ts, the first load): a navigation or a link's hover starts a report's
 * request at once, beside the screen's chunk, instead of after the screen has loaded and drawn.
 */

const DAY = 86_400_000;
const MINUTE = 60_000;
/**
 * `days` before now, to the whole minute: the server answers a repeated question from its cache
 * only when the range is the same, and it ends a default range at the end of the minute too.
 */
export const fromDays = (days: number) => new Date(Math.floor(Date.now() / MINUTE) * MINUTE - days * DAY).toISOString();

export interface FunnelStepResult {
  step: number;
  label: string;
  profiles: number;
  conversionFromPrevious: number | null;
  conversionFromFirst: number | null;
  dropOff: number;
  medianSeconds: number | null;
  timeToConvert: { bucket: string; profiles: number }[];
}

export interface FunnelResult {
  steps: FunnelStepResult[];
  breakdown?: { key: string; steps: FunnelStepResult[] }[];
}

export interface CohortResult {
  cohorts: { cohort: string; size: number; repeatCustomers: number; revenue: number; periods: { offset: number; customers: number; rate: number; revenue: number }[] }[];
}

export interface RfmResult {
  asOf: string;
  customers: number;
  groups: { group: string; profiles: number; share: number; revenue: number; avgRecencyDays: number | null; avgOrders: number | null; avgRevenue: number | null }[];
  profiles: { r: number; f: number }[];
  movement?: { from: string; to: string; profiles: number }[];
}

export interface AttributionResult {
  rows: { key: string; orders: number; revenue: number; converters: number; touched: number | null; conversionRate: number | null; spend: number | null; cpa: number | null; roas: number | null }[];
  totals: { orders: number; revenue: number; spend: number };
}

export const DEFAULT_STEPS = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'];

export const eventNamesQuery = queryOptions({
  queryKey: ['events', 'names'],
  queryFn: () => api.get<{ names: { type: string; event: string; count: number }[] }>('/api/v1/events/names', { query: { limit: 300 } }),
  staleTime: 60_000,
});

/** The track events a funnel step can name. */
export function trackNames(names: { names: { type: string; event: string }[] } | undefined): string[] {
  return names?.names.filter((name) => name.type === 'track').map((name) => name.event) ?? [];
}

/** The steps a funnel URL asks for, or the default ones the shop has events for. */
export function funnelSteps(search: FunnelSearch, tracked: readonly string[]): string[] {
  return search.steps ?? DEFAULT_STEPS.filter((name) => tracked.includes(name));
}

/** The URL's filters of step `index`, as the API takes them (without the step number). */
export function stepFilters(search: FunnelSearch, index: number): Omit<FunnelFilterSearch, 'step'>[] {
  return (search.where ?? []).filter((filter) => filter.step === index).map(({ step: _step, ...filter }) => filter);
}

export function funnelQuery(search: FunnelSearch, steps: readonly string[]) {
  const body = {
    steps: steps.map((event, index) => {
      const where = stepFilters(search, index);
      return where.length === 0 ? { event } : { event, where };
    }),
    windowHours: search.window ?? 168,
    order: search.order ?? 'loose',
    ...(search.breakdown === undefined ? {} : { breakdown: search.breakdown }),
  };
  const days = search.days ?? 30;
  return queryOptions({
    queryKey: ['analytics', 'funnel', body, days],
    queryFn: () => api.post<FunnelResult>('/api/v1/analytics/funnels', { body: { ...body, from: fromDays(days) } }),
    enabled: steps.length >= 2,
  });
}

export function cohortQuery(search: CohortSearch) {
  const anchor = search.anchor ?? 'first_purchase';
  const period = search.period ?? 'month';
  const periods = search.periods ?? (period === 'month' ? 6 : 12);
  return queryOptions({
    queryKey: ['analytics', 'cohorts', anchor, period, periods],
    queryFn: () => api.post<CohortResult>('/api/v1/analytics/cohorts', { body: { anchor, period, periods } }),
  });
}

export function rfmQuery(search: RfmSearch) {
  const compare = search.compare ?? 30;
  return queryOptions({
    queryKey: ['analytics', 'rfm', compare],
    queryFn: () => api.post<RfmResult>('/api/v1/analytics/rfm', { body: { compareTo: fromDays(compare), limit: 100_000 } }),
  });
}

export function attributionQuery(search: AttributionSearch) {
  const by = search.by ?? 'channel';
  const model = search.model ?? 'last_touch';
  const days = search.days ?? 30;
  return queryOptions({
    queryKey: ['analytics', 'attribution', by, model, days],
    queryFn: () => api.post<AttributionResult>('/api/v1/analytics/attribution', { body: { by, model, from: fromDays(days) } }),
  });
}

/**
 * Starts a funnel's request (and the event names it needs) unless the cache holds it fresh. A
 * URL without steps means the default ones the shop has events for: those are asked for at once,
 * beside the names, since nearly every shop has all four; the names then confirm the guess or
 * ask for the funnel of the steps it does have.
 */
export async function prefetchFunnel(search: FunnelSearch): Promise<void> {
  if (search.steps === undefined && queryClient.getQueryData(eventNamesQuery.queryKey) === undefined) void queryClient.prefetchQuery(funnelQuery(search, DEFAULT_STEPS));
  const steps = funnelSteps(search, trackNames(await queryClient.ensureQueryData(eventNamesQuery)));
  if (steps.length >= 2) await queryClient.prefetchQuery(funnelQuery(search, steps));
}
