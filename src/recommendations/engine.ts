import { assertNever } from '../shared/errors.js';
import { rulesFor, mineCategoryRules, type CategoryRule } from './models/association-rules.js';
import { DecayedCounter } from './models/decayed-counter.js';
import { buildNeighbours, type NeighbourTable, type Normalization } from './models/neighbours.js';
import { trainSequentialKnn, type SequentialKnnModel, type SequentialKnnOptions } from './models/sequential-knn.js';
import { defaultFallback, type BusinessRules, type StrategyName } from './rules.js';
import { topK } from './select.js';

/*
 * The serving engine: every strategy as a model trained on plain data, held in memory, plus the
 * business rules applied to any of them. Pure computation (no I/O): the service feeds it the
 * catalog and the interactions it reads from the store, and the live events it tails.
 */

const CATEGORY_SEPARATOR = ' > ';
const DAY = 86_400_000;

export interface CatalogItem {
  id: string;
  category: string | null;
  brand: string | null;
  price: number | null;
  /** null: stock not tracked (always available). */
  inventory: number | null;
  /** When the product was added (new arrivals). */
  createdAt: number;
  /** The price before the discount (`compare_at_price` and similar attributes); null without one. */
  compareAtPrice: number | null;
}

export type InteractionKind = 'view' | 'cart' | 'purchase';

export interface Interaction {
  profile: string;
  item: string;
  kind: InteractionKind;
  t: number;
  quantity?: number;
  /** Groups of the profile at that time (best-sellers per gender, location, segment). */
  groups?: readonly string[];
}

