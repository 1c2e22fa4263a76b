import type { LinkPayload } from '../channels/index.js';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import type { DemoProduct } from './catalog.js';
import { field, type DemoApi } from './demo-api.js';
import type { DemoMessage, DemoStore } from './generator.js';
import { MinHeap } from './heap.js';
import { Random } from './random.js';
import { starterExperiment } from './starter-setup.js';
import { demoCampaigns, withOnsite, type DemoCampaign } from './onsite-shoppers.js';

/** What the live stream has done so far (the status line). */
export interface LiveStatus {
  sessions: number;
  events: number;
  orders: number;
  cartsAbandoned: number;
  emailsOpened: number;
  emailsClicked: number;
  priceDrops: number;
  restocks: number;
  /** Requests the server refused or did not answer. */
  errors: number;
  lastError?: string;
}

export interface LiveOptions {
  api: DemoApi;
  store: DemoStore;
  /** Makes this run's message ids unique (e.g. the start time in base 36). */
  runId: string;
  /** New sessions per minute (default 40). */
  sessionsPerMinute?: number;
  /** How many times faster than the history's browsing sessions play (default the generator's). */
  pace?: number;
  /** Seconds between catalog changes (default 20). */
  catalogEverySeconds?: number;
  /** Signs open-pixel and click links, as the server does in the emails it sends; without it no opens or clicks. */
  signLink?: (payload: LinkPayload) => string;
  workspaceId: string;
  signal: AbortSignal;
  clock?: Clock;
  /** Called about once a second and at the end. */
  onStatus?: (status: LiveStatus) => void;
  seed?: number;
}

interface Due {
  time: number;
  seq: number;
  run: () => Promise<void>;
}

const TICK_MS = 250;
/** Consecutive failed requests after which the server is taken for gone. */
const GIVE_UP_AFTER = 20;

/**
 * Keeps a demo shop alive in real time through the real ingest path until `signal` aborts:
 * sessions of returning customers, anonymous visitors and newcomers (views, carts, abandoned
 * carts, orders, signups) sent to `/v1/batch` with the write key as they happen; experiment
 * assignments through `/v1/experiments/assign`; opens and clicks of the emails the server
 * actually sent, through their signed pixel and redirect links; and catalog changes (price
 * drops on viewed products, restocks) through the catalog API, which emit Price Dropped and
 * Back In Stock. Each session also meets one live on-site campaign (shown or held out, as the
 * SDK assigns), so the on-site uplift report fills with the demo's exposures and orders.
 * @example await runLive({ api, store, runId: Date.now().toString(36), workspaceId: 'default', signal: controller.signal, onStatus: print });
 */
export async function runLive(options: LiveOptions): Promise<LiveStatus> {
  return new LiveShop(options).run();
}

/** One live run's state: the scheduled work, the catalog as changed, what was seen and sent. */
class LiveShop {
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly status: LiveStatus = { sessions: 0, events: 0, orders: 0, cartsAbandoned: 0, emailsOpened: 0, emailsClicked: 0, priceDrops: 0, restocks: 0, errors: 0 };
  private readonly queue = new MinHeap<Due>((a, b) => a.time - b.time || a.seq - b.seq);
  private seq = 0;
  private failures = 0;
  /** Catalog state as this run changed it: a price drop starts from the current price. */
  private readonly products: Map<string, DemoProduct>;
  private readonly recentlyViewed: string[] = [];
  private readonly seenMessages = new Set<string>();
  /** The live on-site campaigns, as the SDK reads them; refreshed every minute. */
  private onsite: DemoCampaign[] = [];
  /** Messages due now go out together in one batch per tick, as a Segment client batches. */
  private pending: DemoMessage[] = [];

  constructor(private readonly options: LiveOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = new Random((options.seed ?? 1) ^ 0x1a7e);
    this.products = new Map(options.store.products.map((product) => [product.id, product]));
  }

  async run(): Promise<LiveStatus> {
    const { signal } = this.options;
    const perMs = (this.options.sessionsPerMinute ?? 40) / 60_000;
    const catalogEvery = (this.options.catalogEverySeconds ?? 20) * 1000;
    let last = this.clock.now();
    let arrivals = 0;
    let nextCatalog = last + catalogEvery / 2;
    let nextEngage = last + 5000;
    let nextStatus = last + 1000;
    let nextOnsite = last + 60_000;
    await this.readOnsite();
    this.startSession(last);
    while (!signal.aborted) {
      const now = this.clock.now();
      // Poisson arrivals: on average `perMs` sessions per millisecond.
      arrivals += (now - last) * perMs;
      last = now;
      for (; arrivals >= 1; arrivals -= 1) this.startSession(now);
      if (now >= nextCatalog) {
        nextCatalog = now + catalogEvery;
        this.at(now, () => this.changeCatalog());
      }
      if (now >= nextOnsite) {
        nextOnsite = now + 60_000;
        await this.readOnsite();
      }
      if (now >= nextEngage) {
        nextEngage = now + 5000;
        await this.engage(now);
      }
      await this.runDue(now);
      await this.flush();
      if (now >= nextStatus) {
        nextStatus = now + 1000;
        this.options.onStatus?.({ ...this.status });
      }
      await pause(TICK_MS, signal);
    }
    await this.flush();
    this.options.onStatus?.({ ...this.status });
    return this.status;
  }

  private at(time: number, run: () => Promise<void>): void {
    this.queue.push({ time, seq: this.seq++, run });
  }

  private async runDue(now: number): Promise<void> {
    for (let head = this.queue.peek(); head !== undefined && head.time <= now; head = this.queue.peek()) {
      this.queue.pop();
      await head.run();
    }
  }

