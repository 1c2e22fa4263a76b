import { createRoute, lazyRouteComponent, redirect } from '@tanstack/react-router';
import { queryClient } from '../../api/query-client';
import { appRoute } from '../../shell/routes';
import { FILTER_OPS, type FilterOp } from '../segments/ops';
import { attributionQuery, cohortQuery, eventNamesQuery, prefetchFunnel, rfmQuery } from './queries';

/*
 * /analytics and its tabs, each a URL whose search parameters are the report's settings, so a
 * funnel or a cohort table can be bookmarked and shared. The parsers accept only known values
 * (anything else falls back to the default), since a URL is user input.
 */

export const funnelBreakdowns = ['source', 'medium', 'campaign', 'channel', 'device', 'country', 'first_vs_returning', 'month'] as const;
export const funnelOrders = ['loose', 'strict', 'any'] as const;
export const periodDays = [7, 30, 90, 180, 365] as const;
export const windowHours = [1, 24, 72, 168, 720] as const;
export const cohortAnchors = ['first_purchase', 'signup', 'first_seen'] as const;
export const attributionBys = ['channel', 'source', 'campaign', 'message'] as const;
export const attributionModels = ['last_touch', 'first_touch'] as const;
export const rfmCompareDays = [30, 90, 180] as const;

function oneOf<T extends string | number>(allowed: readonly T[], value: unknown): T | undefined {
  return allowed.find((candidate) => candidate === value || String(candidate) === value);
}

function isoDay(value: unknown): string | undefined {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && Number.isFinite(Date.parse(value)) ? value : undefined;
}

/** Drops keys whose value is undefined, so the URL carries only what was chosen. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

/** The ops a funnel step's property filter takes: the segment builder's, less the date tests. */
type FilterScalar = string | number | boolean;

/** One property filter of a funnel step, as the URL carries it (`step` is the 0-based step index). */
export interface FunnelFilterSearch {
  step: number;
  property: string;
  op: FilterOp;
  value?: FilterScalar;
  values?: FilterScalar[];
  min?: number;
  max?: number;
}

// The API's own limits (src/analytics/queries.ts), so a shared URL cannot ask what the API refuses.
const PROPERTY = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;
const scalar = (value: unknown): FilterScalar | undefined =>
  (typeof value === 'string' && value.length <= 1000) || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) ? value : undefined;
const finite = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** A filter from the URL or the step editor, or undefined when it is not one the API would take. */
export function parseFunnelFilter(entry: unknown): FunnelFilterSearch | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const fields = new Map(Object.entries(entry));
  const step = fields.get('step');
  const property = fields.get('property');
  const op = oneOf(FILTER_OPS, fields.get('op'));
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0 || step > 9) return undefined;
  if (typeof property !== 'string' || property.length > 100 || !PROPERTY.test(property) || op === undefined) return undefined;
  const values = fields.get('values');
  const list = Array.isArray(values) ? values.slice(0, 100).map(scalar) : undefined;
  return defined({
    step,
    property,
    op,
    value: scalar(fields.get('value')),
    values: list === undefined || list.includes(undefined) ? undefined : list.filter((item) => item !== undefined),
    min: finite(fields.get('min')),
    max: finite(fields.get('max')),
  });
}

export interface FunnelSearch {
  steps?: string[];
  /** Property filters of the steps (at most 10 per step, as the API). */
  where?: FunnelFilterSearch[];
  days?: (typeof periodDays)[number];
  window?: (typeof windowHours)[number];
  order?: (typeof funnelOrders)[number];
  breakdown?: (typeof funnelBreakdowns)[number];
  /** Which step's time-to-convert distribution is shown (1-based, default the last). */
  step?: number;
}

export function parseFunnelSearch(search: Record<string, unknown>): FunnelSearch {
  const steps = Array.isArray(search.steps) ? search.steps.filter((step): step is string => typeof step === 'string' && step.length > 0 && step.length <= 200).slice(0, 10) : undefined;
  const step = Number(search.step);
  const chosen = steps !== undefined && steps.length >= 2 ? steps : undefined;
  const filters = Array.isArray(search.where) ? search.where.slice(0, 100).map(parseFunnelFilter) : [];
  const kept = filters.filter((filter): filter is FunnelFilterSearch => filter !== undefined && chosen !== undefined && filter.step < chosen.length);
  const where = kept.filter((filter, index) => kept.slice(0, index).filter((other) => other.step === filter.step).length < 10);
  return defined({
    steps: chosen,
    where: where.length === 0 ? undefined : where,
    days: oneOf(periodDays, search.days),
    window: oneOf(windowHours, search.window),
    order: oneOf(funnelOrders, search.order),
    breakdown: oneOf(funnelBreakdowns, search.breakdown),
    step: Number.isInteger(step) && step >= 2 && step <= 10 ? step : undefined,
  });
}