export interface TrainOptions {
  now: number;
  /** Normalization of "also bought" co-purchases: cosine (default) or lift. */
  alsoBought?: Extract<Normalization, 'cosine' | 'lift'>;
  forYou?: Partial<SequentialKnnOptions>;
  /** Half-life of trending (default one day). */
  trendingHalfLifeMs?: number;
  /** Half-life of best-sellers (default 30 days). */
  bestSellerHalfLifeMs?: number;
  /** A gap without views longer than this ends a session (default 30 minutes). */
  sessionGapMs?: number;
  neighbours?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** What training produced, for the model report. */
export interface ModelReport {
  products: number;
  profiles: number;
  interactions: { view: number; cart: number; purchase: number };
  /** Interactions with products missing from the catalog (they train but are never recommended). */
  unknownProducts: number;
  alsoBoughtPairs: number;
  viewedTogetherPairs: number;
  forYouPairs: number;
  categoryRules: number;
  sessions: number;
  orders: number;
  bestSellerGroups: number;
  trainMs: Record<string, number>;
}

export interface RecommendationModels {
  items: CatalogItem[];
  index: Map<string, number>;
  /** Items present in the catalog (interactions may name others). */
  known: Uint8Array;
  forYou: SequentialKnnModel;
  alsoBought: NeighbourTable;
  viewedTogether: NeighbourTable;
  categoryRules: Map<string, CategoryRule[]>;
  trending: DecayedCounter;
  bestSellers: Map<string, DecayedCounter>;
  bestSellerHalfLifeMs: number;
  newArrivals: Int32Array;
  discounts: Int32Array;
  discountOf: Float64Array;
  report: ModelReport;
}

const kindWeight: Record<InteractionKind, number> = { view: 1, cart: 3, purchase: 5 };

/**
 * Category path parts, shortest first.
 * @example categoryLevels('A > B > C') // ['A', 'A > B', 'A > B > C']
 */
export function categoryLevels(category: string | null): string[] {
  if (category === null) return [];
  const parts = category.split(CATEGORY_SEPARATOR);
  return parts.map((_, depth) => parts.slice(0, depth + 1).join(CATEGORY_SEPARATOR));
}

function inCategory(category: string | null, wanted: string): boolean {
  return category !== null && (category === wanted || category.startsWith(`${wanted}${CATEGORY_SEPARATOR}`));
}

/**
 * Trains every strategy from the catalog and the interactions (in any order).
 * @example const models = trainModels(catalog, interactions, { now: Date.now() }); recommend(models, { strategy: 'for-you', limit: 10, context, now: Date.now() });
 */
export function trainModels(catalog: readonly CatalogItem[], interactions: readonly Interaction[], options: TrainOptions): RecommendationModels {
  const timings: Record<string, number> = {};
  const timed = <T>(stage: string, work: () => T): T => {
    const started = performance.now();
    const result = work();
    timings[stage] = Math.round(performance.now() - started);
    return result;
  };
  const catalogIndex = new ItemIndex(catalog);
  const sorted = timed('sort', () => groupByProfile(interactions));
  const history = timed('sequences', () => readHistories(sorted, catalogIndex, options.sessionGapMs ?? 30 * 60 * 1000));
  const { items, index, knownCount } = catalogIndex;
  const numItems = items.length;
  const topM = options.neighbours ?? 50;
  const progress = (stage: string) => (done: number, total: number) => options.onProgress?.(stage, done, total);
  const forYou = timed('forYou', () => trainSequentialKnn(history.sequences, numItems, { topM: 200, ...options.forYou }, progress('for-you')));
  const alsoBought = timed('alsoBought', () =>
    buildNeighbours(history.purchaseSets, numItems, {
      window: 200,
      decay: 1,
      forward: 1,
      backward: 1,
      normalization: options.alsoBought ?? 'cosine',
      // Lift on one shared basket is noise: require support and damp thin evidence.
      minSupport: options.alsoBought === 'lift' ? 2 : 1,
      shrink: options.alsoBought === 'lift' ? 5 : 0,
      topM,
      onProgress: progress('also-bought'),
    }),
  );
  const viewedTogether = timed('viewedTogether', () =>
    buildNeighbours(history.sessions, numItems, { window: 50, decay: 1, forward: 1, backward: 1, normalization: 'cosine', topM, onProgress: progress('viewed-together') }),
  );
  const categoryRules = timed('categoryRules', () => mineCategoryRules(history.baskets, { minCount: 2 }));

  const bestSellers = new Map<string, DecayedCounter>();
  const models: RecommendationModels = {
    items,
    index,
    known: Uint8Array.from(items, (_, position) => (position < knownCount ? 1 : 0)),
    forYou,
    alsoBought,
    viewedTogether,
    categoryRules,
    trending: new DecayedCounter(options.trendingHalfLifeMs ?? DAY, options.now),
    bestSellers,
    bestSellerHalfLifeMs: options.bestSellerHalfLifeMs ?? 30 * DAY,
    newArrivals: new Int32Array(),
    discounts: new Int32Array(),
    discountOf: new Float64Array(numItems),
    report: {
      products: knownCount,
      profiles: history.profiles,
      interactions: history.counts,
      unknownProducts: history.unknownProducts,
      alsoBoughtPairs: alsoBought.items.length,
      viewedTogetherPairs: viewedTogether.items.length,
      forYouPairs: forYou.table.items.length,
      categoryRules: [...categoryRules.values()].reduce((sum, list) => sum + list.length, 0),
      sessions: history.sessions.length,
      orders: history.baskets.length,
      bestSellerGroups: 0,
      trainMs: timings,
    },
  };
  timed('counters', () => {
    for (const interaction of interactions) observe(models, interaction);
  });
  timed('catalogLists', () => fillCatalogLists(models, knownCount));
  models.report.bestSellerGroups = bestSellers.size;
  models.report.trainMs = timings;
  return models;
}

/** The catalog's items by position, growing with products seen in interactions but not in the catalog. */
class ItemIndex {
  readonly items: CatalogItem[];
  readonly index = new Map<string, number>();
  readonly knownCount: number;

  constructor(catalog: readonly CatalogItem[]) {
    this.items = [...catalog];
    this.items.forEach((item, position) => this.index.set(item.id, position));
    this.knownCount = this.items.length;
  }

