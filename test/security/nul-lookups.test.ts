import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isJsonObject } from '../../src/ingest/message.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, WRITE_KEY, basicAuth, startTestRapport, type TestRapport } from '../helpers/server.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const METHODS: ReadonlySet<string> = new Set(['get', 'post', 'put', 'patch', 'delete']);

function isMethod(value: string): value is Method {
  return ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(value);
}

describe.each(dialects)('NUL bytes in URLs are a 400, never a 500 (%s)', (dialect) => {
  let env: TestRapport;

  beforeAll(async () => {
    env = await startTestRapport(dialect);
  });

  afterAll(async () => {
    await env.stop();
  });

  it('every admin route, generated from the route table, refuses %00 in its path parameters or query', async () => {
    const { app } = env.rapport;
    const spec: unknown = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    if (!isJsonObject(spec) || !isJsonObject(spec.paths)) throw new Error('no OpenAPI paths');
    const requests: Array<[Method, string]> = [];
    for (const [template, operations] of Object.entries(spec.paths)) {
      if (!isJsonObject(operations)) continue;
      for (const method of Object.keys(operations)) {
        const upper = method.toUpperCase();
        if (!METHODS.has(method) || !isMethod(upper)) continue;
        const withParams = template.replace(/\{[^}]+\}/g, 'id%00x');
        requests.push([upper, withParams === template ? `${template}?id=a%00b&email=a%00@example.com` : withParams]);
      }
    }
    expect(requests.length).toBeGreaterThan(50);
    const failures: string[] = [];
    for (const [method, url] of requests) {
      const response = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        payload: method === 'GET' || method === 'DELETE' ? undefined : '{}',
      });
      if (response.statusCode !== 400) failures.push(`${method} ${url}: ${response.statusCode} ${response.body.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
  });

  it('a NUL inside a JSON body is a client error on every store, never a 500', async () => {
    const response = await env.rapport.app.inject({ method: 'POST', url: '/api/v1/write-keys', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { name: 'shop\u0000source' } });
    // PostgreSQL text cannot hold U+0000: refused on every store alike, naming the field.
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'request.nul_character', type: 'invalid_request', message: expect.stringContaining('body.name') } });
  });

  it.each([
    ['GET', '/v1/projects/wk%00/settings'],
    ['GET', '/v1/u/abc%00.def'],
    ['GET', '/v1/c/abc.def%00'],
    ['GET', '/v1/inbox?userId=u%00&writeKey=WK_TEST'],
    ['POST', '/v1/track?x=%00'],
  ] as const)('public route %s %s', async (method, url) => {
    const response = await env.rapport.app.inject({ method, url, headers: { authorization: basicAuth(WRITE_KEY) }, payload: method === 'POST' ? { event: 'E', userId: 'u' } : undefined });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { type: 'invalid_request', message: expect.stringContaining('NUL') } });
  });
});
