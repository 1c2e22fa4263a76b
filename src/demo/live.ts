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
  const { api, store, signal } = options;
  const clock = options.clock ?? systemClock;
  const random = new Random((options.seed ?? 1) ^ 0x1a7e);
  const perMs = (options.sessionsPerMinute ?? 40) / 60_000;
  const catalogEvery = (options.catalogEverySeconds ?? 20) * 1000;
  const status: LiveStatus = { sessions: 0, events: 0, orders: 0, cartsAbandoned: 0, emailsOpened: 0, emailsClicked: 0, priceDrops: 0, restocks: 0, errors: 0 };
  const queue = new MinHeap<Due>((a, b) => a.time - b.time || a.seq - b.seq);
  let seq = 0;
  const at = (time: number, run: () => Promise<void>) => queue.push({ time, seq: seq++, run });
  let failures = 0;
  const call = async (what: string, request: () => Promise<{ status: number; body: unknown }>): Promise<unknown> => {
    try {
      const response = await request();
      if (response.status >= 400) throw new Error(`HTTP ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
      failures = 0;
      return response.body;
    } catch (error) {
      failures += 1;
      status.errors += 1;
      status.lastError = `${what}: ${error instanceof Error ? error.message : String(error)}`;
      if (failures >= GIVE_UP_AFTER) throw new Error(`the server stopped answering (${status.lastError})`, { cause: error });
      return undefined;
    }
  };

  // Catalog state as this run changed it: a price drop starts from the current price.
  const products = new Map<string, DemoProduct>(store.products.map((product) => [product.id, product]));
  const recentlyViewed: string[] = [];
  const seenMessages = new Set<string>();

  // The live on-site campaigns, as the SDK reads them; refreshed every minute.
  let onsite: DemoCampaign[] = [];
  const readOnsite = async () => {
    const body = await call('reading the on-site configuration', () => api.request('GET', '/v1/onsite/config', { auth: 'write' }));
    if (body !== undefined) onsite = demoCampaigns(body);
  };

  const startSession = (now: number) => {
    const messages = withOnsite(store.liveSession(now, options.runId, options.pace), onsite, random);
    const first = messages[0];
    if (first === undefined) return;
    status.sessions += 1;
    const added = messages.some((message) => message.event === 'Product Added');
    const ordered = messages.some((message) => message.event === 'Order Completed');
    // A visitor who sees the site is assigned to the running A/B test (an exposure).
    at(now, async () => {
      await call('experiment assignment', () =>
        api.request('POST', '/v1/experiments/assign', {
          auth: 'write',
          body: { anonymousId: first.anonymousId, ...(first.userId === undefined ? {} : { userId: first.userId }), experiments: [starterExperiment.key] },
        }),
      );
    });
    messages.forEach((message, index) => {
      at(Date.parse(message.timestamp), async () => {
        pending.push(message);
        if (index === messages.length - 1 && added && !ordered) status.cartsAbandoned += 1;
      });
    });
  };

  // Messages due now go out together in one batch per tick, as a Segment client batches.
  let pending: DemoMessage[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const body = await call('sending events to /v1/batch', () => api.request('POST', '/v1/batch', { auth: 'write', body: { batch } }));
    if (body === undefined) {
      // As a Segment client does: the same messages again next time; ingest dedupes on messageId.
      if (!signal.aborted) pending = [...batch, ...pending];
      return;
    }
    status.events += batch.length;
    for (const message of batch) {
      if (message.event === 'Order Completed') status.orders += 1;
      const productId = field(message.properties, 'product_id');
      if (message.event === 'Product Viewed' && typeof productId === 'string') {
        recentlyViewed.push(productId);
        if (recentlyViewed.length > 50) recentlyViewed.shift();
      }
    }
  };

  const changeCatalog = async () => {
    const soldOut = [...products.values()].filter((product) => product.inventory === 0);
    const restock = soldOut.length > 0 && random.chance(0.35);
    const id = restock ? random.pick(soldOut).id : recentlyViewed.length > 0 ? random.pick(recentlyViewed) : random.pick(store.products).id;
    const product = products.get(id);
    if (product === undefined) return;
    const next = restock ? { ...product, inventory: random.int(10, 60) } : { ...product, price: Math.round(product.price * (0.75 + random.next() * 0.15) * 100) / 100 };
    const body = await call(`changing product ${id}`, () => api.request('PUT', `/api/v1/catalog/products/${encodeURIComponent(id)}`, { body: next }));
    if (body === undefined) return;
    products.set(id, next);
    if (restock) status.restocks += 1;
    else status.priceDrops += 1;
  };

  // Opens and clicks of emails the server really sent, through the links in those emails.
  const engage = async (now: number) => {
    const signLink = options.signLink;
    if (signLink === undefined) return;
    const body = await call('reading the message log', () => api.request('GET', '/api/v1/messages?limit=100'));
    const messages = field(body, 'messages');
    if (!Array.isArray(messages)) return;
    for (const message of messages) {
      const id = field(message, 'id');
      const state = field(message, 'status');
      if (typeof id !== 'string' || seenMessages.has(id) || field(message, 'channel') !== 'email' || (state !== 'sent' && state !== 'delivered')) continue;
      seenMessages.add(id);
      if (!random.chance(0.5)) continue;
      const openAt = now + random.int(3, 40) * 1000;
      at(openAt, async () => {
        const opened = await call('opening an email', () => api.request('GET', `/v1/o/${signLink({ k: 'open', w: options.workspaceId, m: id })}.gif`, { auth: 'none' }));
        if (opened !== undefined) status.emailsOpened += 1;
      });
      if (!random.chance(0.35)) continue;
      at(openAt + random.int(2, 20) * 1000, async () => {
        const url = `${store.shopUrl}/cart?utm_source=rapport&utm_medium=email`;
        const response = await call('clicking an email link', async () => {
          const answer = await api.request('GET', `/v1/c/${signLink({ k: 'click', w: options.workspaceId, m: id, u: url })}`, { auth: 'none' });
          // The redirect to the shop is the success.
          return answer.status === 302 ? { status: 200, body: {} } : answer;
        });
        if (response !== undefined) status.emailsClicked += 1;
      });
    }
  };

  let last = clock.now();
  let arrivals = 0;
  let nextCatalog = last + catalogEvery / 2;
  let nextEngage = last + 5000;
  let nextStatus = last + 1000;
  let nextOnsite = last + 60_000;
  await readOnsite();
  startSession(last);
  while (!signal.aborted) {
    const now = clock.now();
    // Poisson arrivals: on average `perMs` sessions per millisecond.
    arrivals += (now - last) * perMs;
    last = now;
    while (arrivals >= 1) {
      arrivals -= 1;
      startSession(now);
    }
    if (now >= nextCatalog) {
      nextCatalog = now + catalogEvery;
      at(now, changeCatalog);
    }
    if (now >= nextOnsite) {
      nextOnsite = now + 60_000;
      await readOnsite();
    }
    if (now >= nextEngage) {
      nextEngage = now + 5000;
      await engage(now);
    }
    for (let head = queue.peek(); head !== undefined && head.time <= now; head = queue.peek()) {
      queue.pop();
      await head.run();
    }
    await flush();
    if (now >= nextStatus) {
      nextStatus = now + 1000;
      options.onStatus?.({ ...status });
    }
    await pause(TICK_MS, signal);
  }
  await flush();
  options.onStatus?.({ ...status });
  return status;
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
