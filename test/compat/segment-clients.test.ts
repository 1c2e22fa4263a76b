/**
 * Compatibility plan of shared/ingest-spec.md §3: the real, unmodified Segment and
 * RudderStack clients against Rapport listening on loopback with a fresh SQLite store.
 * Scenario numbers match the spec's table.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { Analytics as NodeAnalytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isJsonObject, type JsonObject } from '../../src/ingest/message.js';
import type { LogEntry } from '../../src/ingest/event-log-service.js';
import type { Rapport } from '../../src/rapport.js';
import { faultProxy, type FaultProxy, type ProxiedRequest } from '../helpers/fault-proxy.js';
import { WORKSPACE, WRITE_KEY, basicAuth, listen, startTestRapport, waitFor, type TestRapport } from '../helpers/server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let env: TestRapport;
let rapport: Rapport;
let serverUrl: string;
let serverPort: number;
let sourceId: string;
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  env = await startTestRapport('sqlite');
  rapport = env.rapport;
  ({ url: serverUrl, port: serverPort } = await listen(rapport));
  const source = await rapport.workspaces.authenticateWriteKey(WRITE_KEY);
  if (source === undefined) throw new Error('the bootstrap write key is missing');
  sourceId = source.id;
});

afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await env?.stop();
});

async function proxy(options: { failFirst: number; status?: number }): Promise<FaultProxy> {
  const created = await faultProxy(serverPort, { failFirst: options.failFirst, status: options.status ?? 503, afterForward: true });
  proxies.push(created);
  return created;
}

function events(query: { messageId?: string; userId?: string; anonymousId?: string; type?: string; event?: string }): Promise<LogEntry[]> {
  return rapport.eventLog.events(WORKSPACE, query);
}

/** Waits until `query` matches at least `count` events, then returns them (exact counts are asserted by callers). */
function eventually(query: Parameters<typeof events>[0], count: number, timeoutMs = 15_000): Promise<LogEntry[]> {
  return waitFor(
    `${count} stored events matching ${JSON.stringify(query)}`,
    async () => {
      const found = await events(query);
      return found.length >= count ? found : undefined;
    },
    timeoutMs,
  );
}

function only(found: LogEntry[], what: string): LogEntry {
  expect(found, what).toHaveLength(1);
  const [entry] = found;
  if (entry === undefined) throw new Error(`no ${what}`);
  return entry;
}

/** The JSON body of a recorded request, decompressed when it was gzipped. */
function jsonBody(request: ProxiedRequest): JsonObject {
  const raw = request.headers['content-encoding'] === 'gzip' ? gunzipSync(request.body) : request.body;
  const parsed: unknown = JSON.parse(raw.toString('utf8'));
  if (!isJsonObject(parsed)) throw new Error(`request body is not an object: ${raw.toString('utf8').slice(0, 200)}`);
  return parsed;
}

function batchOf(request: ProxiedRequest): JsonObject[] {
  const { batch } = jsonBody(request);
  if (!Array.isArray(batch)) throw new Error('request has no batch array');
  return batch.filter(isJsonObject);
}

/**
 * The POSTs the proxy received, once every one has been answered: the server may store a
 * batch before the proxy has relayed its response, so a request can still be in flight
 * when the events are already visible.
 */
function posts(target: FaultProxy): Promise<ProxiedRequest[]> {
  return waitFor('every proxied request answered', () => {
    const sent = target.requests.filter((request) => request.method === 'POST');
    return sent.every((request) => request.answered !== 0) ? sent : undefined;
  });
}

/** Fails fast instead of hanging when the server is broken: few retries, short timeouts. */
function nodeClient(host: string, extra: { flushAt?: number; flushInterval?: number } = {}): { client: NodeAnalytics; errors: unknown[] } {
  const client = new NodeAnalytics({ writeKey: WRITE_KEY, host, flushInterval: 20, maxRetries: 3, httpRequestTimeout: 5000, ...extra });
  const errors: unknown[] = [];
  client.on('error', (error) => errors.push(error));
  return { client, errors };
}

