import { normalizeCategory } from '../catalog/index.js';
import { DEMO_SHOP_ORIGIN, DEMO_SHOP_PATH, generateCatalog, type DemoProduct } from './catalog.js';
import { MinHeap } from './heap.js';
import { generatePerson, type DemoPerson } from './people.js';
import { Random } from './random.js';

/** A Segment message as a client would send it (ingest validates and normalizes it). */
export interface DemoMessage {
  type: 'identify' | 'track' | 'page';
  messageId: string;
  timestamp: string;
  userId?: string;
  anonymousId?: string;
  event?: string;
  name?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

export interface DemoOptions {
  /** Registered customers (people who identify at some point); anonymous visitors come on top. */
  customers: number;
  seed?: number;
  /** Length of the simulated window in days (default 180). */
  days?: number;
  /**
   * When the history ends (default: now). With the same seed and end the output is identical;
   * sessions in progress at the end (some with fresh carts) make the shop look alive right now.
   */
  end?: Date | number | string;
  /** First moment of the window instead of `end` (the window then ends `days` later). */
  start?: Date | number | string;
  /** Catalog size (default: 200 plus one per 50 customers, at most 500). */
  products?: number;
  /** Anonymous-only visitors per customer (default 2.5, so most visitors never identify). */
  anonymousPerCustomer?: number;
  currency?: string;
  /** The origin of the Rapport server whose storefront (`/demo/shop`) the catalog and pages link to (default http://127.0.0.1:4000). */
  shopOrigin?: string;
}

export interface DemoStore {
  products: DemoProduct[];
  /** Every message of the window, in time order; generated lazily, nothing is held beyond the sessions in flight. */
  messages(): AsyncGenerator<DemoMessage>;
  /** The same sequence, synchronously (benchmarks that pre-generate). */
  messagesSync(): Generator<DemoMessage>;
  /** First and last moment of the window (ms). */
  window: { start: number; end: number };
  /** The seed everything was drawn from (the on-site history draws from it too). */
  seed: number;
  /** The demo storefront the catalog links to, e.g. http://127.0.0.1:4000/demo/shop. */
  shopUrl: string;
  /**
   * Sessions after the window, for `rapport demo --live`: each call draws one visitor (a known
   * customer coming back, a new anonymous visitor, or a newcomer who signs up) and returns that
   * session's messages, timestamped from `time` on. Ids start with `live-<seed>-<runId>` so
   * they never collide with the history or another live run.
   */
  liveSession(time: number, runId: string, pace?: number): DemoMessage[];
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
/** Live sessions run this many times faster than browsing in the history (8-90 s between pages there). */
const LIVE_PACE = 4;

type Source = 'organic' | 'paid' | 'email' | 'social' | 'direct' | 'referral';
type Device = 'mobile' | 'desktop' | 'tablet';

const SOURCES: readonly (readonly [Source, number])[] = [
  ['organic', 30],
  ['paid', 20],
  ['direct', 22],
  ['social', 15],
  ['referral', 8],
  ['email', 5],
];
const DEVICES: readonly (readonly [Device, number])[] = [
  ['mobile', 58],
  ['desktop', 35],
  ['tablet', 7],
];
const USER_AGENTS: Record<Device, string> = {
  mobile: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  desktop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  tablet: 'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
};
// Shoppers visit in the evening more than at night: relative weight per UTC hour.
const HOURS: readonly (readonly [number, number])[] = [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 3.5, 3.5, 3.5, 4, 4, 3.5, 3.5, 3.5, 4, 5, 6, 6.5, 6, 4, 2].map((weight, hour) => [hour, weight] as const);
const SEARCHES = ['rain jacket', 'sneakers', 'linen', 'gift for her', 'headphones', 'boots', 'serum', 'mug', 'sale', 'black dress', 'charger', 'candle'];
const COUPONS: readonly (readonly [string, number])[] = [
  ['WELCOME10', 0.1],
  ['SPRING15', 0.15],
  ['VIP20', 0.2],
];
const CAMPAIGNS = ['weekly-picks', 'new-arrivals', 'back-in-stock', 'spring-sale', 'style-guide'];
const SOCIAL = ['instagram', 'facebook', 'tiktok', 'pinterest'];
const REFERRERS = ['https://www.wirecutter.example/best-rain-jackets', 'https://blog.example.org/gift-guide', 'https://www.reddit.com/r/malefashionadvice'];

interface Visitor {
  index: number;
  random: Random;
  /** One anonymousId per device the visitor uses. */
  devices: Array<{ anonymousId: string; type: Device; identified: boolean }>;
  person: DemoPerson | undefined;
  userId: string | undefined;
  /** When the person has an account; Infinity for visitors who never register. */
  signupAt: number;
  signedUp: boolean;
  /** Mean days between visits. */
  gapDays: number;
  /** After each session an anonymous-only visitor leaves for good with this probability. */
  leaveProbability: number;
  /** Probability of completing a checkout once started (heterogeneous buyers). */
  buyPropensity: number;
  department: string;
  churnAt: number;
  emailConsent: boolean;
  sessions: number;
  orders: number;
}

type Scheduled = { time: number; seq: number; kind: 'visit'; visitor: Visitor; source?: Source; campaign?: string; extra?: boolean } | { time: number; seq: number; kind: 'campaign'; number: number };

interface Pending {
  time: number;
  seq: number;
  message: DemoMessage;
}

const byTime = <T extends { time: number; seq: number }>(a: T, b: T) => a.time - b.time || a.seq - b.seq;

/** The shop a simulation runs in: its window, catalog and departments, fixed by the options and the seed. */
interface Shop {
  options: DemoOptions;
  seed: number;
  start: number;
  end: number;
  /** The storefront's origin (pages and links are under `DEMO_SHOP_PATH` there). */
  origin: string;
  products: DemoProduct[];
  currency: string;
  departments: string[];
  byDepartment: Map<string, DemoProduct[]>;
}

/**
 * A synthetic but realistic shop, deterministic from its seed: a catalog, registered customers
 * with profiles, and a majority of anonymous visitors; sessions from organic, paid, email,
 * social, direct and referral traffic with UTM campaigns, devices and page context; browsing,
 * search, carts (many abandoned), checkouts, orders with repeat purchases from heterogeneous
 * buyers who churn, refunds, signups and logins that merge anonymous devices into known
 * profiles, and weekly emails that are opened and clicked.
 * @example for await (const message of generateDemoStore({ customers: 100, seed: 7 }).messages()) ...
 */
export function generateDemoStore(options: DemoOptions): DemoStore {
  const shop = shopOf(options);
  const messagesSync = () => historyMessages(shop);
  return {
    products: shop.products,
    messagesSync,
    window: { start: shop.start, end: shop.end },
    seed: shop.seed,
    shopUrl: `${shop.origin}${DEMO_SHOP_PATH}`,
    liveSession: liveSessions(shop),
    async *messages() {
      yield* messagesSync();
    },
  };
}

/** The window, catalog and departments the options and the seed fix. */
function shopOf(options: DemoOptions): Shop {
  const seed = options.seed ?? 1;
  const { start, end } = windowOf(options);
  const productCount = options.products ?? Math.min(500, 200 + Math.floor(options.customers / 50));
  const origin = (options.shopOrigin ?? DEMO_SHOP_ORIGIN).replace(/\/$/, '');
  const products = generateCatalog(Random.derive(seed, 'catalog'), productCount, options.currency ?? 'USD', origin);
  const currency = options.currency ?? 'USD';
  const departments = [...new Set(products.map((product) => product.category[0] ?? ''))];
  const byDepartment = new Map<string, DemoProduct[]>();
  for (const product of products) {
    const department = product.category[0] ?? '';
    const list = byDepartment.get(department);
    if (list) list.push(product);
    else byDepartment.set(department, [product]);
  }
  return { options, seed, start, end, origin, products, currency, departments, byDepartment };
}

/** The history: every visit, campaign and their messages over the window, in time order. */
function* historyMessages(shop: Shop): Generator<DemoMessage> {
  const { options, seed, start, end } = shop;
  let seq = 0;
  const schedule = new MinHeap<Scheduled>(byTime);
  const pending = new MinHeap<Pending>(byTime);
  const emit = (time: number, message: DemoMessage) => {
    if (time < end) pending.push({ time, seq: seq++, message });
  };
  const visitors: Visitor[] = [];
  const anonymous = Math.round(options.customers * (options.anonymousPerCustomer ?? 2.5));
  for (let index = 0; index < options.customers + anonymous; index++) {
    const visitor = createVisitor(shop, index, index < options.customers);
    visitors.push(visitor);
    const first = visitor.person === undefined ? start + visitor.random.next() * (end - start) : start + visitor.random.exponential(visitor.gapDays * DAY);
    let time = atHour(visitor.random, first);
    // The hour of day may fall before a window that does not start at midnight.
    if (time < start) time += DAY;
    schedule.push({ time, seq: seq++, kind: 'visit', visitor });
  }
  // Shoppers on the site when the window ends: the first lands half a minute before the end,
  // the others within the last 70 minutes, so fresh carts are waiting to be abandoned.
  const onSite = new Random(seed ^ 0x5eed);
  const inFlight = Math.max(3, Math.round(options.customers / 150));
  for (let i = 0; i < inFlight && options.customers > 0; i++) {
    const visitor = visitors[onSite.int(0, options.customers - 1)];
    const time = end - (i === 0 ? 30_000 : onSite.int(2, 70) * MINUTE);
    if (visitor !== undefined && time > start) schedule.push({ time, seq: seq++, kind: 'visit', visitor, extra: true });
  }
  // Weekly newsletter on Tuesdays-ish: every 7 days from day 1, at 09:00 UTC.
  for (let number = 0, time = start + DAY + 9 * HOUR; time < end; number++, time += 7 * DAY) {
    schedule.push({ time, seq: seq++, kind: 'campaign', number });
  }

  for (let next = schedule.pop(); next !== undefined; next = schedule.pop()) {
    // Nothing scheduled later can produce an event before `next.time`: what is due is final.
    for (let head = pending.peek(); head !== undefined && head.time < next.time; head = pending.peek()) {
      pending.pop();
      yield head.message;
    }
    if (next.time >= end) break;
    if (next.kind === 'campaign') {
      sendCampaign(shop, next.number, next.time, visitors, emit, (visitor, time, campaign) => schedule.push({ time, seq: seq++, kind: 'visit', visitor, source: 'email', campaign }));
      continue;
    }
    const { visitor } = next;
    if (next.time > visitor.churnAt && next.source !== 'email' && next.extra !== true) continue;
    const sessionEnd = runSession(shop, visitor, next.time, next.source, next.campaign, emit);
    // Email-triggered and end-of-window visits are extra; the visitor's own rhythm continues from the regular ones.
    if ((next.source === 'email' && next.campaign !== undefined) || next.extra === true) continue;
    if (visitor.person === undefined && visitor.random.chance(visitor.leaveProbability)) continue;
    const earliest = sessionEnd + HOUR;
    let nextVisit = atHour(visitor.random, Math.max(earliest, next.time + visitor.random.exponential(visitor.gapDays * DAY)));
    // Moving to a time of day must never go back before now: events already emitted are final.
    if (nextVisit < earliest) nextVisit += DAY;
    schedule.push({ time: nextVisit, seq: seq++, kind: 'visit', visitor });
  }
  for (let head = pending.pop(); head !== undefined; head = pending.pop()) yield head.message;
}

function createVisitor(shop: Shop, index: number, registered: boolean): Visitor {
  const { seed, start, end, departments } = shop;
  const random = Random.derive(seed, `visitor-${index}`);
  const deviceCount = registered && random.chance(0.35) ? 2 : 1;
  const devices = Array.from({ length: deviceCount }, () => ({
    anonymousId: `anon-${seed}-${index}-${random.hex(8)}`,
    type: random.weighted(DEVICES),
    identified: false,
  }));
  const department = random.pick(departments);
  if (!registered) {
    return {
      index,
      random,
      devices,
      person: undefined,
      userId: undefined,
      signupAt: Number.POSITIVE_INFINITY,
      signedUp: false,
      gapDays: random.logNormal(6, 0.8),
      leaveProbability: 0.65,
      buyPropensity: 0,
      department,
      churnAt: Number.POSITIVE_INFINITY,
      emailConsent: false,
      sessions: 0,
      orders: 0,
    };
  }
  const person = generatePerson(random, index, start);
  // 60% had an account before the window; the rest register during it.
  const existing = random.chance(0.6);
  const signupAt = existing ? start - random.int(1, 730) * DAY - random.int(0, DAY - 1) : start + random.next() * (end - start);
  return {
    index,
    random,
    devices,
    person,
    userId: `cus_${seed}_${String(index).padStart(6, '0')}`,
    signupAt,
    signedUp: existing,
    // Heavy-tailed visit rhythm: most visit every few weeks, a few almost daily.
    gapDays: random.logNormal(12, 0.9),
    leaveProbability: 0,
    buyPropensity: Math.min(0.95, random.logNormal(0.35, 0.7)),
    department,
    // Customer lifetimes are roughly exponential; a churned customer stops visiting.
    churnAt: start + random.exponential(150) * DAY,
    emailConsent: random.chance(0.65),
    sessions: 0,
    orders: 0,
  };
}

/** Where a session came from: its campaign context, landing page, referrer and query string. */
type CampaignContext = ReturnType<typeof campaignContext>;

/**
 * Writes one session's messages: ids numbered from the session's prefix, a clock that moves on
 * a few seconds after each message, and the device, campaign and page context every message carries.
 */
class SessionWriter {
  private counter = 0;

