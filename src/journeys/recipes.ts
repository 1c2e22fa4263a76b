import type { OfferRule } from '../coupons/index.js';
import type { JourneyDefinition } from './definition.js';

/*
 * Ready journeys for the classic e-commerce automations. Each returns a plain definition the
 * shop can create as is or edit; template and coupon-pool ids are parameters with readable
 * defaults. Every recipe has an end-to-end test (recipes.test.ts).
 */

export interface RecipeOptions {
  /** Template ids by role; defaults are `<recipe>-<role>`. */
  templates?: Record<string, string>;
  /** Coupon pool ids by role. */
  coupons?: Record<string, string>;
  /** Scheduled recipes (win-back, re-engagement gift, 12 days): the first run, an ISO time. */
  startAt?: string;
  /**
   * `demo`: every wait lasts one minute and there are no quiet hours or send windows, so a
   * journey plays out while someone watches (the demo shop). `real` (the default) as written.
   */
  pace?: 'real' | 'demo';
}

const ONE_MINUTE = { amount: 1, unit: 'minutes' } as const;

/**
 * The definition at demo pace (see `RecipeOptions.pace`): waits and event timeouts of one
 * minute, no quiet hours, no send window. Everything else (triggers, goals, coupons) is as is.
 * @example const quick = atDemoPace(abandonedCart());
 */
export function atDemoPace(definition: JourneyDefinition): JourneyDefinition {
  const { quietHours: _quiet, sendWindow: _window, ...settings } = definition.settings ?? {};
  return {
    ...definition,
    settings,
    nodes: definition.nodes.map((node) => {
      if (node.type === 'wait') return { ...node, duration: ONE_MINUTE };
      if (node.type === 'wait_event') return { ...node, timeout: ONE_MINUTE };
      return node;
    }),
  };
}

function template(options: RecipeOptions, role: string, fallback: string): string {
  return options.templates?.[role] ?? fallback;
}

function coupon(options: RecipeOptions, role: string, fallback: string): { poolId: string } {
  return { poolId: options.coupons?.[role] ?? fallback };
}

/**
 * Cart left behind: a reminder 1 h after the last add to the cart, a coupon a day later, a
 * "flash sale" scarcity message a day after that; buying the cart ends it.
 */
export function abandonedCart(options: RecipeOptions = {}): JourneyDefinition {
  return {
    name: 'Abandoned cart',
    trigger: { type: 'event', event: 'Product Added', entryKey: 'cart_id' },
    start: 'wait-1h',
    nodes: [
      // Another add to the same cart restarts the hour (a loop through a wait is allowed).
      { id: 'wait-1h', type: 'wait_event', event: 'Product Added', matchKey: 'cart_id', timeout: { amount: 1, unit: 'hours' }, next: 'wait-1h', timeoutNext: 'reminder' },
      { id: 'reminder', type: 'send', channel: 'email', templateId: template(options, 'reminder', 'cart-reminder'), next: 'wait-24h' },
      { id: 'wait-24h', type: 'wait', duration: { amount: 23, unit: 'hours' }, next: 'coupon' },
      { id: 'coupon', type: 'send', channel: 'email', templateId: template(options, 'coupon', 'cart-coupon'), coupon: coupon(options, 'coupon', 'cart-10-off'), next: 'wait-48h' },
      { id: 'wait-48h', type: 'wait', duration: { amount: 24, unit: 'hours' }, next: 'scarcity' },
      { id: 'scarcity', type: 'send', channel: 'email', templateId: template(options, 'scarcity', 'cart-flash-sale'), next: 'done' },
      { id: 'done', type: 'exit' },
    ],
    settings: { entry: { mode: 'once_per_key' }, goal: { event: 'Order Completed', matchKey: 'cart_id' }, priority: 80 },
  };
}