function rudderClient(dataPlaneUrl: string): RudderAnalytics {
  return new RudderAnalytics(WRITE_KEY, { dataPlaneUrl, flushAt: 20, flushInterval: 50, retryCount: 3, logLevel: 'error', axiosConfig: { timeout: 5000 } });
}

/** rudder's flush() sends at most flushAt events per call; the last call also awaits one in flight. */
async function drainRudder(client: RudderAnalytics): Promise<void> {
  for (;;) {
    const queued = 'queue' in client && Array.isArray(client.queue) ? client.queue.length : 0;
    await client.flush();
    if (queued === 0) return;
  }
}

const orderCompleted = {
  checkout_id: 'chk-1',
  order_id: 'ord-50314b8e',
  affiliation: 'Online Store',
  subtotal: 72.5,
  total: 80.25,
  revenue: 72.5,
  shipping: 3,
  tax: 4.75,
  discount: 2.5,
  coupon: 'SPRING',
  currency: 'EUR',
  products: [
    {
      product_id: 'p-507',
      sku: 'SKU-507',
      category: 'Games',
      name: 'Monopoly: 3rd Edition',
      brand: 'Hasbro',
      variant: '200 pieces',
      price: 19,
      quantity: 1,
      coupon: 'MAYDEALS',
      position: 3,
      url: 'https://shop.example.com/p/507',
      image_url: 'https://shop.example.com/p/507.jpg',
    },
    { product_id: 'p-505', sku: 'SKU-505', category: 'Games', name: 'Uno Card Game', brand: 'Mattel', variant: '', price: 3.25, quantity: 2, position: 2 },
  ],
};