  positionOf(id: string): number {
    let position = this.index.get(id);
    if (position === undefined) {
      position = this.items.length;
      this.index.set(id, position);
      this.items.push({ id, category: null, brand: null, price: null, inventory: 0, createdAt: 0, compareAtPrice: null });
    }
    return position;
  }
}

interface Histories {
  counts: { view: number; cart: number; purchase: number };
  unknownProducts: number;
  profiles: number;
  /** Each profile's items in time order (repeats collapsed). */
  sequences: Int32Array[];
  /** Each profile's purchased items. */
  purchaseSets: Int32Array[];
  /** Items viewed together within a session (views no more than `gap` apart). */
  sessions: Int32Array[];
  /** Categories bought together in one order. */
  baskets: string[][];
}

/** One pass over the interactions grouped by profile: what each strategy trains on. */
function readHistories(sorted: readonly Interaction[], catalog: ItemIndex, gap: number): Histories {
  const histories: Histories = { counts: { view: 0, cart: 0, purchase: 0 }, unknownProducts: 0, profiles: 0, sequences: [], purchaseSets: [], sessions: [], baskets: [] };
  let start = 0;
  while (start < sorted.length) {
    const profile = sorted[start]?.profile ?? '';
    let end = start;
    while (end < sorted.length && sorted[end]?.profile === profile) end++;
    histories.profiles++;
    readProfile(sorted, start, end, catalog, gap, histories);
    start = end;
  }
  return histories;
}

function readProfile(sorted: readonly Interaction[], start: number, end: number, catalog: ItemIndex, gap: number, histories: Histories): void {
  const sequence: number[] = [];
  const bought = new Set<number>();
  let session: number[] = [];
  let lastView = Number.NEGATIVE_INFINITY;
  let basket: string[] = [];
  let basketTime = Number.NaN;
  for (let i = start; i < end; i++) {
    const interaction = sorted[i];
    if (interaction === undefined) continue;
    histories.counts[interaction.kind]++;
    const item = catalog.positionOf(interaction.item);
    if (item >= catalog.knownCount) histories.unknownProducts++;
    if (sequence.at(-1) !== item) sequence.push(item);
    if (interaction.kind === 'view') {
      if (interaction.t - lastView > gap && session.length > 0) {
        if (session.length > 1) histories.sessions.push(Int32Array.from(session));
        session = [];
      }
      if (!session.includes(item)) session.push(item);
      lastView = interaction.t;
    } else if (interaction.kind === 'purchase') {
      bought.add(item);
      if (interaction.t !== basketTime) {
        if (basket.length > 0) histories.baskets.push(basket);
        basket = [];
        basketTime = interaction.t;
      }
      const category = catalog.items[item]?.category;
      if (category !== null && category !== undefined) basket.push(category);
    }
  }
  if (session.length > 1) histories.sessions.push(Int32Array.from(session));
  if (basket.length > 0) histories.baskets.push(basket);
  if (sequence.length > 1) histories.sequences.push(Int32Array.from(sequence));
  if (bought.size > 1) histories.purchaseSets.push(Int32Array.from(bought));
}

/** New arrivals (newest first) and the discounted products (deepest first), over the catalog's own items. */
function fillCatalogLists(models: RecommendationModels, knownCount: number): void {
  const { items } = models;
  const catalogIndexes = Array.from({ length: knownCount }, (_, position) => position);
  models.newArrivals = Int32Array.from(catalogIndexes.sort((a, b) => (items[b]?.createdAt ?? 0) - (items[a]?.createdAt ?? 0) || a - b));
  for (let i = 0; i < knownCount; i++) {
    const item = items[i];
    if (item?.compareAtPrice != null && item.price !== null && item.compareAtPrice > item.price && item.compareAtPrice > 0) {
      models.discountOf[i] = (item.compareAtPrice - item.price) / item.compareAtPrice;
    }
  }
  models.discounts = Int32Array.from(
    Array.from({ length: knownCount }, (_, position) => position)
      .filter((position) => (models.discountOf[position] ?? 0) > 0)
      .sort((a, b) => (models.discountOf[b] ?? 0) - (models.discountOf[a] ?? 0) || a - b),
  );
}

/**
 * Interactions grouped by profile (counting sort on a profile index: linear, where a comparison
 * sort of ten million string keys takes tens of seconds), each profile's in time order.
 */
function groupByProfile(interactions: readonly Interaction[]): Interaction[] {
  const profileIndex = new Map<string, number>();
  const owner = new Int32Array(interactions.length);
  const sizes: number[] = [];
  interactions.forEach((interaction, position) => {
    let index = profileIndex.get(interaction.profile);
    if (index === undefined) {
      index = sizes.length;
      profileIndex.set(interaction.profile, index);
      sizes.push(0);
    }
    owner[position] = index;
    sizes[index] = (sizes[index] ?? 0) + 1;
  });
  const starts = new Int32Array(sizes.length + 1);
  sizes.forEach((size, index) => {
    starts[index + 1] = (starts[index] ?? 0) + size;
  });
  const fill = starts.slice(0, sizes.length);
  const result: Interaction[] = new Array<Interaction>(interactions.length);
  interactions.forEach((interaction, position) => {
    const index = owner[position] ?? 0;
    const at = fill[index] ?? 0;
    result[at] = interaction;
    fill[index] = at + 1;
  });
  for (let index = 0; index < sizes.length; index++) {
    const from = starts[index] ?? 0;
    const to = starts[index + 1] ?? 0;
    let ordered = true;
    for (let i = from + 1; i < to && ordered; i++) if ((result[i]?.t ?? 0) < (result[i - 1]?.t ?? 0)) ordered = false;
    if (!ordered) {
      const part = result.slice(from, to).sort((a, b) => a.t - b.t);
      part.forEach((interaction, offset) => {
        result[from + offset] = interaction;
      });
    }
  }
  return result;
}

/**
 * Folds one live interaction into the counters that follow the event stream (trending and
 * best-sellers); the neighbour models change only when retrained.
 * @example observe(models, { profile: 'prf_1', item: 'p1', kind: 'purchase', t: Date.now(), groups: ['gender:female'] });
 */
export function observe(models: RecommendationModels, interaction: Interaction): void {
  const item = models.index.get(interaction.item);
  if (item === undefined) return;
  models.trending.add(item, interaction.t, kindWeight[interaction.kind]);
  if (interaction.kind !== 'purchase') return;
  const weight = interaction.quantity !== undefined && interaction.quantity > 0 ? interaction.quantity : 1;
  const groups = ['all', ...(interaction.groups ?? []), ...categoryLevels(models.items[item]?.category ?? null).map((level) => `category:${level}`)];
  for (const group of groups) {
    let counter = models.bestSellers.get(group);
    if (counter === undefined) {
      counter = new DecayedCounter(models.bestSellerHalfLifeMs, interaction.t);
      models.bestSellers.set(group, counter);
    }
    counter.add(item, interaction.t, weight);
  }
}

/** What is known about the visitor at request time. */
export interface VisitorContext {
  /** Newest first. */
  viewed: readonly { id: string; t: number }[];
  purchased: readonly { id: string; t: number }[];
  cart: readonly string[];
  /** Recent product interactions, oldest first (for-you reads the last few). */
  history: readonly string[];
  /** Groups of the visitor: `gender:female`, `country:FR`, `city:paris`, `segment:vip`. */
  groups: readonly string[];
}

export const emptyVisitor: VisitorContext = { viewed: [], purchased: [], cart: [], history: [], groups: [] };

export interface RecommendRequest {
  strategy: StrategyName;
  /** The product on the page (also-bought, viewed-together, complementary). */
  product?: string | undefined;
  /** best-sellers: the group to rank within (`gender:female`, `category:Shoes`); default the visitor's first group. */
  group?: string | undefined;
  limit: number;
  visitor: VisitorContext;
  rules?: BusinessRules | undefined;
  now: number;
}

export interface RecommendedItem {
  id: string;
  /** The strategy that produced it: the requested one, or a fallback. */
  strategy: StrategyName;
  score: number;
  pinned: boolean;
}

interface Candidate {
  item: number;
  score: number;
}

/** Candidates of one strategy, best first (before rules). */
function candidates(models: RecommendationModels, strategy: StrategyName, request: RecommendRequest, want: number): Candidate[] {
  const anchors = anchorItems(models, request);
  switch (strategy) {
    case 'also-bought':
      return fromNeighbours(models.alsoBought, anchors, want);
    case 'viewed-together':
      return fromNeighbours(models.viewedTogether, anchors, want);
    case 'complementary': {
      const result: Candidate[] = [];
      const anchorCategories = new Set(anchors.map((anchor) => models.items[anchor]?.category ?? null));
      const seenRules = new Set<string>();
      for (const anchor of anchors) {
        const item = models.items[anchor];
        if (item === undefined) continue;
        const rules = rulesFor(models.categoryRules, item.category === null ? [] : item.category.split(CATEGORY_SEPARATOR));
        for (const rule of rules) {
          if (seenRules.has(rule.to) || anchorCategories.has(rule.to)) continue;
          seenRules.add(rule.to);
          const sellers = models.bestSellers.get(`category:${rule.to}`);
          const perRule = Math.max(3, Math.ceil(want / Math.max(1, rules.length)));
          const top = sellers === undefined ? [] : sellers.top(perRule, request.now);
          top.forEach((candidate, rank) => result.push({ item: candidate, score: rule.lift * rule.confidence * (1 / (rank + 1)) }));
        }
      }
      return result.sort((a, b) => b.score - a.score);
    }
    case 'recently-viewed':
      return request.visitor.viewed.map((view, rank) => ({ item: models.index.get(view.id) ?? -1, score: 1 / (rank + 1) })).filter((candidate) => candidate.item >= 0);
    case 'trending':
      return models.trending.top(want, request.now).map((item) => ({ item, score: models.trending.valueAt(item, request.now) }));
    case 'best-sellers': {
      const group = request.group ?? request.visitor.groups[0] ?? 'all';
      const counter = models.bestSellers.get(group);
      if (counter === undefined) return [];
      return counter.top(want, request.now).map((item) => ({ item, score: counter.valueAt(item, request.now) }));
    }
    case 'new-arrivals':
      return Array.from(models.newArrivals.subarray(0, Math.max(want * 4, 200)), (item, rank) => ({ item, score: 1 / (rank + 1) }));
    case 'highest-discount':
      return Array.from(models.discounts.subarray(0, Math.max(want * 4, 200)), (item) => ({ item, score: models.discountOf[item] ?? 0 }));
    case 'for-you': {
      const history = request.visitor.history.map((id) => models.index.get(id)).filter((item): item is number => item !== undefined);
      if (history.length === 0) return [];
      return forYouCandidates(models.forYou, history, want);
    }
    default:
      return assertNever(strategy);
  }
}

function anchorItems(models: RecommendationModels, request: RecommendRequest): number[] {
  const ids = request.product !== undefined ? [request.product] : request.visitor.cart.length > 0 ? [...request.visitor.cart] : request.visitor.viewed.slice(0, 3).map((view) => view.id);
  return ids.map((id) => models.index.get(id)).filter((item): item is number => item !== undefined);
}

function fromNeighbours(table: NeighbourTable, anchors: readonly number[], want: number): Candidate[] {
  const scores = new Map<number, number>();
  anchors.forEach((anchor, rank) => {
    const weight = 1 / (rank + 1);
    for (let o = table.offsets[anchor] ?? 0, end = table.offsets[anchor + 1] ?? 0; o < end; o++) {
      const item = table.items[o] ?? 0;
      scores.set(item, (scores.get(item) ?? 0) + weight * (table.scores[o] ?? 0));
    }
  });
  return [...scores]
    .map(([item, score]) => ({ item, score }))
    .sort((a, b) => b.score - a.score || a.item - b.item)
    .slice(0, Math.max(want, 0));
}

function forYouCandidates(model: SequentialKnnModel, history: readonly number[], want: number): Candidate[] {
  // Sparse scoring: only items some history item reaches (the dense fill only breaks ties in evaluation).
  const scores = new Map<number, number>();
  let weight = 1;
  const seen = new Set<number>();
  for (let p = history.length - 1, used = 0; p >= 0 && used < model.options.historyLength; p--) {
    const source = history[p] ?? -1;
    if (seen.has(source)) continue;
    seen.add(source);
    used++;
    const { table } = model;
    for (let o = table.offsets[source] ?? 0, end = table.offsets[source + 1] ?? 0; o < end; o++) {
      const item = table.items[o] ?? 0;
      scores.set(item, (scores.get(item) ?? 0) + weight * (table.scores[o] ?? 0));
    }
    weight *= model.options.recency;
  }
  const keys = Int32Array.from(scores.keys());
  return topK(0, (item) => scores.get(item) ?? 0, want, keys).map((item) => ({ item, score: scores.get(item) ?? 0 }));
}

/** The hard filters of the rules as one predicate over item indexes. */
function admissible(models: RecommendationModels, request: RecommendRequest): (item: number) => boolean {
  const rules = request.rules ?? {};
  const excluded = new Set<number>();
  const anchor = request.product === undefined ? undefined : models.index.get(request.product);
  if (anchor !== undefined) excluded.add(anchor);
  if (rules.excludeCart !== false) for (const id of request.visitor.cart) excluded.add(models.index.get(id) ?? -1);
  if (rules.excludePurchased !== false) {
    const windows = Object.entries(rules.repurchaseDays ?? {}).sort((a, b) => b[0].length - a[0].length);
    for (const purchase of request.visitor.purchased) {
      const item = models.index.get(purchase.id);
      if (item === undefined) continue;
      const category = models.items[item]?.category ?? null;
      // The most specific configured category wins; "*" covers the rest; none means never again.
      const window = windows.find(([path]) => path !== '*' && inCategory(category, path)) ?? windows.find(([path]) => path === '*');
      if (window === undefined || request.now - purchase.t < window[1] * DAY) excluded.add(item);
    }
  }
  return (item: number) => {
    if (item < 0 || models.known[item] !== 1 || excluded.has(item)) return false;
    const product = models.items[item];
    if (product === undefined) return false;
    if (rules.inStockOnly !== false && product.inventory !== null && product.inventory <= 0) return false;
    if (rules.priceMin !== undefined && (product.price === null || product.price < rules.priceMin)) return false;
    if (rules.priceMax !== undefined && (product.price === null || product.price > rules.priceMax)) return false;
    if (rules.includeCategories !== undefined && !rules.includeCategories.some((path) => inCategory(product.category, path))) return false;
    if (rules.excludeCategories !== undefined && rules.excludeCategories.some((path) => inCategory(product.category, path))) return false;
    if (rules.includeBrands !== undefined && (product.brand === null || !rules.includeBrands.includes(product.brand))) return false;
    if (rules.excludeBrands !== undefined && product.brand !== null && rules.excludeBrands.includes(product.brand)) return false;
    return true;
  };
}

function boostOf(rules: BusinessRules, product: CatalogItem): number {
  let factor = 1;
  for (const boost of rules.boosts ?? []) {
    const matches =
      (boost.product === undefined || boost.product === product.id) &&
      (boost.brand === undefined || boost.brand === product.brand) &&
      (boost.category === undefined || inCategory(product.category, boost.category));
    if (matches) factor *= boost.factor;
  }
  return factor;
}

/**
 * Recommends up to `limit` products: the strategy's candidates, filtered by the rules (stock,
 * purchases with repurchase windows, cart, price, categories, brands), re-ranked by boosts,
 * capped per category and brand, filled from the fallback chain, with pinned products placed last.
 * @example recommend(models, { strategy: 'also-bought', product: 'p1', limit: 8, visitor: emptyVisitor, now: Date.now() })
 */
export function recommend(models: RecommendationModels, request: RecommendRequest): RecommendedItem[] {
  const rules = request.rules ?? {};
  const limit = Math.max(0, Math.floor(request.limit));
  const accept = admissible(models, request);
  const chosen: RecommendedItem[] = [];
  const taken = new Set<number>();
  const perCategory = new Map<string, number>();
  const perBrand = new Map<string, number>();
  const chain: StrategyName[] = [request.strategy, ...(rules.fallback ?? defaultFallback).filter((name) => name !== request.strategy)];
  // Over-fetch: filters and diversity caps drop candidates.
  const want = limit * 5 + 50;
  const pinnedIds = new Set((rules.pins ?? []).map((pin) => pin.product));
  for (const strategy of chain) {
    if (chosen.length >= limit) break;
    const ranked = candidates(models, strategy, request, want)
      .filter((candidate) => !taken.has(candidate.item) && accept(candidate.item))
      .map((candidate) => {
        const product = models.items[candidate.item];
        return { ...candidate, score: product === undefined ? candidate.score : candidate.score * boostOf(rules, product) };
      })
      .sort((a, b) => b.score - a.score || a.item - b.item);
    for (const candidate of ranked) {
      if (chosen.length >= limit) break;
      const product = models.items[candidate.item];
      if (product === undefined || taken.has(candidate.item) || pinnedIds.has(product.id)) continue;
      const category = product.category ?? '';
      const brand = product.brand ?? '';
      if (rules.maxPerCategory !== undefined && product.category !== null && (perCategory.get(category) ?? 0) >= rules.maxPerCategory) continue;
      if (rules.maxPerBrand !== undefined && product.brand !== null && (perBrand.get(brand) ?? 0) >= rules.maxPerBrand) continue;
      taken.add(candidate.item);
      perCategory.set(category, (perCategory.get(category) ?? 0) + 1);
      perBrand.set(brand, (perBrand.get(brand) ?? 0) + 1);
      chosen.push({ id: product.id, strategy, score: candidate.score, pinned: false });
    }
  }
  // Pins are merchandising decisions: they skip relevance and diversity, never stock.
  const stockRules: RecommendRequest = { ...request, rules: { inStockOnly: rules.inStockOnly ?? true, excludePurchased: false, excludeCart: false } };
  const inStock = admissible(models, stockRules);
  for (const pin of [...(rules.pins ?? [])].sort((a, b) => a.position - b.position)) {
    const item = models.index.get(pin.product);
    if (item === undefined || !inStock(item)) continue;
    const at = Math.min(pin.position - 1, chosen.length);
    chosen.splice(at, 0, { id: pin.product, strategy: request.strategy, score: 0, pinned: true });
  }
  return chosen.slice(0, limit);
}