/** Viewed a product and left without adding anything: one nudge two hours later. */
export function browseAbandonment(options: RecipeOptions = {}): JourneyDefinition {
  return {
    name: 'Browse abandonment',
    trigger: { type: 'event', event: 'Product Viewed' },
    start: 'wait',
    nodes: [
      { id: 'wait', type: 'wait', duration: { amount: 2, unit: 'hours' }, next: 'reachable' },
      { id: 'reachable', type: 'condition', condition: { type: 'reachable', channel: 'email' }, yes: 'nudge', no: 'done' },
      { id: 'nudge', type: 'send', channel: 'email', templateId: template(options, 'nudge', 'browse-nudge'), next: 'done' },
      { id: 'done', type: 'exit' },
    ],
    settings: { entry: { mode: 'reenter', reenterAfterDays: 7 }, exitOn: [{ event: 'Product Added' }, { event: 'Order Completed' }], priority: 30 },
  };
}

/** Email captured: welcome, then a first-purchase incentive for those who have not bought, then best sellers. */
export function welcomeSeries(options: RecipeOptions = {}): JourneyDefinition {
  return {
    name: 'Welcome series',
    trigger: { type: 'event', event: 'Email Captured' },
    start: 'welcome',
    nodes: [
      { id: 'welcome', type: 'send', channel: 'email', templateId: template(options, 'welcome', 'welcome-1'), next: 'tag' },
      { id: 'tag', type: 'list', action: 'add', listId: 'newsletter', next: 'wait-2d' },
      { id: 'wait-2d', type: 'wait', duration: { amount: 2, unit: 'days' }, next: 'bought' },
      { id: 'bought', type: 'condition', condition: { type: 'computed', key: 'orders', op: 'gte', value: 1 }, yes: 'done', no: 'incentive' },
      { id: 'incentive', type: 'send', channel: 'email', templateId: template(options, 'incentive', 'welcome-incentive'), coupon: coupon(options, 'incentive', 'welcome-10'), next: 'wait-5d' },
      { id: 'wait-5d', type: 'wait', duration: { amount: 5, unit: 'days' }, next: 'bestsellers' },
      { id: 'bestsellers', type: 'send', channel: 'email', templateId: template(options, 'bestsellers', 'welcome-bestsellers'), next: 'done' },
      { id: 'done', type: 'exit' },
    ],
    settings: { entry: { mode: 'once' }, sendWindow: { from: '08:00', to: '21:00' } },
  };
}

/** On the customer's birthday at 9 am their time: a greeting with a gift code. */
export function birthday(options: RecipeOptions = {}): JourneyDefinition {
  return {
    name: 'Birthday',
    trigger: { type: 'date', source: 'trait', trait: 'birthday', at: '09:00' },
    start: 'greet',
    nodes: [
      { id: 'greet', type: 'send', channel: 'email', templateId: template(options, 'greeting', 'birthday'), coupon: coupon(options, 'gift', 'birthday-gift'), next: 'done' },
      { id: 'done', type: 'exit' },
    ],
  };
}

/** A year after the first order, at 10 am the customer's time: a thank-you. */
export function anniversary(options: RecipeOptions = {}): JourneyDefinition {
  return {
    name: 'Customer anniversary',
    trigger: { type: 'date', source: 'first_order', at: '10:00' },
    start: 'thanks',
    nodes: [
      { id: 'thanks', type: 'send', channel: 'email', templateId: template(options, 'thanks', 'anniversary'), next: 'done' },
      { id: 'done', type: 'exit' },
    ],
  };
}

/** A product the customer viewed, carted or wish-listed got cheaper. */
export function priceDrop(options: RecipeOptions = {}): JourneyDefinition {
  return {
    name: 'Price drop alert',
    trigger: { type: 'catalog', event: 'Price Dropped', interest: ['viewed', 'carted', 'wishlisted'], withinDays: 30, minDropPercent: 5 },
    start: 'alert',
    nodes: [
      { id: 'alert', type: 'send', channel: 'email', templateId: template(options, 'alert', 'price-drop'), next: 'done' },
      { id: 'done', type: 'exit' },
    ],
    settings: { quietHours: { start: '21:00', end: '08:00' } },
  };
}

