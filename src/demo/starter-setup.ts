import { recipes } from '../journeys/index.js';
import { DEMO_SHOP_ORIGIN, DEMO_SHOP_PATH } from './catalog.js';
import { expectStatus, field, type DemoApi } from './demo-api.js';

/** One thing the starter setup installs, and whether this run created it or found it. */
export interface StarterItem {
  kind: 'brand' | 'segment' | 'journey' | 'experiment' | 'scores' | 'onsite';
  name: string;
  id: string;
  created: boolean;
  /** Why it was left out (e.g. no RFM scores yet). */
  skipped?: string;
}

const lastDays = (amount: number) => ({ type: 'last', amount, unit: 'days' });

/** The starter segments: what a newcomer wants to see filled, entering and exiting. */
export const starterSegments: readonly { name: string; condition: unknown }[] = [
  {
    name: 'Browsing now (last 30 minutes)',
    condition: { type: 'event', event: 'Product Viewed', window: { type: 'last', amount: 30, unit: 'minutes' } },
  },
  {
    name: 'Viewed in the last 2 days, no purchase',
    condition: {
      type: 'and',
      conditions: [
        { type: 'event', event: 'Product Viewed', window: lastDays(2) },
        { type: 'event', event: 'Order Completed', performed: false, window: lastDays(2) },
      ],
    },
  },
  {
    name: 'Cart abandoners (last 7 days)',
    condition: {
      type: 'and',
      conditions: [
        { type: 'event', event: 'Product Added', window: lastDays(7) },
        { type: 'event', event: 'Order Completed', performed: false, window: lastDays(7) },
      ],
    },
  },
  { name: 'VIPs (spent 500 or more)', condition: { type: 'computed', key: 'revenue', op: 'gte', value: 500 } },
];

const CHAMPIONS = { name: 'Champions (RFM)', condition: { type: 'score', key: 'rfm_group', op: 'equals', value: 'Champions' } };

/** The journey recipes the starter activates, by recipe name. */
export const starterRecipes = ['abandoned-cart', 'welcome-series', 'price-drop', 'win-back'] as const;

/** The running A/B test: does a free-shipping bar lift orders? */
export const starterExperiment = {
  key: 'free-shipping-bar',
  name: 'Free-shipping bar on every page',
  description: 'Installed by `rapport demo`: half the visitors see a "free shipping over $75" bar. Does it lift orders and revenue per visitor?',
  unit: 'anonymousId',
  variants: [
    { key: 'control', name: 'No bar', weight: 0.5 },
    { key: 'bar', name: 'Free-shipping bar', weight: 0.5 },
  ],
  metrics: [
    { id: 'ordered', name: 'Placed an order', kind: 'conversion', event: 'Order Completed' },
    { id: 'revenue', name: 'Revenue per visitor', kind: 'revenue', event: 'Order Completed', valueProperty: 'revenue' },
  ],
  primaryMetric: 'ordered',
};

function list(body: unknown, key: string): unknown[] {
  const value = field(body, key);
  return Array.isArray(value) ? value : [];
}

function idOf(value: unknown): string {
  const id = field(value, 'id');
  return typeof id === 'string' ? id : '';
}

/** The next 10:00 UTC after `now`, when the daily win-back run starts. */
function nextTenOClock(now: number): string {
  const day = new Date(now);
  day.setUTCHours(10, 0, 0, 0);
  if (day.getTime() <= now) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString();
}

/** The demo shop's brand; `shopUrl` is replaced by the storefront the demo links to (`DemoStore.shopUrl`). */
export const DEMO_BRAND = {
  shopName: 'Rapport Demo Shop',
  shopUrl: `${DEMO_SHOP_ORIGIN}${DEMO_SHOP_PATH}`,
  colors: { primary: '#2f6fed', text: '#1f2933', background: '#f5f7fa' },
  postalAddress: 'Rapport Demo Shop, 1 Market Street, 1000 Brussels, Belgium',
  senderName: 'Rapport Demo Shop',
  senderEmail: 'hello@demo.rapport.shop',
};

/**
 * Installs the demo's starter setup through the admin API, idempotently (found by name or key,
 * never created twice): the shop's brand, segments, RFM scores and a Champions segment, a
 * predictions refresh, the abandoned-cart,
 * welcome, price-drop and win-back journeys (active, with their templates and coupon pools),
 * a running A/B test, and the on-site starter campaigns (live).
 * @example const items = await installStarterSetup(api, { now: Date.now() });
 */