describe('@segment/analytics-node', () => {
  it('1: identify, track, page, screen, group and alias are stored with their messageIds', async () => {
    const { client, errors } = nodeClient(serverUrl);
    const ids = new Map<string, string>();
    const delivered: unknown[] = [];
    const record = (type: string) => (error: unknown, ctx?: { event: { messageId?: string } }) => {
      delivered.push(error);
      if (ctx?.event.messageId !== undefined) ids.set(type, ctx.event.messageId);
    };
    client.identify({ userId: 'node-1', traits: { email: 'ada@example.com', first_name: 'Ada' } }, record('identify'));
    client.track({ userId: 'node-1', event: 'Product Viewed', properties: { product_id: 'p-1', price: 9.5, currency: 'EUR' } }, record('track'));
    client.page({ userId: 'node-1', category: 'Catalog', name: 'Games', properties: { path: '/games' } }, record('page'));
    client.screen({ userId: 'node-1', name: 'Cart' }, record('screen'));
    client.group({ userId: 'node-1', groupId: 'acme', traits: { name: 'Acme' } }, record('group'));
    client.alias({ userId: 'node-1', previousId: 'node-anon-1' }, record('alias'));
    await client.closeAndFlush({ timeout: 20_000 });

    expect(errors).toEqual([]);
    expect(delivered).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect([...ids.keys()].sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
    for (const [type, messageId] of ids) {
      expect(messageId).toMatch(/^node-next-\d+-[0-9a-f-]{36}$/);
      const entry = only(await events({ messageId }), `${type} ${messageId}`);
      expect(entry.type).toBe(type);
      expect(entry.userId).toBe('node-1');
      expect(entry.sourceId).toBe(sourceId);
      expect(entry.message.context.library).toMatchObject({ name: '@segment/analytics-node' });
      expect(entry.message.receivedAt).toMatch(ISO);
      expect(entry.message.timestamp).toMatch(ISO);
      expect(entry.message.sentAt).toMatch(ISO);
      expect('writeKey' in entry.message).toBe(false);
    }
    expect(await events({ userId: 'node-1' })).toHaveLength(6);
    const page = only(await events({ messageId: ids.get('page') ?? '' }), 'page');
    expect(page.message).toMatchObject({ name: 'Games', properties: { path: '/games', category: 'Catalog' } });
    expect(only(await events({ messageId: ids.get('group') ?? '' }), 'group').message.groupId).toBe('acme');
    expect(only(await events({ messageId: ids.get('alias') ?? '' }), 'alias').message.previousId).toBe('node-anon-1');
    expect(only(await events({ messageId: ids.get('identify') ?? '' }), 'identify').message.traits).toEqual({ email: 'ada@example.com', first_name: 'Ada' });
  });

  it('2: 1,000 tracks with the default flushAt arrive as 67 requests and 1,000 distinct events', async () => {
    const recorder = await proxy({ failFirst: 0 });
    // Default flushAt (15) and flushInterval (10 s): batches are cut by size only, so the count is exact.
    const { client, errors } = nodeClient(recorder.url, { flushInterval: 10_000 });
    for (let i = 0; i < 1000; i += 1) client.track({ userId: 'node-bulk', event: 'Product Viewed', properties: { i } });
    await client.closeAndFlush({ timeout: 30_000 });
    expect(errors).toEqual([]);
    const requests = await posts(recorder);
    expect(requests).toHaveLength(67);
    expect(requests.every((request) => request.answered === 200 && request.url === '/v1/batch')).toBe(true);
    expect(requests.reduce((sum, request) => sum + batchOf(request).length, 0)).toBe(1000);
    const stored = await events({ userId: 'node-bulk' });
    expect(stored).toHaveLength(1000);
    expect(new Set(stored.map((entry) => entry.messageId)).size).toBe(1000);
    expect(new Set(stored.map((entry) => entry.message.properties?.i))).toEqual(new Set(Array.from({ length: 1000 }, (_, i) => i)));
  });

  it('4: a 503 after the server stored the batch is retried with X-Retry-Count: 1 and stored once', async () => {
    const flaky = await proxy({ failFirst: 1, status: 503 });
    const { client, errors } = nodeClient(flaky.url, { flushInterval: 50 });
    client.track({ userId: 'node-retry', event: 'Order Completed', messageId: 'compat-node-m-1', properties: { order_id: 'o1', total: 10, currency: 'USD' } });
    await client.closeAndFlush({ timeout: 20_000 });
    expect(errors).toEqual([]);
    const requests = await posts(flaky);
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ upstream: 200, answered: 503 });
    expect(requests[0]?.headers['x-retry-count']).toBeUndefined();
    expect(requests[1]).toMatchObject({ upstream: 200, answered: 200 });
    expect(requests[1]?.headers['x-retry-count']).toBe('1');
    for (const request of requests) expect(batchOf(request).map((item) => item.messageId)).toEqual(['compat-node-m-1']);
    expect(await events({ messageId: 'compat-node-m-1' })).toHaveLength(1);
  });

  it('8: anonymous track, alias, then identify become one profile holding the anonymous events and the email', async () => {
    const { client, errors } = nodeClient(serverUrl);
    client.track({ anonymousId: 'node-anon-8', event: 'Product Viewed', properties: { product_id: 'p-8' } });
    client.alias({ previousId: 'node-anon-8', userId: 'node-user-8' });
    client.identify({ userId: 'node-user-8', traits: { email: 'node8@example.com' } });
    await client.closeAndFlush({ timeout: 20_000 });
    expect(errors).toEqual([]);
    await expectIdentityTrail('node-anon-8', 'node-user-8', 'node8@example.com');
  });

  it('18: Order Completed keeps properties and the products array intact, numbers as numbers', async () => {
    const { client, errors } = nodeClient(serverUrl);
    client.track({ userId: 'node-buyer', event: 'Order Completed', messageId: 'compat-order-1', properties: orderCompleted });
    await client.closeAndFlush({ timeout: 20_000 });
    expect(errors).toEqual([]);
    const entry = only(await events({ messageId: 'compat-order-1' }), 'order');
    expect(entry.event).toBe('Order Completed');
    expect(entry.message.properties).toStrictEqual(orderCompleted);
    expect(typeof entry.message.properties?.revenue).toBe('number');
  });
});