  constructor(
    private readonly visitor: Visitor,
    readonly device: Visitor['devices'][number],
    private readonly campaign: CampaignContext,
    readonly prefix: string,
    private readonly emit: (time: number, message: DemoMessage) => void,
    public time: number,
    private readonly origin: string,
  ) {}

  private context(): Record<string, unknown> {
    const context: Record<string, unknown> = {
      device: { type: this.device.type },
      userAgent: USER_AGENTS[this.device.type],
      locale: this.visitor.person?.locale ?? 'en-US',
    };
    if (this.campaign.campaign !== undefined) context.campaign = this.campaign.campaign;
    return context;
  }

  private identity(): { userId?: string; anonymousId: string } {
    const known = this.visitor.userId !== undefined && this.visitor.signedUp;
    return known ? { userId: this.visitor.userId, anonymousId: this.device.anonymousId } : { anonymousId: this.device.anonymousId };
  }

  send(message: Omit<DemoMessage, 'messageId' | 'timestamp'>, page?: { path: string; title: string }): void {
    const context = this.context();
    const first = this.counter === 0;
    if (page !== undefined) {
      context.page = {
        path: page.path,
        url: `${this.origin}${page.path}${first ? this.campaign.search : ''}`,
        title: page.title,
        referrer: first ? this.campaign.referrer : `${this.origin}${DEMO_SHOP_PATH}`,
        search: first ? this.campaign.search : '',
      };
    }
    this.emit(this.time, { ...message, ...this.identity(), messageId: `${this.prefix}-${this.counter++}`, timestamp: new Date(this.time).toISOString(), context });
    this.time += this.visitor.random.int(8, 90) * 1000;
  }

