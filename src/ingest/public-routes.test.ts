import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/helpers/databases.js';
import { ADMIN_TOKEN, WORKSPACE, WRITE_KEY, basicAuth, startTestRapport, type TestRapport } from '../../test/helpers/server.js';
import { isJsonObject } from './message.js';
import type { Rapport } from '../rapport.js';

interface InjectResult {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json(): unknown;
}

let counter = 0;
/** A messageId unique to this run, so tests never see each other's events. */
function mid(label: string): string {
  counter += 1;
  return `rt-${label}-${counter}-${process.pid}`;
}

/** The `error` object of an error response, checked for shape. */
function errorOf(response: InjectResult): { code: string; type: unknown; message: string; issues?: unknown } {
  const body = response.json();
  if (!isJsonObject(body) || !isJsonObject(body.error)) throw new Error(`not an error body: ${response.body}`);
  const { code, type, message, issues } = body.error;
  if (typeof code !== 'string' || typeof message !== 'string') throw new Error(`error without code/message: ${response.body}`);
  return { code, type, message, issues };
}

interface Rejection {
  index: number;
  code: string;
  field: string;
  message: string;
}

function successOf(response: InjectResult): { accepted: number; duplicates: number; rejected: Rejection[] } {
  const body = response.json();
  if (!isJsonObject(body) || body.success !== true) throw new Error(`not a success body (${response.statusCode}): ${response.body}`);
  const { accepted, duplicates } = body;
  if (typeof accepted !== 'number' || typeof duplicates !== 'number') throw new Error(`no counts: ${response.body}`);
  const rejected: Rejection[] = [];
  if (Array.isArray(body.rejected)) {
    for (const item of body.rejected) {
      if (isJsonObject(item) && typeof item.index === 'number' && typeof item.code === 'string' && typeof item.field === 'string' && typeof item.message === 'string') {
        rejected.push({ index: item.index, code: item.code, field: item.field, message: item.message });
      } else throw new Error(`malformed rejection: ${JSON.stringify(item)}`);
    }
  }
  return { accepted, duplicates, rejected };
}

