import type { DemoMessage } from './generator.js';
import type { DemoProduct } from './catalog.js';
import { armOf, SEED_UPLIFT, type DemoCampaign } from './onsite-shoppers.js';
import { Random } from './random.js';

/*
 * The on-site history of the demo shop: for every live campaign, visitors over the last weeks of
 * the demo window who meet it, each assigned as the SDK assigns (bucket 0 of the experiments hash
 * is the holdout), logging what the SDK logs (`Experience Viewed`, the holdout's "would have
 * shown", some clicks and submissions) and, for some, an order minutes later. The only simulated
 * part is the shopper's choice to order: a holdout visitor orders with the base rate, a shown one
 * with the base rate raised by the uplift the seed shop measured for the template. Everything else
 * (attribution, impressions, the interval) is the report's own computation over these events.
 */

const DAY = 86_400_000;
const MINUTE = 60_000;
/** Share of visitors who meet a campaign and order within the view-through window without it. */
const BASE_CONVERSION = 0.1;
const CLICK_RATE = 0.12;
const SUBMIT_RATE = 0.25;
const CAPTURES = new Set(['popup', 'survey', 'side_coupon', 'scratch_coupon']);
/** Templates the seed shop did not measure get a modest effect. */
const DEFAULT_UPLIFT = 0.15;

export interface OnsiteHistoryOptions {
  seed: number;
  /** The demo window; exposures fall in its last `days` (default 30), ending two hours before its end. */
  window: { start: number; end: number };
  days?: number;
  /** Visitors per campaign (default 800: about 80 in each 10% holdout). */
  visitorsPerCampaign?: number;
  products: readonly DemoProduct[];
  currency?: string;
}

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * The demo's on-site exposures and the orders that follow, deterministic from the seed and the
 * campaigns' ids (a re-run repeats every message id, so the log stores nothing twice). Time order
 * within each visitor; the log does not need more.
 * @example const messages = onsiteHistory(demoCampaigns(config), { seed: 1, window: store.window, products: store.products });
 */
export function onsiteHistory(campaigns: readonly DemoCampaign[], options: OnsiteHistoryOptions): DemoMessage[] {
  const visitors = options.visitorsPerCampaign ?? 800;
  const end = options.window.end - 2 * 60 * MINUTE;
  const start = Math.max(options.window.start, end - (options.days ?? 30) * DAY);
  const messages: DemoMessage[] = [];
  if (end <= start || options.products.length === 0) return messages;
  const currency = options.currency ?? options.products[0]?.currency ?? 'USD';
  for (const campaign of campaigns) {
    const random = Random.derive(options.seed, `onsite-history:${campaign.id}`);
    const uplift = SEED_UPLIFT[campaign.type] ?? DEFAULT_UPLIFT;
    for (let i = 0; i < visitors; i++) {
      const anonymousId = `demo-os-${options.seed}-${campaign.id}-${i}`;
      const prefix = `demo-os-${options.seed}-${campaign.id}-${i}`;
      let time = start + Math.floor(random.next() * (end - start));
      const arm = armOf(campaign, anonymousId);
      const product = options.products[random.zipf(options.products.length) - 1] ?? options.products[0];
      if (product === undefined) continue;
      const message = (offsetMs: number, body: Omit<DemoMessage, 'messageId' | 'timestamp' | 'anonymousId'>, suffix: string): void => {
        time += offsetMs;
        messages.push({ ...body, anonymousId, messageId: `${prefix}-${suffix}`, timestamp: new Date(time).toISOString() });
      };
      const path = `/demo/shop/p/${encodeURIComponent(product.id)}`;
      message(0, { type: 'page', name: product.name ?? 'Product', properties: { path, title: product.name ?? 'Product' } }, 'page');
      const exposure = { campaign_id: campaign.id, campaign_type: campaign.type, variant: arm ?? campaign.variants[0]?.key ?? 'a', trigger: campaign.trigger };
      if (arm === undefined) message(random.int(1, 30) * 1000, { type: 'track', event: 'Experience Viewed', properties: { ...exposure, holdout: true, would_have_shown: true } }, 'viewed');
      else {
        message(random.int(1, 30) * 1000, { type: 'track', event: 'Experience Viewed', properties: exposure }, 'viewed');
        if (random.chance(CLICK_RATE)) message(random.int(2, 20) * 1000, { type: 'track', event: 'Experience Clicked', properties: exposure }, 'clicked');
        if (CAPTURES.has(campaign.type) && random.chance(SUBMIT_RATE)) message(random.int(5, 40) * 1000, { type: 'track', event: 'Experience Submitted', properties: exposure }, 'submitted');
      }
      const orders = random.chance(arm === undefined ? BASE_CONVERSION : Math.min(0.95, BASE_CONVERSION * (1 + uplift)));
      if (!orders) continue;
      const quantity = random.chance(0.25) ? 2 : 1;
      const revenue = round(product.price * quantity);
      message(
        random.int(3, 40) * MINUTE,
        {
          type: 'track',
          event: 'Order Completed',
          properties: {
            order_id: `ord-${prefix}`,
            affiliation: 'Rapport Demo Shop',
            revenue,
            total: revenue,
            currency,
            products: [{ product_id: product.id, sku: product.sku, name: product.name, price: product.price, quantity, url: product.url }],
          },
        },
        'order',
      );
    }
  }
  return messages;
}