  /** A message outside the session's clock (a refund days later). */
  emitAt(time: number, message: DemoMessage): void {
    this.emit(time, message);
  }

  /** The person logs in on this device, or creates the account (their signup time has come). */
  identify(reason: 'login' | 'signup'): void {
    const { visitor } = this;
    const person = visitor.person;
    if (person === undefined || visitor.userId === undefined) return;
    visitor.signedUp = true;
    this.device.identified = true;
    if (reason === 'signup') visitor.signupAt = Math.min(visitor.signupAt, this.time);
    this.send({ type: 'identify', traits: traitsOf(person, visitor.signupAt, visitor.emailConsent) });
    if (reason === 'signup') this.send({ type: 'track', event: 'Signed Up', properties: { method: 'email' } });
    // The welcome series starts from a captured email (newsletter box or account form).
    if (reason === 'signup' && visitor.emailConsent) this.send({ type: 'track', event: 'Email Captured', properties: { email: person.email, form: 'signup' } });
  }
}

type CartLine = { product: DemoProduct; quantity: number };

/** Emits one session's messages; returns when it ended. */
function runSession(
  shop: Shop,
  visitor: Visitor,
  startTime: number,
  forcedSource: Source | undefined,
  campaignName: string | undefined,
  emit: (time: number, message: DemoMessage) => void,
  idPrefix = 'demo',
): number {
  const { random } = visitor;
  const sessionNo = visitor.sessions++;
  const device = visitor.devices.length > 1 && random.chance(0.4) ? visitor.devices[1] : visitor.devices[0];
  if (device === undefined) throw new Error('visitor without a device');
  const source = forcedSource ?? random.weighted(SOURCES);
  const prefix = `${idPrefix}-${shop.seed}-v${visitor.index}-s${sessionNo}`;
  const campaign = campaignContext(random, source, campaignName, visitor.department);
  const session = new SessionWriter(visitor, device, campaign, prefix, emit, startTime, shop.origin);
  // Landing page.
  const landing = campaign.landing;
  session.send({ type: 'page', name: landing.title, properties: { path: landing.path, title: landing.title } }, landing);
  // An existing customer logs in on a device we have not seen them on; a registered person
  // whose signup time has come creates the account.
  if (visitor.person !== undefined && session.time >= visitor.signupAt && (!visitor.signedUp || !device.identified)) {
    session.identify(visitor.signedUp ? 'login' : 'signup');
  }
  const cart = browse(shop, visitor, session);
  if (cart.length > 0) checkout(shop, visitor, session, cart);
  return session.time;
}

/** Search, a product list, product pages and what goes into the cart (some of it taken out again). */
function browse(shop: Shop, visitor: Visitor, session: SessionWriter): CartLine[] {
  const { random } = visitor;
  const { departments, byDepartment, products, currency } = shop;
  let department = random.chance(0.75) ? visitor.department : random.pick(departments);
  if (random.chance(0.3)) {
    const query = random.pick(SEARCHES);
    session.send({ type: 'track', event: 'Products Searched', properties: { query } }, { path: `${DEMO_SHOP_PATH}/search`, title: `Search: ${query}` });
  }
  const catalog = byDepartment.get(department) ?? products;
  const listed = Array.from({ length: Math.min(catalog.length, random.int(4, 8)) }, () => catalog[random.zipf(catalog.length)]).filter((product): product is DemoProduct => product !== undefined);
  session.send(
    {
      type: 'track',
      event: 'Product List Viewed',
      properties: { list_id: `${department.toLowerCase()}-list`, category: department, products: listed.map((product, position) => ({ ...productProperties(product), position: position + 1 })) },
    },
    { path: collectionPath(department), title: department },
  );

  const viewedCount = Math.min(8, 1 + Math.floor(random.exponential(1.6)));
  const cart: CartLine[] = [];
  const cartId = `cart-${session.prefix}`;
  const intent = visitor.person === undefined ? 0.1 : 0.22;
  for (let i = 0; i < viewedCount; i++) {
    if (i > 0 && random.chance(0.25)) department = random.pick(departments);
    const pool = byDepartment.get(department) ?? products;
    const product = pool[random.zipf(pool.length)];
    if (product === undefined) continue;
    const properties = { ...productProperties(product), currency, value: product.price };
    session.send({ type: 'page', name: product.name, properties: { path: pathOf(product), title: product.name } }, { path: pathOf(product), title: product.name });
    session.send({ type: 'track', event: 'Product Viewed', properties }, { path: pathOf(product), title: product.name });
    if (product.inventory > 0 && random.chance(intent)) {
      const quantity = random.chance(0.85) ? 1 : random.int(2, 3);
      cart.push({ product, quantity });
      session.send({ type: 'track', event: 'Product Added', properties: { ...productProperties(product), quantity, cart_id: cartId } }, { path: pathOf(product), title: product.name });
    }
  }
  if (cart.length > 1 && random.chance(0.2)) {
    const removed = cart.splice(random.int(0, cart.length - 1), 1)[0];
    if (removed !== undefined) {
      session.send(
        { type: 'track', event: 'Product Removed', properties: { ...productProperties(removed.product), quantity: removed.quantity, cart_id: cartId } },
        { path: `${DEMO_SHOP_PATH}/cart`, title: 'Cart' },
      );
    }
  }
  return cart;
}

/** The cart, checkout and (for some) the order, with a coupon now and then and a refund days later for a few. */
function checkout(shop: Shop, visitor: Visitor, session: SessionWriter, cart: readonly CartLine[]): void {
  const { random } = visitor;
  const { currency } = shop;
  const { prefix, device } = session;
  const cartId = `cart-${prefix}`;
  const cartProducts = cart.map(({ product, quantity }) => ({ ...productProperties(product), quantity }));
  if (random.chance(0.7)) session.send({ type: 'track', event: 'Cart Viewed', properties: { cart_id: cartId, products: cartProducts } }, { path: `${DEMO_SHOP_PATH}/cart`, title: 'Cart' });
  // Most carts are abandoned; anonymous-only visitors never get past checkout.
  if (!random.chance(0.5)) return;
  const subtotalBefore = round(cart.reduce((sum, { product, quantity }) => sum + product.price * quantity, 0));
  const orderId = `ord-${prefix}`;
  session.send(
    { type: 'track', event: 'Checkout Started', properties: { order_id: orderId, cart_id: cartId, value: subtotalBefore, revenue: subtotalBefore, currency, products: cartProducts } },
    { path: `${DEMO_SHOP_PATH}/checkout`, title: 'Checkout' },
  );
  if (visitor.person === undefined || !random.chance(visitor.buyPropensity)) return;
  // Checkout needs an account: a guest registers here, which merges this device's history.
  if (!visitor.signedUp || !device.identified) session.identify(visitor.signedUp ? 'login' : 'signup');
  const coupon = random.chance(visitor.orders === 0 ? 0.3 : 0.12) ? random.weighted(COUPONS.map((entry) => [entry, 1] as const)) : undefined;
  const discount = coupon === undefined ? 0 : round(subtotalBefore * coupon[1]);
  const revenue = round(subtotalBefore - discount);
  const tax = round(revenue * 0.08);
  const shipping = revenue >= 75 ? 0 : 6.95;
  const order: Record<string, unknown> = {
    checkout_id: `chk-${prefix}`,
    order_id: orderId,
    affiliation: 'Rapport Demo Shop',
    subtotal: revenue,
    revenue,
    total: round(revenue + tax + shipping),
    tax,
    shipping,
    discount,
    currency,
    products: cartProducts,
  };
  if (coupon !== undefined) order.coupon = coupon[0];
  session.send({ type: 'track', event: 'Order Completed', properties: order }, { path: `${DEMO_SHOP_PATH}/checkout/thank-you`, title: 'Thank you' });
  visitor.orders += 1;
  if (random.chance(0.06)) {
    // Refunds arrive days later, from the shop's backend (no page, no device).
    const refundAt = session.time + random.int(2, 20) * DAY + random.int(0, DAY - 1);
    session.emitAt(refundAt, {
      type: 'track',
      event: 'Order Refunded',
      userId: visitor.userId,
      messageId: `${prefix}-refund`,
      timestamp: new Date(refundAt).toISOString(),
      properties: { order_id: orderId, total: order.total, currency, products: cartProducts },
      context: {},
    });
  }
}

function sendCampaign(
  shop: Shop,
  number: number,
  time: number,
  visitors: readonly Visitor[],
  emit: (time: number, message: DemoMessage) => void,
  visit: (visitor: Visitor, time: number, campaign: string) => void,
): void {
  const { seed } = shop;
  const name = CAMPAIGNS[number % CAMPAIGNS.length] ?? 'newsletter';
  const campaignId = `cmp-${seed}-${number}`;
  for (const visitor of visitors) {
    if (visitor.person === undefined || visitor.userId === undefined || !visitor.emailConsent || !visitor.signedUp) continue;
    const { random } = visitor;
    // Churned customers mostly ignore email; engaged ones open about a third.
    if (!random.chance(time > visitor.churnAt ? 0.04 : 0.3)) continue;
    const openedAt = time + Math.floor(random.exponential(5 * HOUR));
    const properties = { campaign_id: campaignId, campaign_name: name, email_subject: subjectOf(name), email_id: `${campaignId}-${visitor.index}` };
    emit(openedAt, {
      type: 'track',
      event: 'Email Opened',
      userId: visitor.userId,
      messageId: `demo-${seed}-c${number}-v${visitor.index}-open`,
      timestamp: new Date(openedAt).toISOString(),
      properties,
      context: {},
    });
    if (!random.chance(0.18)) continue;
    const clickedAt = openedAt + random.int(5, 300) * 1000;
    const linkUrl = `${shop.origin}${collectionPath(visitor.department)}?utm_source=newsletter&utm_medium=email&utm_campaign=${name}`;
    emit(clickedAt, {
      type: 'track',
      event: 'Email Link Clicked',
      userId: visitor.userId,
      messageId: `demo-${seed}-c${number}-v${visitor.index}-click`,
      timestamp: new Date(clickedAt).toISOString(),
      properties: { ...properties, link_url: linkUrl },
      context: {},
    });
    visit(visitor, clickedAt + 5000, name);
  }
}

/**
 * Live visitors: known customers keep their index (and userId); newcomers are numbered after
 * everyone the history simulated, so their ids are new.
 */
function liveSessions(shop: Shop): DemoStore['liveSession'] {
  const { options, seed } = shop;
  const liveRandom = new Random(seed ^ 0x11fe);
  const liveVisitors = new Map<number, Visitor>();
  let newcomers = 0;
  const historyVisitors = options.customers + Math.round(options.customers * (options.anonymousPerCustomer ?? 2.5));
  return function liveSession(time: number, runId: string, pace = LIVE_PACE): DemoMessage[] {
    const roll = liveRandom.next();
    let visitor: Visitor | undefined;
    if (roll < 0.55 && options.customers > 0) {
      const index = liveRandom.int(0, options.customers - 1);
      visitor = liveVisitors.get(index);
      if (visitor === undefined) {
        visitor = createVisitor(shop, index, true);
        // A known customer: the account exists, so the session logs in rather than signs up.
        visitor.signedUp = true;
        visitor.signupAt = Math.min(visitor.signupAt, time);
        liveVisitors.set(index, visitor);
      }
    } else {
      const index = historyVisitors + newcomers++;
      visitor = createVisitor(shop, index, roll > 0.8);
      // A newcomer who registers does it in this session.
      if (visitor.person !== undefined) visitor.signupAt = time;
      liveVisitors.set(index, visitor);
    }
    const out: Pending[] = [];
    let order = 0;
    runSession(shop, visitor, time, undefined, undefined, (at, message) => out.push({ time: at, seq: order++, message }), `live-${runId}`);
    // A refund days later is not part of a live session; the rest plays `pace` times faster than the
    // history (default LIVE_PACE), so a newcomer sees carts and orders within a minute or two.
    return out
      .sort(byTime)
      .filter((entry) => entry.time - time < HOUR)
      .map((entry) => ({ ...entry.message, timestamp: new Date(time + Math.round((entry.time - time) / pace)).toISOString() }));
  };
}

function campaignContext(
  random: Random,
  source: Source,
  campaignName: string | undefined,
  department: string,
): { campaign: Record<string, string> | undefined; referrer: string; search: string; landing: { path: string; title: string } } {
  const collection = { path: collectionPath(department), title: department };
  const home = { path: DEMO_SHOP_PATH, title: 'Rapport Demo Shop' };
  switch (source) {
    case 'paid': {
      const network = random.weighted([
        ['google', 70],
        ['bing', 10],
        ['meta', 20],
      ] as const);
      const campaign = {
        source: network,
        medium: network === 'meta' ? 'paid_social' : 'cpc',
        name: `${department.toLowerCase()}-prospecting`,
        term: random.pick(SEARCHES),
        content: random.pick(['ad-a', 'ad-b']),
      };
      return { campaign, referrer: network === 'meta' ? 'https://www.facebook.com/' : `https://www.${network}.com/`, search: utm(campaign), landing: collection };
    }
    case 'email': {
      const campaign = { source: 'newsletter', medium: 'email', name: campaignName ?? 'weekly-picks' };
      return { campaign, referrer: '', search: utm(campaign), landing: collection };
    }
    case 'social': {
      const network = random.pick(SOCIAL);
      const campaign = { source: network, medium: 'social', name: 'organic-social' };
      return { campaign, referrer: `https://www.${network}.com/`, search: utm(campaign), landing: random.chance(0.5) ? collection : home };
    }
    case 'organic':
      return {
        campaign: undefined,
        referrer: random.pick(['https://www.google.com/', 'https://www.bing.com/', 'https://duckduckgo.com/']),
        search: '',
        landing: random.chance(0.6) ? collection : home,
      };
    case 'referral':
      return { campaign: undefined, referrer: random.pick(REFERRERS), search: '', landing: collection };
    case 'direct':
      return { campaign: undefined, referrer: '', search: '', landing: home };
  }
}

function utm(campaign: Record<string, string>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(campaign)) params.set(`utm_${key === 'name' ? 'campaign' : key}`, value);
  return `?${params.toString()}`;
}

function traitsOf(person: DemoPerson, signupAt: number, emailConsent: boolean): Record<string, unknown> {
  return {
    email: person.email,
    firstName: person.firstName,
    lastName: person.lastName,
    phone: person.phone,
    birthday: person.birthday,
    gender: person.gender,
    address: { city: person.city, country: person.country },
    createdAt: new Date(signupAt).toISOString(),
    consent: { email: emailConsent },
  };
}

function productProperties(product: DemoProduct): Record<string, unknown> {
  return {
    product_id: product.id,
    sku: product.sku,
    name: product.name,
    brand: product.brand,
    category: normalizeCategory(product.category) ?? '',
    price: product.price,
    url: product.url,
    image_url: product.image_url,
  };
}

/** A department's page on the storefront (its slug as the storefront's `departmentSlug` makes it). */
function collectionPath(department: string): string {
  return `${DEMO_SHOP_PATH}/c/${department.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

function pathOf(product: DemoProduct): string {
  return new URL(product.url).pathname;
}

function subjectOf(campaign: string): string {
  return `${campaign.replace(/-/g, ' ').replace(/^./, (letter) => letter.toUpperCase())} — picked for you`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A time on the same UTC day as `time`, at an hour drawn from the diurnal curve. */
function atHour(random: Random, time: number): number {
  const day = Math.floor(time / DAY) * DAY;
  return day + random.weighted(HOURS) * HOUR + random.int(0, 59) * MINUTE + random.int(0, 59) * 1000;
}

/** The simulated window: `days` (default 180) ending at `end` (default now), or starting at `start`. */
function windowOf(options: DemoOptions): { start: number; end: number } {
  const length = (options.days ?? 180) * DAY;
  if (options.start !== undefined && options.end === undefined) {
    const start = instant(options.start, 'start');
    return { start, end: start + length };
  }
  const end = options.end === undefined ? Date.now() : instant(options.end, 'end');
  return { start: end - length, end };
}

function instant(value: Date | number | string, name: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`invalid demo ${name} ${String(value)}`);
  return ms;
}