export interface CohortSearch {
  anchor?: (typeof cohortAnchors)[number];
  period?: 'week' | 'month';
  periods?: number;
}

export function parseCohortSearch(search: Record<string, unknown>): CohortSearch {
  const periods = Number(search.periods);
  return defined({
    anchor: oneOf(cohortAnchors, search.anchor),
    period: oneOf(['week', 'month'] as const, search.period),
    periods: Number.isInteger(periods) && periods >= 1 && periods <= 24 ? periods : undefined,
  });
}

export interface RfmSearch {
  compare?: (typeof rfmCompareDays)[number];
}

export function parseRfmSearch(search: Record<string, unknown>): RfmSearch {
  return defined({ compare: oneOf(rfmCompareDays, search.compare) });
}

export interface AttributionSearch {
  by?: (typeof attributionBys)[number];
  model?: (typeof attributionModels)[number];
  days?: (typeof periodDays)[number];
}

export function parseAttributionSearch(search: Record<string, unknown>): AttributionSearch {
  return defined({ by: oneOf(attributionBys, search.by), model: oneOf(attributionModels, search.model), days: oneOf(periodDays, search.days) });
}

export interface KpiSearch {
  /** First day (UTC), inclusive. */
  from?: string;
  /** Last day (UTC), inclusive. */
  to?: string;
}

export function parseKpiSearch(search: Record<string, unknown>): KpiSearch {
  return defined({ from: isoDay(search.from), to: isoDay(search.to) });
}

const load = <K extends 'AnalyticsLayout' | 'FunnelsTab' | 'CohortsTab' | 'RfmTab' | 'AttributionTab' | 'KpisTab' | 'ReportsTab'>(name: K) => lazyRouteComponent(() => import('./analytics'), name);

/*
 * Loaders start a report's request (on a link's hover, or when the navigation starts) without
 * waiting for it: the screen's chunk loads meanwhile and the tab shows its own loading state.
 */
export const analyticsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'analytics',
  loader: () => void queryClient.prefetchQuery(eventNamesQuery),
  component: load('AnalyticsLayout'),
});

const analyticsIndexRoute = createRoute({
  getParentRoute: () => analyticsRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/analytics/funnels', replace: true });
  },
});

const funnelsRoute = createRoute({
  getParentRoute: () => analyticsRoute,
  path: 'funnels',
  validateSearch: parseFunnelSearch,
  loaderDeps: ({ search }) => search,
  loader: ({ deps }) => void prefetchFunnel(deps),
  component: load('FunnelsTab'),
});
const cohortsRoute = createRoute({
  getParentRoute: () => analyticsRoute,
  path: 'cohorts',
  validateSearch: parseCohortSearch,
  loaderDeps: ({ search }) => search,
  loader: ({ deps }) => void queryClient.prefetchQuery(cohortQuery(deps)),
  component: load('CohortsTab'),
});
const rfmRoute = createRoute({
  getParentRoute: () => analyticsRoute,
  path: 'rfm',
  validateSearch: parseRfmSearch,
  loaderDeps: ({ search }) => search,
  loader: ({ deps }) => void queryClient.prefetchQuery(rfmQuery(deps)),
  component: load('RfmTab'),
});
const attributionRoute = createRoute({
  getParentRoute: () => analyticsRoute,
  path: 'attribution',
  validateSearch: parseAttributionSearch,
  loaderDeps: ({ search }) => search,
  loader: ({ deps }) => void queryClient.prefetchQuery(attributionQuery(deps)),
  component: load('AttributionTab'),
});
const kpisRoute = createRoute({ getParentRoute: () => analyticsRoute, path: 'kpis', validateSearch: parseKpiSearch, component: load('KpisTab') });
const reportsRoute = createRoute({ getParentRoute: () => analyticsRoute, path: 'reports', component: load('ReportsTab') });

export const analyticsRoutes = analyticsRoute.addChildren([analyticsIndexRoute, funnelsRoute, cohortsRoute, rfmRoute, attributionRoute, kpisRoute, reportsRoute]);