/** A sold-out product the customer wanted is back: email, then a push a day later if they have not bought. */
export function backInStock(options: RecipeOptions = {}): JourneyDefinition {
  return {
    name: 'Back in stock alert',
    trigger: { type: 'catalog', event: 'Back In Stock', interest: ['wishlisted', 'carted', 'viewed'], withinDays: 60 },
    start: 'alert',
    nodes: [
      { id: 'alert', type: 'send', channel: 'email', templateId: template(options, 'alert', 'back-in-stock'), next: 'wait' },
      { id: 'wait', type: 'wait', duration: { amount: 1, unit: 'days' }, next: 'push' },
      { id: 'push', type: 'send', channel: 'push', templateId: template(options, 'push', 'back-in-stock-push'), next: 'done' },
      { id: 'done', type: 'exit' },
    ],
    settings: { goal: { event: 'Order Completed' } },
  };
}

/** After an order, when its products typically run out (product attribute `repurchase_days`): a reminder to reorder. */
export function replenishment(options: RecipeOptions = {}): JourneyDefinition {
  return {
    name: 'Replenishment reminder',
    trigger: { type: 'event', event: 'Order Completed', entryKey: 'order_id' },
    start: 'until-due',
    nodes: [
      { id: 'until-due', type: 'wait_until', date: 'context.replenish_at', time: '10:00', next: 'remind' },
      { id: 'remind', type: 'send', channel: 'email', templateId: template(options, 'reminder', 'replenish'), next: 'done' },
      { id: 'done', type: 'exit' },
    ],
    settings: { entry: { mode: 'once_per_key' } },
  };
}

/** After an order: a check-in when it has arrived, then a review request a week later unless refunded. */
export function postPurchase(options: RecipeOptions = {}): JourneyDefinition {
  return {
    name: 'Post-purchase check-in and review',
    trigger: { type: 'event', event: 'Order Completed', entryKey: 'order_id' },
    start: 'wait-3d',
    nodes: [
      { id: 'wait-3d', type: 'wait', duration: { amount: 3, unit: 'days' }, next: 'check-in' },
      { id: 'check-in', type: 'send', channel: 'email', templateId: template(options, 'checkin', 'post-purchase-checkin'), next: 'wait-7d' },
      { id: 'wait-7d', type: 'wait', duration: { amount: 7, unit: 'days' }, next: 'review' },
      { id: 'review', type: 'send', channel: 'email', templateId: template(options, 'review', 'review-request'), next: 'done' },
      { id: 'done', type: 'exit' },
    ],
    settings: { entry: { mode: 'once_per_key' }, exitOn: [{ event: 'Order Refunded' }] },
  };
}

/** Every day: customers whose last order was 90+ days ago get a come-back offer, then a last call a week later. */
export function winBack(options: RecipeOptions = {}): JourneyDefinition {
  return {
    name: 'Win-back',
    trigger: {
      type: 'schedule',
      at: options.startAt ?? '2026-01-01T10:00:00Z',
      every: { amount: 1, unit: 'days' },
      audience: {
        type: 'and',
        conditions: [
          { type: 'computed', key: 'orders', op: 'gte', value: 1 },
          { type: 'computed', key: 'daysSinceLastOrder', op: 'gte', value: 90 },
        ],
      },
    },
    start: 'offer',
    nodes: [
      { id: 'offer', type: 'send', channel: 'email', templateId: template(options, 'offer', 'win-back-offer'), coupon: coupon(options, 'offer', 'win-back-15'), next: 'wait' },
      { id: 'wait', type: 'wait', duration: { amount: 7, unit: 'days' }, next: 'last-call' },
      { id: 'last-call', type: 'send', channel: 'email', templateId: template(options, 'last-call', 'win-back-last-call'), next: 'done' },
      { id: 'done', type: 'exit' },
    ],
    settings: { entry: { mode: 'reenter', reenterAfterDays: 180 }, goal: { event: 'Order Completed' }, conversionWindowDays: 30 },
  };
}