  /** The answer's body, or undefined after counting the failure; throws once the server looks gone. */
  private async call(what: string, request: () => Promise<{ status: number; body: unknown }>): Promise<unknown> {
    try {
      const response = await request();
      if (response.status >= 400) throw new Error(`HTTP ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
      this.failures = 0;
      return response.body;
    } catch (error) {
      this.failures += 1;
      this.status.errors += 1;
      this.status.lastError = `${what}: ${error instanceof Error ? error.message : String(error)}`;
      if (this.failures >= GIVE_UP_AFTER) throw new Error(`the server stopped answering (${this.status.lastError})`, { cause: error });
      return undefined;
    }
  }

  private async readOnsite(): Promise<void> {
    const body = await this.call('reading the on-site configuration', () => this.options.api.request('GET', '/v1/onsite/config', { auth: 'write' }));
    if (body !== undefined) this.onsite = demoCampaigns(body);
  }

  private startSession(now: number): void {
    const { api, store, runId, pace } = this.options;
    const messages = withOnsite(store.liveSession(now, runId, pace), this.onsite, this.random);
    const first = messages[0];
    if (first === undefined) return;
    this.status.sessions += 1;
    const added = messages.some((message) => message.event === 'Product Added');
    const ordered = messages.some((message) => message.event === 'Order Completed');
    // A visitor who sees the site is assigned to the running A/B test (an exposure).
    this.at(now, async () => {
      await this.call('experiment assignment', () =>
        api.request('POST', '/v1/experiments/assign', {
          auth: 'write',
          body: { anonymousId: first.anonymousId, ...(first.userId === undefined ? {} : { userId: first.userId }), experiments: [starterExperiment.key] },
        }),
      );
    });
    messages.forEach((message, index) => {
      this.at(Date.parse(message.timestamp), async () => {
        this.pending.push(message);
        if (index === messages.length - 1 && added && !ordered) this.status.cartsAbandoned += 1;
      });
    });
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const body = await this.call('sending events to /v1/batch', () => this.options.api.request('POST', '/v1/batch', { auth: 'write', body: { batch } }));
    if (body === undefined) {
      // As a Segment client does: the same messages again next time; ingest dedupes on messageId.
      if (!this.options.signal.aborted) this.pending = [...batch, ...this.pending];
      return;
    }
    this.status.events += batch.length;
    for (const message of batch) {
      if (message.event === 'Order Completed') this.status.orders += 1;
      const productId = field(message.properties, 'product_id');
      if (message.event === 'Product Viewed' && typeof productId === 'string') {
        this.recentlyViewed.push(productId);
        if (this.recentlyViewed.length > 50) this.recentlyViewed.shift();
      }
    }
  }

  private async changeCatalog(): Promise<void> {
    const { random, products, recentlyViewed } = this;
    const soldOut = [...products.values()].filter((product) => product.inventory === 0);
    const restock = soldOut.length > 0 && random.chance(0.35);
    const id = restock ? random.pick(soldOut).id : recentlyViewed.length > 0 ? random.pick(recentlyViewed) : random.pick(this.options.store.products).id;
    const product = products.get(id);
    if (product === undefined) return;
    const next = restock ? { ...product, inventory: random.int(10, 60) } : { ...product, price: Math.round(product.price * (0.75 + random.next() * 0.15) * 100) / 100 };
    const body = await this.call(`changing product ${id}`, () => this.options.api.request('PUT', `/api/v1/catalog/products/${encodeURIComponent(id)}`, { body: next }));
    if (body === undefined) return;
    products.set(id, next);
    if (restock) this.status.restocks += 1;
    else this.status.priceDrops += 1;
  }

  /** Opens and clicks of emails the server really sent, through the links in those emails. */
  private async engage(now: number): Promise<void> {
    if (this.options.signLink === undefined) return;
    const body = await this.call('reading the message log', () => this.options.api.request('GET', '/api/v1/messages?limit=100'));
    const messages = field(body, 'messages');
    if (!Array.isArray(messages)) return;
    for (const message of messages) {
      const id = field(message, 'id');
      const state = field(message, 'status');
      if (typeof id !== 'string' || this.seenMessages.has(id) || field(message, 'channel') !== 'email' || (state !== 'sent' && state !== 'delivered')) continue;
      this.seenMessages.add(id);
      if (this.random.chance(0.5)) this.scheduleEngagement(id, now + this.random.int(3, 40) * 1000, this.options.signLink);
    }
  }

  private scheduleEngagement(id: string, openAt: number, signLink: (payload: LinkPayload) => string): void {
    const { api, workspaceId, store } = this.options;
    this.at(openAt, async () => {
      const opened = await this.call('opening an email', () => api.request('GET', `/v1/o/${signLink({ k: 'open', w: workspaceId, m: id })}.gif`, { auth: 'none' }));
      if (opened !== undefined) this.status.emailsOpened += 1;
    });
    if (!this.random.chance(0.35)) return;
    this.at(openAt + this.random.int(2, 20) * 1000, async () => {
      const url = `${store.shopUrl}/cart?utm_source=rapport&utm_medium=email`;
      const response = await this.call('clicking an email link', async () => {
        const answer = await api.request('GET', `/v1/c/${signLink({ k: 'click', w: workspaceId, m: id, u: url })}`, { auth: 'none' });
        // The redirect to the shop is the success.
        return answer.status === 302 ? { status: 200, body: {} } : answer;
      });
      if (response !== undefined) this.status.emailsClicked += 1;
    });
  }
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
