import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { CatalogService } from '../catalog/catalog-service.js';
import { validateProduct } from '../catalog/product.js';
import { IngestService } from '../ingest/ingest-service.js';
import { isJsonObject } from '../ingest/message.js';
import { normalizeMessage } from '../ingest/normalize.js';
import { systemClock } from '../shared/clock.js';
import { countEvents } from '../log/store/event-log.js';
import { generateDemoStore, type DemoMessage } from './generator.js';
import { MinHeap } from './heap.js';
import { Random } from './random.js';
import { demoEventBatches, runDemo, type DemoProgress } from './run-demo.js';

const options = { customers: 150, seed: 11, days: 60, start: '2024-03-01T00:00:00Z' };
const all = (seed = options.seed) => [...generateDemoStore({ ...options, seed }).messagesSync()];
const digest = (messages: DemoMessage[]) => createHash('sha256').update(JSON.stringify(messages)).digest('hex');
const sessionOf = (message: DemoMessage) => /^demo-\d+-v\d+-s\d+/.exec(message.messageId)?.[0];

describe('Random', () => {
  it('is deterministic per seed and uniform enough', () => {
    const a = new Random(5);
    const b = new Random(5);
    const values = Array.from({ length: 10_000 }, () => a.next());
    expect(values.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(Random.derive(5, 'x').next()).not.toBe(Random.derive(5, 'y').next());
  });

  it('orders a heap', () => {
    const heap = new MinHeap<number>((x, y) => x - y);
    const random = new Random(1);
    const input = Array.from({ length: 500 }, () => random.int(0, 1000));
    for (const value of input) heap.push(value);
    const out: number[] = [];
    for (let value = heap.pop(); value !== undefined; value = heap.pop()) out.push(value);
    expect(out).toEqual([...input].sort((x, y) => x - y));
  });
});

describe('generateDemoStore', () => {
  const messages = all();

  it('is deterministic from its seed', () => {
    expect(digest(all())).toBe(digest(messages));
    expect(digest(all(12))).not.toBe(digest(messages));
    expect(generateDemoStore(options).products).toEqual(generateDemoStore(options).products);
  });

  it('yields messages in time order with unique ids inside the window', () => {
    const ids = new Set(messages.map((message) => message.messageId));
    expect(ids.size).toBe(messages.length);
    for (let i = 1; i < messages.length; i++) expect((messages[i]?.timestamp ?? '') >= (messages[i - 1]?.timestamp ?? '')).toBe(true);
    expect(messages[0]?.timestamp.startsWith('2024-03')).toBe(true);
    expect((messages.at(-1)?.timestamp ?? '') < '2024-04-30T00:00:00.000Z').toBe(true);
  });

  it('ends at the given end, within a minute, and spans the given days (default 180)', () => {
    const end = Date.parse('2026-12-07T05:20:00Z');
    for (const days of [undefined, 30]) {
      const generated = [...generateDemoStore({ customers: 120, seed: 3, end, ...(days === undefined ? {} : { days }) }).messagesSync()];
      const times = generated.map((message) => Date.parse(message.timestamp));
      const last = Math.max(...times);
      const first = Math.min(...times);
      expect(last).toBeLessThan(end);
      expect(end - last).toBeLessThan(60_000);
      const span = (days ?? 180) * 86_400_000;
      expect(first).toBeGreaterThanOrEqual(end - span);
      // Traffic starts in the first days of the window, not weeks later.
      expect(first - (end - span)).toBeLessThan(3 * 86_400_000);
    }
    const again = (when: number) => digest([...generateDemoStore({ customers: 60, seed: 3, end: when, days: 20 }).messagesSync()]);
    expect(again(end)).toBe(again(end));
    expect(again(end)).not.toBe(again(end + 3_600_000));
  });

  it('leaves shoppers on the site at the end, some with carts from the last hour', () => {
    const end = Date.parse('2026-12-07T05:20:00Z');
    const generated = [...generateDemoStore({ customers: 600, seed: 5, end, days: 30 }).messagesSync()];
    const lastHourCarts = generated.filter((message) => message.event === 'Product Added' && end - Date.parse(message.timestamp) < 3_600_000);
    expect(lastHourCarts.length).toBeGreaterThan(0);
  });

  it('live sessions continue the shop with new ids: known customers return, newcomers sign up', () => {
    const store = generateDemoStore({ customers: 80, seed: 3, end: Date.parse('2026-12-07T05:20:00Z'), days: 20 });
    const history = new Set([...store.messagesSync()].map((message) => message.messageId));
    const start = Date.parse('2026-12-07T05:21:00Z');
    const live = Array.from({ length: 300 }, (_, i) => store.liveSession(start + i * 2000, 'r1')).flat();
    expect(live.every((message) => message.messageId.startsWith('live-r1-') && !history.has(message.messageId))).toBe(true);
    expect(new Set(live.map((message) => message.messageId)).size).toBe(live.length);
    expect(live.every((message) => Date.parse(message.timestamp) >= start && Date.parse(message.timestamp) < start + 600 * 1000 + 3_600_000)).toBe(true);
    const users = new Set(live.map((message) => message.userId).filter((id) => id !== undefined));
    expect([...users].some((id) => /^cus_3_0000[0-7]\d$/.test(id))).toBe(true);
    const events = new Set(live.map((message) => message.event));
    for (const name of ['Product Viewed', 'Product Added', 'Order Completed', 'Signed Up', 'Email Captured']) expect(events).toContain(name);
  });

  it('builds a valid catalog with departments, brands and some sold-out products', () => {
    const { products } = generateDemoStore(options);
    expect(products.length).toBeGreaterThanOrEqual(200);
    expect(products.every((product) => validateProduct(product).ok)).toBe(true);
    const departments = new Set(products.map((product) => product.category[0]));
    expect([...departments].sort()).toEqual(['Apparel', 'Beauty', 'Electronics', 'Footwear', 'Home']);
    expect(products.some((product) => product.inventory === 0)).toBe(true);
    expect(new Set(products.map((product) => product.brand)).size).toBeGreaterThan(10);
  });

  it('has realistic shares: most visitors stay anonymous, carts are abandoned, some buyers come back', () => {
    const anonymousIds = new Set<string>();
    const identified = new Set<string>();
    for (const message of messages) {
      if (message.anonymousId !== undefined) anonymousIds.add(message.anonymousId);
      if (message.anonymousId !== undefined && message.userId !== undefined) identified.add(message.anonymousId);
    }
    const knownShare = identified.size / anonymousIds.size;
    expect(knownShare).toBeGreaterThan(0.1);
    expect(knownShare).toBeLessThan(0.5);

    const orders = messages.filter((message) => message.event === 'Order Completed');
    const perBuyer = new Map<string, number>();
    for (const order of orders) perBuyer.set(order.userId ?? '', (perBuyer.get(order.userId ?? '') ?? 0) + 1);
    expect(perBuyer.has('')).toBe(false);
    const counts = [...perBuyer.values()];
    expect(counts.some((count) => count > 1)).toBe(true);
    expect(counts.some((count) => count === 1)).toBe(true);
    for (const order of orders) {
      const p = order.properties ?? {};
      expect(p.revenue).toBeGreaterThan(0);
      expect(p.total).toBeCloseTo(Number(p.revenue) + Number(p.tax) + Number(p.shipping), 2);
      expect(Array.isArray(p.products) && p.products.length > 0).toBe(true);
    }

    const cartSessions = new Set(messages.filter((message) => message.event === 'Product Added').map(sessionOf));
    const orderSessions = new Set(orders.map(sessionOf));
    const abandoned = [...cartSessions].filter((session) => !orderSessions.has(session));
    expect(abandoned.length).toBeGreaterThan(orders.length);

    const events = new Set(messages.map((message) => message.event ?? message.type));
    for (const name of [
      'page',
      'identify',
      'Products Searched',
      'Product List Viewed',
      'Product Viewed',
      'Product Added',
      'Cart Viewed',
      'Checkout Started',
      'Order Completed',
      'Signed Up',
      'Email Opened',
      'Email Link Clicked',
    ]) {
      expect(events).toContain(name);
    }
    const nested = (value: unknown, key: string) => (isJsonObject(value) ? value[key] : undefined);
    const sources = new Set(messages.map((message) => nested(message.context?.campaign, 'medium')));
    expect([...sources]).toEqual(expect.arrayContaining(['cpc', 'email', 'social']));
    const devices = new Set(messages.map((message) => nested(message.context?.device, 'type')));
    expect([...devices]).toEqual(expect.arrayContaining(['mobile', 'desktop', 'tablet']));
  });

  it('refunds happen in a larger store', () => {
    const refunds = [...generateDemoStore({ customers: 600, seed: 2, days: 90 }).messagesSync()].filter((message) => message.event === 'Order Refunded');
    expect(refunds.length).toBeGreaterThan(0);
    expect(refunds[0]?.properties).toMatchObject({ order_id: expect.stringMatching(/^ord-/), currency: 'USD' });
  });

  it('every message passes ingest validation', () => {
    const receivedAt = Date.parse('2024-06-01T00:00:00Z');
    const problems = messages.map((message, index) => normalizeMessage(message, index, { receivedAt, partitions: 8, sourceId: null })).filter((result) => !result.ok);
    expect(problems).toEqual([]);
  });

  it('pre-generates exactly N events in batches for benchmarks', () => {
    const batches = demoEventBatches({ events: 2_345, seed: 4 });
    expect(batches.map((batch) => batch.length).reduce((sum, length) => sum + length, 0)).toBe(2_345);
    expect(batches.slice(0, -1).every((batch) => batch.length === 100)).toBe(true);
    expect(digest(batches.flat())).toBe(digest(demoEventBatches({ events: 2_345, seed: 4 }).flat()));
  });
});

describe.each(dialects)('runDemo (%s)', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(dialect);
  });
  afterEach(async () => {
    await store.drop();
  });

  it('sends the catalog and every event through the real ingest path; a re-run adds nothing', async () => {
    const ingest = new IngestService({ database: store.database, partitions: 4, clock: systemClock });
    const catalog = new CatalogService({ database: store.database, events: ingest, clock: systemClock });
    const progress: DemoProgress[] = [];
    const demo = { ingest, catalog, workspaceId: 'ws_demo', customers: 20, seed: 9, days: 30 };
    const result = await runDemo({ ...demo, onProgress: (p) => progress.push(p) });
    expect(result.rejections).toEqual([]);
    expect(result).toMatchObject({ rejected: 0, duplicates: 0, productErrors: 0 });
    expect(result.events).toBeGreaterThan(500);
    expect(result.accepted).toBe(result.events);
    expect(await countEvents(store.database.db, 'ws_demo')).toBe(result.events);
    expect((await catalog.listProducts('ws_demo', { limit: 500 })).products).toHaveLength(result.products);
    expect(progress.at(-1)?.events).toBe(result.events);

    const again = await runDemo(demo);
    expect(again).toMatchObject({ accepted: 0, duplicates: result.events, rejected: 0 });
    expect(await countEvents(store.database.db, 'ws_demo')).toBe(result.events);
  });
});