/** Weekly: subscribers not seen for 60+ days get a gift; half of them (A/B) also get an SMS if still away. */
export function reEngagementGift(options: RecipeOptions = {}): JourneyDefinition {
  return {
    name: 'Re-engagement gift',
    trigger: {
      type: 'schedule',
      at: options.startAt ?? '2026-01-05T10:00:00Z',
      every: { amount: 1, unit: 'weeks' },
      audience: {
        type: 'and',
        conditions: [
          { type: 'reachable', channel: 'email' },
          { type: 'computed', key: 'daysSinceLastSeen', op: 'gte', value: 60 },
        ],
      },
    },
    start: 'gift',
    nodes: [
      { id: 'gift', type: 'send', channel: 'email', templateId: template(options, 'gift', 're-engagement-gift'), coupon: coupon(options, 'gift', 'gift-card-5'), next: 'wait' },
      { id: 'wait', type: 'wait_event', event: 'page', timeout: { amount: 5, unit: 'days' }, next: 'done', timeoutNext: 'ab' },
      {
        id: 'ab',
        type: 'ab',
        arms: [
          { name: 'sms', weight: 1, next: 'sms' },
          { name: 'none', weight: 1, next: 'done' },
        ],
      },
      { id: 'sms', type: 'send', channel: 'sms', templateId: template(options, 'sms', 're-engagement-sms'), next: 'done' },
      { id: 'done', type: 'exit' },
    ],
    settings: { entry: { mode: 'reenter', reenterAfterDays: 90 }, goal: { event: 'Order Completed' } },
  };
}

/** "12 days": one message a day for twelve days from `startAt`, each revealing a mystery discount. */
export function twelveDays(options: RecipeOptions = {}): JourneyDefinition {
  const nodes: JourneyDefinition['nodes'] = [];
  for (let day = 1; day <= 12; day++) {
    nodes.push({
      id: `day-${day}`,
      type: 'send',
      channel: 'email',
      templateId: template(options, 'day', 'twelve-days'),
      coupon: coupon(options, `day-${day}`, `mystery-day-${day}`),
      data: { day },
      next: day === 12 ? 'done' : `wait-${day}`,
    });
    if (day < 12) nodes.push({ id: `wait-${day}`, type: 'wait', duration: { amount: 1, unit: 'days' }, next: `day-${day + 1}` });
  }
  nodes.push({ id: 'done', type: 'exit' });
  return {
    name: '12 days of offers',
    trigger: { type: 'schedule', at: options.startAt ?? '2026-12-13T09:00:00Z', audience: { type: 'reachable', channel: 'email' } },
    start: 'day-1',
    nodes,
    settings: { priority: 60 },
  };
}

/** Every recipe by name (for the CLI and the dashboard). */
export const recipes: Readonly<Record<string, (options?: RecipeOptions) => JourneyDefinition>> = {
  'abandoned-cart': abandonedCart,
  'browse-abandonment': browseAbandonment,
  'welcome-series': welcomeSeries,
  birthday,
  anniversary,
  'price-drop': priceDrop,
  'back-in-stock': backInStock,
  replenishment,
  'post-purchase': postPurchase,
  'win-back': winBack,
  're-engagement-gift': reEngagementGift,
  'twelve-days': twelveDays,
};

/** A template a recipe sends by default: its id, and the starter (src/templates/starters.ts) that creates it. */
export interface RecipeTemplateNeed {
  id: string;
  starter: string;
}

/** A coupon pool a recipe issues from by default, with the settings it is created with when missing. */
export interface RecipeCouponNeed {
  id: string;
  name: string;
  prefix: string;
  rule: OfferRule;
  /** Each personal code expires this many days after it is issued. */
  expiresAfterDays: number;
}

/** What a recipe needs to really send, by role (the keys of `RecipeOptions.templates` / `.coupons`). */
export interface RecipeNeeds {
  templates: Record<string, RecipeTemplateNeed>;
  coupons: Record<string, RecipeCouponNeed>;
}

const percent = (value: number): OfferRule => ({ kind: 'fixed', offer: { type: 'percent', value } });

/** The twelve days draw from the same weighted set: mostly modest, now and then generous. */
const mysteryRule: OfferRule = {
  kind: 'mystery',
  draws: [
    { weight: 45, offer: { type: 'percent', value: 10 } },
    { weight: 25, offer: { type: 'percent', value: 15 } },
    { weight: 15, offer: { type: 'free_shipping' } },
    { weight: 10, offer: { type: 'percent', value: 20 } },
    { weight: 5, offer: { type: 'percent', value: 30 } },
  ],
};