describe.each(dialects)('Segment tracking API routes (%s)', (dialect) => {
  let env: TestRapport;
  let rapport: Rapport;

  beforeAll(async () => {
    env = await startTestRapport(dialect);
    rapport = env.rapport;
  });
  afterAll(async () => {
    await env?.stop();
  });

  const count = () => rapport.eventLog.count(WORKSPACE);
  const stored = (messageId: string) => rapport.eventLog.events(WORKSPACE, { messageId });

  function post(url: string, payload: unknown, headers: Record<string, string> = { authorization: basicAuth(WRITE_KEY) }) {
    const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
    return rapport.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: body });
  }

  describe('endpoints', () => {
    const singles: Array<[string, string, Record<string, unknown>]> = [
      ['/v1/identify', 'identify', { userId: 'u-end', traits: { email: 'a@example.com' } }],
      ['/v1/track', 'track', { userId: 'u-end', event: 'Product Viewed', properties: { product_id: 'p1' } }],
      ['/v1/page', 'page', { userId: 'u-end', name: 'Home' }],
      ['/v1/screen', 'screen', { userId: 'u-end', name: 'Cart' }],
      ['/v1/group', 'group', { userId: 'u-end', groupId: 'g1', traits: { name: 'Acme' } }],
      ['/v1/alias', 'alias', { userId: 'u-end', previousId: 'anon-end' }],
      ['/v1/i', 'identify', { anonymousId: 'a-end', userId: null }],
      ['/v1/t', 'track', { anonymousId: 'a-end', userId: null, event: 'Product Added' }],
      ['/v1/p', 'page', { anonymousId: 'a-end', userId: null }],
      ['/v1/s', 'screen', { anonymousId: 'a-end', name: 'Home' }],
      ['/v1/g', 'group', { anonymousId: 'a-end', groupId: 'g2' }],
      ['/v1/a', 'alias', { userId: 'u-end', previousId: 'a-end' }],
    ];

    it.each(singles)('POST %s stores one %s event', async (url, type, fields) => {
      const messageId = mid(type);
      const before = await count();
      const response = await post(url, { ...fields, messageId, writeKey: WRITE_KEY });
      expect(response.statusCode).toBe(200);
      expect(successOf(response)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
      expect(await count()).toBe(before + 1);
      const [event] = await stored(messageId);
      expect(event?.type).toBe(type);
      expect(event?.message.type).toBe(type);
      expect(event?.message.receivedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    });

    it('takes the type from the path, not from the body', async () => {
      const messageId = mid('pathtype');
      const response = await post('/v1/track', { type: 'identify', userId: 'u1', event: 'Signed Up', messageId });
      expect(response.statusCode).toBe(200);
      expect((await stored(messageId))[0]?.type).toBe('track');
    });

    it.each(['/v1/batch', '/v1/import', '/v1/b'])('POST %s stores every item with its own type', async (url) => {
      const ids = [mid('b-id'), mid('b-tr'), mid('b-al')];
      const response = await post(url, {
        writeKey: WRITE_KEY,
        sentAt: new Date().toISOString(),
        batch: [
          { type: 'identify', userId: 'u-batch', messageId: ids[0], traits: { plan: 'pro' } },
          { type: 'track', userId: 'u-batch', event: 'Order Completed', messageId: ids[1], properties: { total: 10 } },
          { type: 'alias', userId: 'u-batch', previousId: 'anon-batch', messageId: ids[2] },
        ],
      });
      expect(response.statusCode).toBe(200);
      expect(successOf(response)).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
      const types = await Promise.all(ids.map(async (id) => (await stored(id)).map((event) => event.type)));
      expect(types).toEqual([['identify'], ['track'], ['alias']]);
    });

    it('POST /v1/m answers 200 and stores nothing', async () => {
      const before = await count();
      const response = await rapport.app.inject({
        method: 'POST',
        url: '/v1/m',
        headers: { 'content-type': 'text/plain' },
        payload: JSON.stringify({ series: [{ type: 'Counter', metric: 'analytics_js.invoke.track', value: 1, tags: {} }] }),
      });
      expect(response.statusCode).toBe(200);
      expect(await count()).toBe(before);
    });

    it('GET /v1/projects/:writeKey/settings returns a settings document analytics-next can use', async () => {
      const response = await rapport.app.inject({ method: 'GET', url: `/v1/projects/${WRITE_KEY}/settings`, headers: { host: 'cdp.example.com:8080', origin: 'https://shop.example.com' } });
      expect(response.statusCode).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBe('https://shop.example.com');
      const settings = response.json();
      if (!isJsonObject(settings) || !isJsonObject(settings.integrations)) throw new Error(`bad settings: ${response.body}`);
      // Any integration other than Segment.io makes the library load scripts from a CDN.
      expect(Object.keys(settings.integrations)).toEqual(['Segment.io']);
      expect(settings.integrations['Segment.io']).toEqual({ apiKey: WRITE_KEY, apiHost: 'cdp.example.com:8080/v1', protocol: 'http' });
      expect(settings.metrics).toEqual({ sampleRate: 0 });
    });

    it('GET settings for an unknown write key is 404 and names the problem', async () => {
      const response = await rapport.app.inject({ method: 'GET', url: '/v1/projects/NOPE/settings' });
      expect(response.statusCode).toBe(404);
      expect(errorOf(response).message).toMatch(/write key/);
    });
  });

  describe('authentication', () => {
    const track = (messageId: string, extra: Record<string, unknown> = {}) => ({ type: 'track', userId: 'u-auth', event: 'Auth Checked', messageId, ...extra });

    it('accepts Basic with the colon', async () => {
      const messageId = mid('auth-colon');
      expect((await post('/v1/track', track(messageId), { authorization: basicAuth(WRITE_KEY, true) })).statusCode).toBe(200);
      expect(await stored(messageId)).toHaveLength(1);
    });

    it('accepts Basic without the colon', async () => {
      const messageId = mid('auth-nocolon');
      expect((await post('/v1/track', track(messageId), { authorization: basicAuth(WRITE_KEY, false) })).statusCode).toBe(200);
      expect(await stored(messageId)).toHaveLength(1);
    });

    it('accepts writeKey in the body with no header', async () => {
      const messageId = mid('auth-body');
      expect((await post('/v1/batch', { writeKey: WRITE_KEY, batch: [track(messageId)] }, {})).statusCode).toBe(200);
      expect(await stored(messageId)).toHaveLength(1);
    });

    it('accepts Bearer plus writeKey in the body', async () => {
      const messageId = mid('auth-bearer');
      const response = await post('/v1/track', track(messageId, { writeKey: WRITE_KEY }), { authorization: 'Bearer some-oauth-token' });
      expect(response.statusCode).toBe(200);
      expect(await stored(messageId)).toHaveLength(1);
    });

    it.each([
      ['a bad Basic key', { authorization: basicAuth('WK_WRONG') }, {}],
      ['a bad body writeKey', {}, { writeKey: 'WK_WRONG' }],
      ['a bad key in Basic even with a good body writeKey', { authorization: basicAuth('WK_WRONG') }, { writeKey: WRITE_KEY }],
    ])('rejects %s with 401 and stores nothing', async (_what, headers, body) => {
      const messageId = mid('auth-bad');
      const before = await count();
      const response = await post('/v1/batch', { ...body, batch: [track(messageId)] }, headers);
      expect(response.statusCode).toBe(401);
      expect(errorOf(response)).toMatchObject({ code: 'unauthorized' });
      expect(errorOf(response).message).toMatch(/write key/);
      expect(await count()).toBe(before);
      expect(await stored(messageId)).toHaveLength(0);
    });

    it('rejects a request with no key at all with 401 and says how to send one', async () => {
      const before = await count();
      const response = await post('/v1/track', track(mid('auth-none')), {});
      expect(response.statusCode).toBe(401);
      expect(errorOf(response).message).toMatch(/Authorization: Basic/);
      expect(await count()).toBe(before);
    });

    it('rejects Bearer without a body writeKey', async () => {
      const response = await post('/v1/track', track(mid('auth-bearer-only')), { authorization: 'Bearer some-oauth-token' });
      expect(response.statusCode).toBe(401);
    });
  });

  describe('body encodings', () => {
    it('parses a gzip body sent as application/x-www-form-urlencoded (rudder-sdk-node)', async () => {
      const messageId = mid('gzip');
      const body = gzipSync(JSON.stringify({ batch: [{ type: 'track', userId: 'u-gz', event: 'Zipped', messageId }], sentAt: new Date().toISOString() }));
      const response = await post('/v1/batch', body, {
        authorization: basicAuth(WRITE_KEY),
        'content-type': 'application/x-www-form-urlencoded',
        'content-encoding': 'gzip',
      });
      expect(response.statusCode).toBe(200);
      expect((await stored(messageId))[0]?.event).toBe('Zipped');
    });

    it('parses a text/plain body (analytics-next)', async () => {
      const messageId = mid('text');
      const response = await post('/v1/t', { type: 'track', anonymousId: 'a-text', userId: null, event: 'Plain', messageId, writeKey: WRITE_KEY }, { 'content-type': 'text/plain' });
      expect(response.statusCode).toBe(200);
      expect(await stored(messageId)).toHaveLength(1);
    });

    it('parses a body with no Content-Type at all', async () => {
      const messageId = mid('noct');
      // A Buffer payload makes inject send no Content-Type header.
      const response = await rapport.app.inject({
        method: 'POST',
        url: '/v1/track',
        headers: { authorization: basicAuth(WRITE_KEY) },
        payload: Buffer.from(JSON.stringify({ userId: 'u-noct', event: 'Untyped', messageId })),
      });
      expect(response.statusCode).toBe(200);
      expect(await stored(messageId)).toHaveLength(1);
    });

    it('answers invalid JSON with 400 and a message naming JSON', async () => {
      const before = await count();
      const response = await post('/v1/batch', '{"batch": [ {"type": "track",', { authorization: basicAuth(WRITE_KEY) });
      expect(response.statusCode).toBe(400);
      const error = errorOf(response);
      expect(error.code).toBe('invalid_json');
      expect(error.message).toMatch(/not valid JSON/);
      expect(await count()).toBe(before);
    });

    it('answers a body that is not gzip despite Content-Encoding: gzip with 400', async () => {
      const response = await post('/v1/track', JSON.stringify({ userId: 'u', event: 'X' }), { authorization: basicAuth(WRITE_KEY), 'content-encoding': 'gzip' });
      expect(response.statusCode).toBe(400);
      expect(errorOf(response).message).toMatch(/gzip/);
    });

    it('answers a JSON array or scalar body with 400', async () => {
      const response = await post('/v1/track', '[1,2]', { authorization: basicAuth(WRITE_KEY) });
      expect(response.statusCode).toBe(400);
      expect(errorOf(response).message).toMatch(/JSON object/);
    });

    it('answers a batch body without a batch array with 400 naming the field and rule', async () => {
      const response = await post('/v1/batch', { batch: { type: 'track' } });
      expect(response.statusCode).toBe(400);
      expect(errorOf(response)).toMatchObject({ code: 'ingest.body_invalid', type: 'invalid_request', issues: [{ field: 'batch', rule: 'type', message: 'must be an array' }] });
    });
  });

  describe('size limits', () => {
    const padded = (bytes: number) => ({ type: 'track', userId: 'u-size', event: 'Big', messageId: mid('size'), properties: { pad: 'x'.repeat(bytes) } });

    it('rejects a batch over 500 KB with 400 and stores nothing', async () => {
      const before = await count();
      // 20 items of ~26 KB: each under the 32 KB item limit, together over 500 KB.
      const batch = Array.from({ length: 20 }, () => padded(26 * 1024));
      const response = await post('/v1/batch', { batch });
      expect(response.statusCode).toBe(400);
      expect(errorOf(response)).toMatchObject({ code: 'ingest_too_large' });
      expect(errorOf(response).message).toMatch(/500 KB/);
      expect(await count()).toBe(before);
    });

    it('accepts a batch just under 500 KB', async () => {
      const batch = Array.from({ length: 18 }, () => padded(26 * 1024));
      const response = await post('/v1/batch', { batch });
      expect(response.statusCode).toBe(200);
      expect(successOf(response).accepted).toBe(18);
    });

    it('rejects a single call over 32 KB with 400 and stores nothing', async () => {
      const before = await count();
      const response = await post('/v1/track', padded(33 * 1024));
      expect(response.statusCode).toBe(400);
      expect(errorOf(response)).toMatchObject({ code: 'ingest_too_large' });
      expect(errorOf(response).message).toMatch(/32 KB/);
      expect(await count()).toBe(before);
    });

    it('rejects a body over the 8 MB transport limit with 400 (not 413) and stores nothing', async () => {
      const before = await count();
      const response = await post('/v1/batch', JSON.stringify({ batch: [padded(9 * 1024 * 1024)] }));
      expect(response.statusCode).toBe(400);
      expect(errorOf(response)).toMatchObject({ code: 'ingest_too_large' });
      expect(await count()).toBe(before);
    });

    it('rejects a gzip bomb (small on the wire, large decoded) with 400', async () => {
      const before = await count();
      const decoded = JSON.stringify({ batch: [padded(20 * 1024 * 1024)] });
      const compressed = gzipSync(decoded);
      expect(compressed.length).toBeLessThan(100 * 1024);
      const response = await post('/v1/batch', compressed, { authorization: basicAuth(WRITE_KEY), 'content-encoding': 'gzip' });
      expect(response.statusCode).toBe(400);
      expect(errorOf(response)).toMatchObject({ code: 'ingest_too_large' });
      const single = await post('/v1/track', gzipSync(JSON.stringify(padded(1024 * 1024))), { authorization: basicAuth(WRITE_KEY), 'content-encoding': 'gzip' });
      expect(single.statusCode).toBe(400);
      expect(await count()).toBe(before);
    });

    it('drops an item over 32 KB inside an accepted batch and keeps its siblings', async () => {
      const small = padded(100);
      const big = padded(33 * 1024);
      const response = await post('/v1/batch', { batch: [small, big] });
      expect(response.statusCode).toBe(200);
      const outcome = successOf(response);
      expect(outcome.accepted).toBe(1);
      expect(outcome.rejected).toEqual([expect.objectContaining({ index: 1, code: 'message_too_large', field: 'batch[1]' })]);
      expect(await stored(String(small.messageId))).toHaveLength(1);
      expect(await stored(String(big.messageId))).toHaveLength(0);
    });
  });

  describe('per-item validation, dedupe and quarantine', () => {
    it('drops bad items, reports them by index, field and rule, and stores their siblings', async () => {
      const ids = Array.from({ length: 6 }, () => mid('val'));
      const before = await count();
      const response = await post('/v1/batch', {
        batch: [
          { type: 'track', userId: 'u-val', event: 'Good One', messageId: ids[0] },
          { type: 'track', userId: 'u-val', messageId: ids[1] },
          { type: 'identify', messageId: ids[2], traits: { email: 'x@example.com' } },
          { type: 'alias', userId: 'u-val', messageId: ids[3] },
          { type: 'group', userId: 'u-val', messageId: ids[4] },
          { type: 'page', userId: null, anonymousId: 'a-val', messageId: ids[5] },
        ],
      });
      expect(response.statusCode).toBe(200);
      const outcome = successOf(response);
      expect(outcome.accepted).toBe(2);
      expect(outcome.rejected.map(({ index, code, field }) => ({ index, code, field }))).toEqual([
        { index: 1, code: 'missing_event', field: 'batch[1].event' },
        { index: 2, code: 'no_user_anon_id', field: 'batch[2].userId' },
        { index: 3, code: 'missing_previous_id', field: 'batch[3].previousId' },
        { index: 4, code: 'missing_group_id', field: 'batch[4].groupId' },
      ]);
      for (const rejection of outcome.rejected) expect(rejection.message).not.toBe('');
      expect(await count()).toBe(before + 2);
      expect(await stored(ids[0] ?? '')).toHaveLength(1);
      expect(await stored(ids[5] ?? '')).toHaveLength(1);
      for (const id of ids.slice(1, 5)) expect(await stored(id)).toHaveLength(0);
    });

    it('drops an item with a NUL in a stored column and stores its siblings (PostgreSQL text cannot hold U+0000)', async () => {
      const ok = mid('nul-ok');
      const response = await post('/v1/batch', {
        batch: [
          { type: 'track', userId: 'u-nul', event: 'Bad\u0000Name', messageId: mid('nul-event') },
          { type: 'identify', userId: 'u-nul\u0000', messageId: mid('nul-user') },
          { type: 'track', userId: 'u-nul', event: 'Fine', messageId: ok, properties: { note: 'a NUL inside JSON properties is fine: \u0000' } },
        ],
      });
      expect(response.statusCode).toBe(200);
      expect(successOf(response).rejected.map((r) => [r.index, r.code, r.field])).toEqual([
        [0, 'invalid_field', 'batch[0].event'],
        [1, 'invalid_field', 'batch[1].userId'],
      ]);
      expect((await stored(ok))[0]?.message.properties).toEqual({ note: 'a NUL inside JSON properties is fine: \u0000' });
    });

    it('answers a single invalid call with 200 and the rejection (Segment drops, never 400s, an invalid event)', async () => {
      const before = await count();
      const response = await post('/v1/track', { userId: 'u-single', messageId: mid('single-bad') });
      expect(response.statusCode).toBe(200);
      expect(successOf(response)).toMatchObject({ accepted: 0, rejected: [{ index: 0, code: 'missing_event', field: 'event' }] });
      expect(await count()).toBe(before);
    });

    it('stores the first 2,500 items of a bigger batch and rejects the rest', async () => {
      const before = await count();
      const prefix = mid('many');
      const batch = Array.from({ length: 2503 }, (_, i) => ({ type: 'track', userId: 'u-many', event: 'E', messageId: `${prefix}-${i}` }));
      const response = await post('/v1/batch', { batch });
      expect(response.statusCode).toBe(200);
      const outcome = successOf(response);
      expect(outcome.accepted).toBe(2500);
      expect(outcome.rejected.map((r) => [r.index, r.code])).toEqual([
        [2500, 'batch_too_many'],
        [2501, 'batch_too_many'],
        [2502, 'batch_too_many'],
      ]);
      expect(await count()).toBe(before + 2500);
      expect(await stored(`${prefix}-2499`)).toHaveLength(1);
      expect(await stored(`${prefix}-2500`)).toHaveLength(0);
    });

    it('stores a retried batch once and counts the retry as duplicates', async () => {
      const ids = [mid('retry'), mid('retry'), mid('retry')];
      const body = { batch: ids.map((messageId) => ({ type: 'track', userId: 'u-retry', event: 'Retried', messageId })) };
      const before = await count();
      const first = await post('/v1/batch', body);
      expect(successOf(first)).toMatchObject({ accepted: 3, duplicates: 0 });
      const retry = await post('/v1/batch', { ...body, sentAt: new Date().toISOString() }, { authorization: basicAuth(WRITE_KEY), 'x-retry-count': '1' });
      expect(retry.statusCode).toBe(200);
      expect(successOf(retry).duplicates).toBe(3);
      // The same messageId inside one batch counts once too.
      const repeated = await post('/v1/batch', { batch: [...body.batch, ...body.batch] });
      expect(successOf(repeated).duplicates).toBe(6);
      expect(await count()).toBe(before + 3);
      for (const id of ids) expect(await stored(id)).toHaveLength(1);
    });

    it('dedupes across endpoints: a single call then the same messageId in a batch', async () => {
      const messageId = mid('cross');
      await post('/v1/track', { userId: 'u-x', event: 'Once', messageId });
      const response = await post('/v1/batch', { batch: [{ type: 'track', userId: 'u-x', event: 'Once', messageId }] });
      expect(successOf(response).duplicates).toBe(1);
      expect(await stored(messageId)).toHaveLength(1);
    });

    it('lists quarantined items on GET /api/v1/events/rejected with the reason and payload', async () => {
      const marker = mid('quarantine');
      await post('/v1/batch', { batch: [{ type: 'track', userId: 'u-q', messageId: marker, properties: { marker } }] });
      const unauthenticated = await rapport.app.inject({ method: 'GET', url: '/api/v1/events/rejected' });
      expect(unauthenticated.statusCode).toBe(401);
      const response = await rapport.app.inject({ method: 'GET', url: '/api/v1/events/rejected?limit=1000', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      if (!isJsonObject(body) || !Array.isArray(body.rejected)) throw new Error(`bad body: ${response.body}`);
      const mine = body.rejected.filter((row): row is Record<string, unknown> => isJsonObject(row) && typeof row.payload === 'string' && row.payload.includes(marker));
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ code: 'missing_event', message: expect.stringContaining('batch[0].event') });
      expect(typeof mine[0]?.sourceId).toBe('string');
      expect(JSON.parse(String(mine[0]?.payload))).toMatchObject({ messageId: marker, userId: 'u-q' });
    });
  });

  describe('CORS', () => {
    const origin = 'https://shop.example.com';

    it('answers the preflight on /v1/* with the headers analytics-next needs', async () => {
      const response = await rapport.app.inject({
        method: 'OPTIONS',
        url: '/v1/t',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-retry-count' },
      });
      expect(response.statusCode).toBeGreaterThanOrEqual(200);
      expect(response.statusCode).toBeLessThan(300);
      expect(response.headers['access-control-allow-origin']).toBe(origin);
      const methods = String(response.headers['access-control-allow-methods'])
        .split(',')
        .map((m) => m.trim());
      expect(methods).toContain('POST');
      const allowed = String(response.headers['access-control-allow-headers'])
        .toLowerCase()
        .split(',')
        .map((h) => h.trim());
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-retry-count']));
    });

    it('answers the preflight on /v1/batch too', async () => {
      const response = await rapport.app.inject({ method: 'OPTIONS', url: '/v1/batch', headers: { origin, 'access-control-request-method': 'POST' } });
      expect(response.statusCode).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe(origin);
    });

    it('sets Access-Control-Allow-Origin on POST responses, successful or not', async () => {
      const ok = await post('/v1/t', { anonymousId: 'a-cors', event: 'CORS', messageId: mid('cors') }, { authorization: basicAuth(WRITE_KEY), origin });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['access-control-allow-origin']).toBe(origin);
      // The browser can read why it failed only with the header on error responses too.
      const denied = await post('/v1/t', { anonymousId: 'a-cors', event: 'CORS' }, { authorization: basicAuth('WK_WRONG'), origin });
      expect(denied.statusCode).toBe(401);
      expect(denied.headers['access-control-allow-origin']).toBe(origin);
    });
  });
});

describe.each(dialects)('Segment tracking API when the store fails (%s)', (dialect) => {
  it('answers 503 so clients retry with the same messageIds, and says so', async () => {
    const env = await startTestRapport(dialect);
    const { app, database } = env.rapport;
    // Warm the write-key cache, so only the append can fail.
    const warm = await app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { authorization: basicAuth(WRITE_KEY), 'content-type': 'application/json' },
      payload: JSON.stringify({ userId: 'u', event: 'Warm' }),
    });
    expect(warm.statusCode).toBe(200);
    await database.close();
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/batch',
        headers: { authorization: basicAuth(WRITE_KEY), 'content-type': 'application/json' },
        payload: JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'Lost?', messageId: 'store-down-1' }] }),
      });
      expect(response.statusCode).toBe(503);
      expect(errorOf(response)).toMatchObject({ code: 'unavailable' });
      expect(errorOf(response).message).toMatch(/retry with the same messageIds/);
    } finally {
      await app.close();
      await env.store.drop();
    }
  });
});