/** Scenario 8 without the processor: the stored events link A to U and carry the email. */
async function expectIdentityTrail(anonymousId: string, userId: string, email: string): Promise<void> {
  const anonymous = await eventually({ anonymousId, type: 'track' }, 1);
  expect(anonymous).toHaveLength(1);
  expect(anonymous[0]?.userId).toBeNull();
  const alias = only(await eventually({ userId, type: 'alias' }, 1), 'alias');
  expect(alias.message.previousId).toBe(anonymousId);
  const identify = only(await eventually({ userId, type: 'identify' }, 1), 'identify');
  expect(identify.message.traits).toMatchObject({ email });

  // Scenario 8 proper: once processed, one profile U holds the anonymous events and the email,
  // and a lookup by the anonymousId resolves to it.
  await rapport.processor.drain();
  const byAnonymous = await rapport.profiles.lookupProfile(WORKSPACE, 'anonymous_id', anonymousId);
  const byUser = await rapport.profiles.lookupProfile(WORKSPACE, 'user_id', userId);
  expect(byUser?.id).toBeDefined();
  expect(byAnonymous?.id).toBe(byUser?.id);
  expect(byUser?.traits).toMatchObject({ email });
  expect(byUser?.identities).toEqual(
    expect.arrayContaining([
      { type: 'user_id', value: userId },
      { type: 'anonymous_id', value: anonymousId },
      { type: 'email', value: email },
    ]),
  );
  const timeline = await rapport.profiles.timeline(WORKSPACE, byUser?.id ?? '', { limit: 50 });
  expect(timeline?.events.some((event) => event.type === 'track' && event.anonymousId === anonymousId)).toBe(true);
}