const twelveDayPools: Record<string, RecipeCouponNeed> = {};
for (let day = 1; day <= 12; day++)
  twelveDayPools[`day-${day}`] = { id: `mystery-day-${day}`, name: `12 days: mystery discount, day ${day}`, prefix: `DAY${day}-`, rule: mysteryRule, expiresAfterDays: 1 };

/**
 * The templates and coupon pools each recipe uses unless told otherwise. Installing a recipe
 * with real delivery creates the missing ones (see recipe-installer.ts); the ids match the
 * defaults of the recipe functions above (checked by recipes.test.ts).
 */
export const recipeNeeds: Readonly<Record<string, RecipeNeeds>> = {
  'abandoned-cart': {
    templates: { reminder: { id: 'cart-reminder', starter: 'cart_reminder' }, coupon: { id: 'cart-coupon', starter: 'cart_coupon' }, scarcity: { id: 'cart-flash-sale', starter: 'cart_flash_sale' } },
    coupons: { coupon: { id: 'cart-10-off', name: 'Abandoned cart: 10% off', prefix: 'CART-', rule: percent(10), expiresAfterDays: 7 } },
  },
  'browse-abandonment': { templates: { nudge: { id: 'browse-nudge', starter: 'browse_nudge' } }, coupons: {} },
  'welcome-series': {
    templates: {
      welcome: { id: 'welcome-1', starter: 'welcome' },
      incentive: { id: 'welcome-incentive', starter: 'welcome_incentive' },
      bestsellers: { id: 'welcome-bestsellers', starter: 'welcome_bestsellers' },
    },
    coupons: { incentive: { id: 'welcome-10', name: 'Welcome: 10% off the first order', prefix: 'HELLO-', rule: percent(10), expiresAfterDays: 14 } },
  },
  birthday: {
    templates: { greeting: { id: 'birthday', starter: 'birthday' } },
    coupons: { gift: { id: 'birthday-gift', name: 'Birthday gift: 15% off', prefix: 'BDAY-', rule: percent(15), expiresAfterDays: 30 } },
  },
  anniversary: { templates: { thanks: { id: 'anniversary', starter: 'anniversary' } }, coupons: {} },
  'price-drop': { templates: { alert: { id: 'price-drop', starter: 'price_drop' } }, coupons: {} },
  'back-in-stock': { templates: { alert: { id: 'back-in-stock', starter: 'back_in_stock' }, push: { id: 'back-in-stock-push', starter: 'back_in_stock_push' } }, coupons: {} },
  replenishment: { templates: { reminder: { id: 'replenish', starter: 'replenishment' } }, coupons: {} },
  'post-purchase': { templates: { checkin: { id: 'post-purchase-checkin', starter: 'post_purchase_checkin' }, review: { id: 'review-request', starter: 'review_request' } }, coupons: {} },
  'win-back': {
    templates: { offer: { id: 'win-back-offer', starter: 'win_back' }, 'last-call': { id: 'win-back-last-call', starter: 'win_back_last_call' } },
    coupons: { offer: { id: 'win-back-15', name: 'Win-back: 15% off', prefix: 'BACK-', rule: percent(15), expiresAfterDays: 14 } },
  },
  're-engagement-gift': {
    templates: { gift: { id: 're-engagement-gift', starter: 're_engagement_gift' }, sms: { id: 're-engagement-sms', starter: 're_engagement_sms' } },
    // A fixed amount needs a currency: the installer replaces USD with the shop's (`currency`).
    coupons: { gift: { id: 'gift-card-5', name: 'Re-engagement gift: 5 off', prefix: 'GIFT-', rule: { kind: 'fixed', offer: { type: 'fixed', value: 5, currency: 'USD' } }, expiresAfterDays: 14 } },
  },
  'twelve-days': { templates: { day: { id: 'twelve-days', starter: 'twelve_days' } }, coupons: twelveDayPools },
};
