/*
 * Model reports, score distributions and recommendations as the admin API returns them
 * (src/predictive, src/recommendations are the source), restated as far as the screen reads them.
 */

export interface Insufficient {
  status: 'insufficient-data' | 'invalid-data' | 'skipped';
  message?: string;
  reason?: string;
}
export interface Fitted {
  status: 'fitted';
  logLikelihood: number;
  customers: number;
  optimizer: { converged: boolean; status: string; iterations: number };
  degenerate?: string;
}
export interface PropensityReport {
  status: 'trained';
  horizonDays: number;
  holdout: { customers: number; positives: number; auc: number | null; baselineRecencyAuc: number | null; brier: number; baselineBrier: number };
}
export interface StockForecast {
  productId: string;
  inventory: number;
  perDay: number;
  daysToSellOut: number | null;
  restockNow: boolean;
  suggestedQuantity: number;
}
export interface ModelReport {
  now: string;
  data: { profiles: number; customers: number; orders: number; repeatCustomers: number };
  clv: {
    currency: string | null;
    bgnbd: Fitted | Insufficient;
    gammaGamma: Fitted | Insufficient;
    holdout: { status: 'checked'; days: number; predictedOrders: number; actualOrders: number; relativeError: number | null; correlation: number | null } | Insufficient;
    meanPredictedClv: number | null;
    tiers: Record<'high' | 'medium' | 'low', number> | null;
  };
  propensity: Record<'7d' | '30d', PropensityReport | Insufficient>;
  nextOrder: ({ status: 'fitted'; medianIntervalDays: number; predicted: number } & Record<string, unknown>) | Insufficient;
  stockout: { tracked: number; restock: StockForecast[]; soonest: StockForecast[] };
  scores: { written: number; keys: string[] };
  failure: string | null;
}
export interface RunView {
  id: string;
  status: 'running' | 'completed' | 'failed';
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  seconds: number | null;
  report: Partial<ModelReport> | null;
  error: string | null;
}

export interface Distribution {
  count: number;
  mean: number | null;
  median: number | null;
  p90: number | null;
  min: number | null;
  max: number | null;
  bins: { from: number; to: number; count: number }[];
}
export interface Distributions {
  currency: string | null;
  clv: Distribution;
  churnRisk: Distribution;
}

export const STRATEGIES = ['for-you', 'also-bought', 'viewed-together', 'complementary', 'recently-viewed', 'trending', 'best-sellers', 'new-arrivals', 'highest-discount'] as const;
export type Strategy = (typeof STRATEGIES)[number];
/** Strategies that read the product on the page, and those that read the visitor. */
export const PRODUCT_STRATEGIES: ReadonlySet<Strategy> = new Set(['also-bought', 'viewed-together', 'complementary']);
export const PROFILE_STRATEGIES: ReadonlySet<Strategy> = new Set(['for-you', 'recently-viewed']);

export interface BusinessRules {
  inStockOnly?: boolean;
  excludePurchased?: boolean;
  repurchaseDays?: Record<string, number>;
  excludeCart?: boolean;
  priceMin?: number;
  priceMax?: number;
  includeCategories?: string[];
  excludeCategories?: string[];
  includeBrands?: string[];
  excludeBrands?: string[];
  boosts?: { category?: string; brand?: string; product?: string; factor: number }[];
  pins?: { product: string; position: number }[];
  maxPerCategory?: number;
  maxPerBrand?: number;
  fallback?: Strategy[];
}

export interface Training {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  stage: string;
  progress: number;
  trigger: string;
  report: Record<string, unknown> | null;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface Recommended {
  id: string;
  name: string | null;
  price: number | null;
  currency: string | null;
  category: string | null;
  brand: string | null;
  score: number;
  pinned: boolean;
  strategy: Strategy;
}
export interface RecommendationResult {
  strategy: Strategy;
  profile_id: string | null;
  items: Recommended[];
  training_id: string | null;
  trained_at: string | null;
}