describe('raw HTTP', () => {
  async function send(path: string, body: unknown, headers: Record<string, string> = { authorization: basicAuth(WRITE_KEY) }) {
    const payload = Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body);
    return fetch(`${serverUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
  }

  it('3: one POST /v1/batch of 1,000 small events under 500 KB is stored whole', async () => {
    const batch = Array.from({ length: 1000 }, (_, i) => ({ type: 'track', userId: 'raw-bulk', event: 'Product Viewed', messageId: `raw-bulk-${i}`, properties: { i } }));
    const body = JSON.stringify({ batch, sentAt: new Date().toISOString() });
    expect(Buffer.byteLength(body)).toBeLessThan(500 * 1024);
    const response = await send('/v1/batch', JSON.parse(body));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ success: true, accepted: 1000, duplicates: 0 });
    const stored = await events({ userId: 'raw-bulk' });
    expect(stored).toHaveLength(1000);
    expect(new Set(stored.map((entry) => entry.messageId)).size).toBe(1000);
  });

  it('11: the CORS preflight and the settings GET carry the Access-Control-Allow-* headers', async () => {
    const origin = 'http://shop.example.com';
    const preflight = await fetch(`${serverUrl}/v1/t`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(200);
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(
      preflight.headers
        .get('access-control-allow-methods')
        ?.split(',')
        .map((m) => m.trim()),
    ).toContain('POST');
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '')
      .toLowerCase()
      .split(',')
      .map((h) => h.trim());
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-retry-count']));
    const settings = await fetch(`${serverUrl}/v1/projects/${WRITE_KEY}/settings`, { headers: { origin } });
    expect(settings.status).toBe(200);
    expect(settings.headers.get('access-control-allow-origin')).toBe(origin);
    await settings.arrayBuffer();
  });

  it('12: Basic with and without the colon and a body writeKey are accepted; a bad key is 401 and stores nothing', async () => {
    const track = (messageId: string) => ({ type: 'track', userId: 'raw-auth', event: 'Auth', messageId });
    expect((await send('/v1/batch', { batch: [track('auth-colon')] }, { authorization: basicAuth(WRITE_KEY, true) })).status).toBe(200);
    expect((await send('/v1/batch', { batch: [track('auth-nocolon')] }, { authorization: basicAuth(WRITE_KEY, false) })).status).toBe(200);
    expect((await send('/v1/batch', { writeKey: WRITE_KEY, batch: [track('auth-body')] }, {})).status).toBe(200);
    const before = await rapport.eventLog.count(WORKSPACE);
    const bad = await send('/v1/batch', { batch: [track('auth-bad')] }, { authorization: basicAuth('WK_WRONG') });
    expect(bad.status).toBe(401);
    await bad.arrayBuffer();
    const badBody = await send('/v1/batch', { writeKey: 'WK_WRONG', batch: [track('auth-bad-body')] }, {});
    expect(badBody.status).toBe(401);
    await badBody.arrayBuffer();
    expect(await rapport.eventLog.count(WORKSPACE)).toBe(before);
    expect((await events({ userId: 'raw-auth' })).map((entry) => entry.messageId).sort()).toEqual(['auth-body', 'auth-colon', 'auth-nocolon']);
  });

  it('13: /v1/import (gzip, as analytics-android sends it), every single endpoint and /v1/m', async () => {
    const imported = gzipSync(JSON.stringify({ batch: [{ type: 'track', userId: 'raw-13', event: 'Imported', messageId: 'raw-13-import', timestamp: '2021-06-01T10:00:00.000Z' }] }));
    const importResponse = await send('/v1/import', imported, { authorization: basicAuth(WRITE_KEY), 'content-encoding': 'gzip' });
    expect(importResponse.status).toBe(200);
    await importResponse.arrayBuffer();
    expect(only(await events({ messageId: 'raw-13-import' }), 'import').message.timestamp).toBe('2021-06-01T10:00:00.000Z');

    const singles: Array<[string, string, JsonObject]> = [
      ['identify', 'identify', { traits: { email: 'r@example.com' } }],
      ['track', 'track', { event: 'Product Added' }],
      ['page', 'page', { name: 'Home' }],
      ['screen', 'screen', { name: 'Cart' }],
      ['group', 'group', { groupId: 'g-13' }],
      ['alias', 'alias', { previousId: 'raw-13-anon' }],
      ['i', 'identify', {}],
      ['t', 'track', { event: 'Checkout Started' }],
      ['p', 'page', {}],
      ['s', 'screen', { name: 'Home' }],
      ['g', 'group', { groupId: 'g-13b' }],
      ['a', 'alias', { previousId: 'raw-13-anon-2' }],
    ];
    for (const [path, type, fields] of singles) {
      const messageId = `raw-13-${path}`;
      const response = await send(`/v1/${path}`, { userId: 'raw-13', messageId, ...fields }, { authorization: basicAuth(WRITE_KEY), 'content-type': 'text/plain' });
      expect(response.status, `/v1/${path}`).toBe(200);
      await response.arrayBuffer();
      expect(only(await events({ messageId }), `/v1/${path}`).type).toBe(type);
    }
    expect(await events({ userId: 'raw-13' })).toHaveLength(13);

    const before = await rapport.eventLog.count(WORKSPACE);
    const metrics = await fetch(`${serverUrl}/v1/m`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ series: [{ type: 'Counter', metric: 'analytics_js.invoke.track', value: 1, tags: { type: 'track' } }] }),
    });
    expect(metrics.status).toBe(200);
    await metrics.arrayBuffer();
    expect(await rapport.eventLog.count(WORKSPACE)).toBe(before);
  });

  it('15: invalid items are dropped and quarantined; valid siblings in the same batch are stored', async () => {
    const response = await send('/v1/batch', {
      batch: [
        { type: 'track', userId: 'raw-15', event: 'Valid Before', messageId: 'raw-15-ok-1' },
        { type: 'track', userId: 'raw-15', messageId: 'raw-15-no-event' },
        { type: 'track', event: 'Nobody', messageId: 'raw-15-no-ids' },
        { type: 'alias', userId: 'raw-15', messageId: 'raw-15-no-previous' },
        { type: 'group', userId: 'raw-15', messageId: 'raw-15-no-group' },
        { type: 'identify', userId: 'raw-15', messageId: 'raw-15-ok-2', traits: { plan: 'pro' } },
      ],
    });
    expect(response.status).toBe(200);
    const body: unknown = await response.json();
    expect(body).toMatchObject({
      success: true,
      accepted: 2,
      rejected: [
        { index: 1, code: 'missing_event', field: 'batch[1].event' },
        { index: 2, code: 'no_user_anon_id', field: 'batch[2].userId' },
        { index: 3, code: 'missing_previous_id', field: 'batch[3].previousId' },
        { index: 4, code: 'missing_group_id', field: 'batch[4].groupId' },
      ],
    });
    expect((await events({ userId: 'raw-15' })).map((entry) => entry.messageId).sort()).toEqual(['raw-15-ok-1', 'raw-15-ok-2']);
    for (const id of ['raw-15-no-event', 'raw-15-no-ids', 'raw-15-no-previous', 'raw-15-no-group']) {
      expect(await events({ messageId: id })).toHaveLength(0);
    }
    const quarantined = (await rapport.eventLog.rejected(WORKSPACE, 1000)).filter((row) => row.payload.includes('"raw-15-'));
    expect(quarantined.map((row) => row.code).sort()).toEqual(['missing_event', 'missing_group_id', 'missing_previous_id', 'no_user_anon_id']);
  });
});

describe('@rudderstack/rudder-sdk-node', () => {
  it('6: all six calls, gzip and form-urlencoded with Basic auth only, are stored with channel=server', async () => {
    const recorder = await proxy({ failFirst: 0 });
    const client = rudderClient(recorder.url);
    const historical = new Date('2020-01-15T08:30:00.000Z');
    client.identify({ userId: 'rudder-1', traits: { email: 'grace@example.com', first_name: 'Grace' } });
    client.track({ userId: 'rudder-1', event: 'Order Completed', properties: orderCompleted, timestamp: historical });
    client.page({ userId: 'rudder-1', category: 'Catalog', name: 'Games', properties: { path: '/games' } });
    client.screen({ userId: 'rudder-1', name: 'Cart' });
    client.group({ userId: 'rudder-1', groupId: 'acme', traits: { name: 'Acme' } });
    client.alias({ userId: 'rudder-1', previousId: 'rudder-anon-1' });
    await drainRudder(client);

    const stored = await eventually({ userId: 'rudder-1' }, 6);
    expect(stored.map((entry) => entry.type).sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
    for (const entry of stored) {
      expect(entry.messageId).toMatch(UUID);
      expect(entry.sourceId).toBe(sourceId);
      expect(entry.message.channel).toBe('server');
      expect(entry.message.context.library).toMatchObject({ name: 'analytics-node' });
      expect(entry.message.originalTimestamp).toMatch(ISO);
    }
    const track = only(
      stored.filter((entry) => entry.type === 'track'),
      'track',
    );
    // The caller's timestamp is a historical event time: kept as sent, not skew-corrected.
    expect(track.message.timestamp).toBe(historical.toISOString());
    expect(track.timestamp).toBe(historical.getTime());
    expect(track.message.properties).toStrictEqual(orderCompleted);
    const identify = only(
      stored.filter((entry) => entry.type === 'identify'),
      'identify',
    );
    expect(identify.message.traits).toEqual({ email: 'grace@example.com', first_name: 'Grace' });
    expect(identify.message.context.traits).toEqual({ email: 'grace@example.com', first_name: 'Grace' });

    const requests = await posts(recorder);
    expect(requests.length).toBeGreaterThanOrEqual(1);
    for (const request of requests) {
      expect(request.url).toBe('/v1/batch');
      expect(request.answered).toBe(200);
      expect(request.headers['content-encoding']).toBe('gzip');
      expect(request.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
      expect(request.headers.authorization).toBe(basicAuth(WRITE_KEY));
      expect('writeKey' in jsonBody(request)).toBe(false);
    }
    expect(requests.reduce((sum, request) => sum + batchOf(request).length, 0)).toBe(6);
  });

  it('7: a 503 after the server stored the batch is retried with the identical body and stored once', async () => {
    const flaky = await proxy({ failFirst: 1, status: 503 });
    const client = rudderClient(flaky.url);
    client.track({ userId: 'rudder-retry', event: 'Product Added', properties: { product_id: 'p-7' } });
    await drainRudder(client);
    const requests = await posts(flaky);
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ upstream: 200, answered: 503 });
    expect(requests[1]).toMatchObject({ upstream: 200, answered: 200 });
    expect(requests[1]?.body.equals(requests[0]?.body ?? Buffer.alloc(0))).toBe(true);
    const [item] = requests[0] === undefined ? [] : batchOf(requests[0]);
    expect(typeof item?.messageId).toBe('string');
    expect(await events({ userId: 'rudder-retry' })).toHaveLength(1);
    expect(await events({ messageId: String(item?.messageId) })).toHaveLength(1);
  });

  it('8: anonymous track, alias, then identify become one profile holding the anonymous events and the email', async () => {
    const client = rudderClient(serverUrl);
    client.track({ anonymousId: 'rudder-anon-8', event: 'Product Viewed', properties: { product_id: 'p-8' } });
    client.alias({ previousId: 'rudder-anon-8', userId: 'rudder-user-8' });
    client.identify({ userId: 'rudder-user-8', traits: { email: 'rudder8@example.com' } });
    await drainRudder(client);
    await expectIdentityTrail('rudder-anon-8', 'rudder-user-8', 'rudder8@example.com');
  });
});

describe('@segment/analytics-next in jsdom', () => {
  const globalNames = ['window', 'document', 'navigator', 'location', 'localStorage', 'sessionStorage'] as const;
  const saved = new Map<string, PropertyDescriptor | undefined>();
  const doms: JSDOM[] = [];

  beforeAll(() => {
    for (const name of globalNames) saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
  });
  afterAll(() => {
    for (const dom of doms) dom.window.close();
    for (const name of globalNames) {
      const descriptor = saved.get(name);
      if (descriptor === undefined) Reflect.deleteProperty(globalThis, name);
      else Object.defineProperty(globalThis, name, descriptor);
    }
  });

  /** A fresh page: its window, document, storage and location become the globals the library reads. */
  function installPage(url: string): JSDOM {
    const dom = new JSDOM('<!doctype html><html><head><title>Games | Shop</title></head><body></body></html>', { url });
    doms.push(dom);
    const { window } = dom;
    const values = {
      window,
      document: window.document,
      navigator: window.navigator,
      location: window.location,
      localStorage: window.localStorage,
      sessionStorage: window.sessionStorage,
    };
    for (const [name, value] of Object.entries(values)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
    Object.defineProperty(window, 'fetch', { value: globalThis.fetch, configurable: true, writable: true });
    return dom;
  }

  it('9: standard mode loads settings, posts /v1/p, /v1/t, /v1/a, /v1/i, and links the anonymous visitor to the user', async () => {
    const recorder = await proxy({ failFirst: 0 });
    installPage('http://shop.example.com/games?utm_source=newsletter&utm_campaign=spring');
    const { AnalyticsBrowser } = await import('@segment/analytics-next');
    // cdnURL is our server: the library GETs its settings there, and their apiHost sends it back to us.
    const [analytics] = await AnalyticsBrowser.load({ writeKey: WRITE_KEY, cdnURL: recorder.url }, { integrations: { 'Segment.io': { httpConfig: { backoffConfig: { maxRetryCount: 2 } } } } });
    await analytics.page();
    await analytics.track('Product Viewed', { product_id: 'p-9', price: 19, currency: 'EUR' });
    await analytics.alias('next-user-9');
    await analytics.identify('next-user-9', { email: 'next9@example.com' });
    const anonymousId = analytics.user().anonymousId();
    if (typeof anonymousId !== 'string') throw new Error('analytics-next has no anonymousId');
    expect(anonymousId).toMatch(UUID);

    expect(recorder.requests[0]).toMatchObject({ method: 'GET', url: `/v1/projects/${WRITE_KEY}/settings`, answered: 200 });
    const sent = await posts(recorder);
    expect(sent.map((request) => request.url)).toEqual(['/v1/p', '/v1/t', '/v1/a', '/v1/i']);
    for (const request of sent) {
      expect(request.answered).toBe(200);
      expect(request.headers['content-type']).toMatch(/^text\/plain/);
      expect(request.headers.authorization).toBe(basicAuth(WRITE_KEY));
      expect(jsonBody(request).writeKey).toBe(WRITE_KEY);
    }
    // The browser sends "userId": null while anonymous; it must be accepted as absent.
    const [pageRequest] = sent;
    if (pageRequest === undefined) throw new Error('no page request');
    expect(jsonBody(pageRequest).userId).toBeNull();

    const page = only(await eventually({ anonymousId, type: 'page' }, 1), 'page');
    expect(page.userId).toBeNull();
    expect('userId' in page.message).toBe(false);
    expect(page.sourceId).toBe(sourceId);
    expect(page.messageId).toMatch(/^ajs-next-\d+-[0-9a-f-]{36}$/);
    expect(page.message.context).toMatchObject({
      library: { name: 'analytics.js' },
      page: { path: '/games', url: 'http://shop.example.com/games?utm_source=newsletter&utm_campaign=spring' },
      campaign: { source: 'newsletter', name: 'spring' },
      ip: '127.0.0.1',
    });
    const track = only(await eventually({ anonymousId, type: 'track' }, 1), 'track');
    expect(track.event).toBe('Product Viewed');
    expect(track.message.properties).toEqual({ product_id: 'p-9', price: 19, currency: 'EUR' });
    // alias before identify: previousId is the anonymousId, so the anonymous events link to the user.
    await expectIdentityTrail(anonymousId, 'next-user-9', 'next9@example.com');
    const identify = only(await events({ userId: 'next-user-9', type: 'identify' }), 'identify');
    expect(identify.anonymousId).toBe(anonymousId);
  });

  it('batching mode posts to /v1/b with the writeKey at the top level and every event stored once', async () => {
    const recorder = await proxy({ failFirst: 0 });
    installPage('http://shop.example.com/cart');
    const { AnalyticsBrowser } = await import('@segment/analytics-next');
    const [analytics] = await AnalyticsBrowser.load(
      { writeKey: WRITE_KEY, cdnURL: recorder.url },
      {
        integrations: {
          'Segment.io': {
            deliveryStrategy: { strategy: 'batching', config: { size: 10, timeout: 100 } },
            httpConfig: { backoffConfig: { maxRetryCount: 2 } },
          },
        },
      },
    );
    const anonymousId = analytics.user().anonymousId();
    if (typeof anonymousId !== 'string') throw new Error('analytics-next has no anonymousId');
    for (let i = 0; i < 25; i += 1) void analytics.track('Product Added', { position: i, cart_id: 'cart-b' });

    const stored = await eventually({ anonymousId, event: 'Product Added' }, 25);
    expect(stored).toHaveLength(25);
    expect(new Set(stored.map((entry) => entry.message.properties?.position))).toEqual(new Set(Array.from({ length: 25 }, (_, i) => i)));
    expect(new Set(stored.map((entry) => entry.messageId)).size).toBe(25);

    // `size` triggers a flush, but a flush sends the whole buffer (cut only near 500 KB), so
    // how the 25 events split into requests depends on timing; only the total is exact.
    const sent = await posts(recorder);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent.every((request) => request.url === '/v1/b' && request.answered === 200)).toBe(true);
    for (const request of sent) {
      const body = jsonBody(request);
      expect(body.writeKey).toBe(WRITE_KEY);
      expect(body.sentAt).toEqual(expect.stringMatching(ISO));
      expect(request.headers.authorization).toBe(basicAuth(WRITE_KEY));
      expect(request.headers['content-type']).toMatch(/^text\/plain/);
      for (const item of batchOf(request)) expect('sentAt' in item).toBe(false);
    }
    expect(sent.reduce((sum, request) => sum + batchOf(request).length, 0)).toBe(25);
    // The batch-level sentAt feeds the skew correction: every stored event has one.
    for (const entry of stored) expect(entry.message.sentAt).toMatch(ISO);
  });
});