export async function installStarterSetup(api: DemoApi, options: { now: number; shopUrl?: string }): Promise<StarterItem[]> {
  const items: StarterItem[] = [];
  // The shop's brand first: every email, page and report of the demo carries it.
  const brand = expectStatus(await api.request('GET', '/api/v1/settings/brand'), [200], 'reading the brand');
  if (field(brand, 'shopUrl') === null) {
    expectStatus(await api.request('PUT', '/api/v1/settings/brand', { body: { ...DEMO_BRAND, shopUrl: options.shopUrl ?? DEMO_BRAND.shopUrl } }), [200], 'setting the demo brand');
    items.push({ kind: 'brand', name: DEMO_BRAND.shopName, id: 'brand', created: true });
  } else {
    items.push({ kind: 'brand', name: String(field(brand, 'shopName')), id: 'brand', created: false });
  }
  const segments = list(expectStatus(await api.request('GET', '/api/v1/segments'), [200], 'listing segments'), 'segments');
  const segmentNamed = (name: string) => segments.find((segment) => field(segment, 'name') === name);
  const addSegment = async (name: string, condition: unknown) => {
    const found = segmentNamed(name);
    if (found !== undefined) {
      items.push({ kind: 'segment', name, id: idOf(found), created: false });
      return;
    }
    const created = expectStatus(await api.request('POST', '/api/v1/segments', { body: { name, condition } }), [200, 201], `creating the segment "${name}"`);
    items.push({ kind: 'segment', name, id: idOf(created), created: true });
  };
  for (const segment of starterSegments) await addSegment(segment.name, segment.condition);

  // RFM scores from the analytics replica, stored on profiles, so "Champions" has members.
  const rfm = await api.request('POST', '/api/v1/analytics/rfm', { body: { write: true } });
  if (rfm.status === 200) {
    items.push({ kind: 'scores', name: 'RFM scores on profiles (recomputed)', id: 'rfm', created: true });
    await addSegment(CHAMPIONS.name, CHAMPIONS.condition);
  } else {
    const reason = `RFM scores could not be computed (HTTP ${rfm.status}); run "rapport analytics rfm --params '{"write":true}'" later`;
    items.push({ kind: 'segment', name: CHAMPIONS.name, id: '', created: false, skipped: reason });
  }

  // Predictions (CLV, churn, propensity, next order) refit in the background on the server; a
  // fit that does not converge writes nothing and says why in its report.
  const refresh = await api.request('POST', '/api/v1/predictive/refresh');
  if (refresh.status === 202) items.push({ kind: 'scores', name: 'Predictions (refitting; see /predictive/reports/latest)', id: String(field(refresh.body, 'id')), created: true });
  else items.push({ kind: 'scores', name: 'Predictions', id: '', created: false, skipped: `not started (HTTP ${refresh.status}); run "rapport predict" later` });

  const journeys = list(expectStatus(await api.request('GET', '/api/v1/journeys'), [200], 'listing journeys'), 'journeys');
  const recipeList = list(expectStatus(await api.request('GET', '/api/v1/journeys/recipes'), [200], 'listing recipes'), 'recipes');
  for (const recipe of starterRecipes) {
    if (!recipeList.some((entry) => field(entry, 'name') === recipe)) throw new Error(`the journeys module has no recipe "${recipe}"`);
    // A journey installed from the recipe before carries the recipe's name.
    const existing = journeys.find((journey) => field(journey, 'name') === recipeName(recipe) && field(journey, 'status') !== 'archived');
    if (existing !== undefined) {
      items.push({ kind: 'journey', name: recipeName(recipe), id: idOf(existing), created: false });
      continue;
    }
    // Demo pace: waits of a minute and no quiet hours, so the newcomer sees the journeys send.
    const body = { activate: true, pace: 'demo', ...(recipe === 'win-back' ? { startAt: nextTenOClock(options.now) } : {}) };
    const installed = expectStatus(await api.request('POST', `/api/v1/journeys/recipes/${recipe}`, { body }), [201], `installing the ${recipe} journey`);
    items.push({ kind: 'journey', name: recipeName(recipe), id: idOf(field(installed, 'journey')), created: true });
  }

  const experiments = list(expectStatus(await api.request('GET', '/api/v1/experiments'), [200], 'listing experiments'), 'experiments');
  let experiment = experiments.find((entry) => field(entry, 'key') === starterExperiment.key);
  let created = false;
  if (experiment === undefined) {
    experiment = expectStatus(await api.request('POST', '/api/v1/experiments', { body: starterExperiment }), [201], 'creating the A/B test');
    created = true;
  }
  if (field(experiment, 'status') === 'draft') {
    expectStatus(await api.request('POST', `/api/v1/experiments/${idOf(experiment)}/start`), [200], 'starting the A/B test');
  }
  items.push({ kind: 'experiment', name: starterExperiment.name, id: idOf(experiment), created });

  // On-site campaigns: the six seed templates, exit intent, email capture A/B and NPS, live.
  const onsite = expectStatus(await api.request('POST', '/api/v1/onsite/starters/install', { body: { activate: true } }), [200], 'installing the on-site starter campaigns');
  for (const entry of list(onsite, 'installed')) {
    items.push({ kind: 'onsite', name: String(field(entry, 'name')), id: idOf(entry), created: field(entry, 'created') === true });
  }
  return items;
}

/** The name a recipe gives its journey (what the journeys list shows). */
function recipeName(recipe: (typeof starterRecipes)[number]): string {
  return recipes[recipe]?.().name ?? recipe;
}
