import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { createTestStore, dialects, tempDir, type TestStore } from '../helpers/databases.js';
import { ADMIN_TOKEN, basicAuth, waitFor, WRITE_KEY } from '../helpers/server.js';

/*
 * Server-side request forgery through every feature that calls a URL a workspace (or a
 * visitor, for web push) supplies: channel webhooks, segment destinations, journey webhook
 * nodes and web push subscriptions. Every address form that reaches this machine, its private
 * network or cloud metadata is refused; only the operator's RAPPORT_OUTBOUND_ALLOW opens a
 * range, and redirects are never followed.
 */

const P256DH = 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM';
const AUTH = 'tBHItJI5svbpez7KI4CCXg';

/** A receiver on 127.0.0.1 that records every request; `redirectTo` makes it answer 302. */
async function trap(redirectTo?: string): Promise<{ port: number; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((request, response) => {
    hits.push(`${request.method ?? ''} ${request.url ?? ''}`);
    request.resume();
    request.on('end', () => (redirectTo === undefined ? response.writeHead(204).end() : response.writeHead(302, { location: redirectTo }).end()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Every way of writing an address the server must not reach (loopback ones aimed at the trap's port). */
function forms(port: number): [string, string][] {
  return [
    ['loopback', `http://127.0.0.1:${port}/x`],
    ['IPv4-mapped IPv6', `http://[::ffff:127.0.0.1]:${port}/x`],
    ['IPv4-mapped IPv6 in hex', `http://[::ffff:7f00:1]:${port}/x`],
    ['decimal IPv4', `http://2130706433:${port}/x`],
    ['octal IPv4', `http://0177.0.0.1:${port}/x`],
    ['hex IPv4', `http://0x7f.1:${port}/x`],
    ['short IPv4', `http://127.1:${port}/x`],
    ['trailing dot', `http://127.0.0.1.:${port}/x`],
    ['a name resolving to loopback', `http://localhost:${port}/x`],
    ['IPv6 loopback', `http://[::1]:${port}/x`],
    ['unspecified (reaches this host)', `http://0.0.0.0:${port}/x`],
    ['IPv6 unspecified', `http://[::]:${port}/x`],
    ['metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['mapped metadata', 'http://[::ffff:169.254.169.254]/latest/meta-data/'],
    ['AWS IPv6 metadata', 'http://[fd00:ec2::254]/latest/meta-data/'],
    ['mapped private', 'http://[::ffff:10.0.0.1]/x'],
    ['private', 'http://192.168.0.1/x'],
    ['CGNAT', 'http://100.64.0.1/x'],
    ['unique-local', 'http://[fd12::1]/x'],
    ['link-local IPv6', 'http://[fe80::1]/x'],
    ['multicast', 'http://224.0.0.1/x'],
    ['broadcast', 'http://255.255.255.255/x'],
    ['NAT64 of loopback', `http://[64:ff9b::7f00:1]:${port}/x`],
  ];
}

const refusal = /only the server operator can allow it|resolves to a refused address/;

async function startServer(dialect: (typeof dialects)[number], env: Record<string, string>): Promise<{ rapport: Rapport; store: TestStore }> {
  const store = await createTestStore(dialect);
  const rapport = await createRapport(
    loadConfig({
      RAPPORT_DATA_DIR: dialect === 'sqlite' ? store.dataDir : tempDir(),
      RAPPORT_BOOTSTRAP_WRITE_KEY: WRITE_KEY,
      RAPPORT_BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN,
      RAPPORT_LOG_LEVEL: 'silent',
      ...(store.databaseUrl === undefined ? {} : { RAPPORT_DATABASE_URL: store.databaseUrl }),
      ...env,
    }),
    { processor: 'inline' },
  );
  return { rapport, store };
}

function client(rapport: Rapport) {
  return async function call<T = Record<string, unknown>>(
    method: 'GET' | 'POST',
    url: string,
    body?: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` },
  ): Promise<{ status: number; body: T }> {
    const response = await rapport.app.inject({
      method,
      url,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' }) },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: (response.body === '' ? {} : JSON.parse(response.body)) as T };
  };
}

/** The journey's webhook steps, once the run has walked past all of them. */
async function webhookSteps(rapport: Rapport, journeyId: string, count: number): Promise<{ nodeId: string; outcome: { status: string; detail: Record<string, unknown> } }[]> {
  return waitFor(
    `${count} webhook steps`,
    async () => {
      const [run] = await rapport.journeys.runs('default', journeyId);
      if (run === undefined) return undefined;
      const steps = (await rapport.journeys.steps('default', run.id)).filter((step) => step.kind === 'webhook' && step.status === 'done' && step.outcome !== null);
      return steps.length >= count ? steps.map((step) => ({ nodeId: step.nodeId, outcome: JSON.parse(step.outcome ?? '{}') as { status: string; detail: Record<string, unknown> } })) : undefined;
    },
    20_000,
  );
}

async function journeyThrough(call: ReturnType<typeof client>, urls: string[], profileId: string): Promise<string> {
  const nodes = urls.map((url, index) => ({ id: `hook${index}`, type: 'webhook', url, next: index + 1 < urls.length ? `hook${index + 1}` : 'end' }));
  const created = await call<{ id: string }>('POST', '/api/v1/journeys', { name: `hooks ${Math.random()}`, trigger: { type: 'api' }, start: 'hook0', nodes: [...nodes, { id: 'end', type: 'exit' }] });
  expect(created.status).toBe(201);
  expect((await call('POST', `/api/v1/journeys/${created.body.id}/activate`)).status).toBe(200);
  expect((await call('POST', `/api/v1/journeys/${created.body.id}/enter`, { profileId })).status).toBe(200);
  return created.body.id;
}

async function deliveryErrors(rapport: Rapport, segmentIds: string[]): Promise<Map<string, string>> {
  return waitFor(
    'segment deliveries attempted',
    async () => {
      const rows = await rapport.database.db.selectFrom('segment_deliveries').select(['segment_id', 'last_error', 'attempts', 'delivered_at']).where('segment_id', 'in', segmentIds).execute();
      if (rows.length < segmentIds.length || rows.some((row) => row.delivered_at === null && Number(row.attempts) === 0)) return undefined;
      return new Map(rows.map((row) => [row.segment_id, row.delivered_at === null ? String(row.last_error) : 'delivered']));
    },
    20_000,
  );
}

describe.each(dialects)('SSRF: every outbound feature refuses private space (%s)', (dialect) => {
  let rapport: Rapport;
  let store: TestStore;
  let target: Awaited<ReturnType<typeof trap>>;
  let call: ReturnType<typeof client>;

  beforeAll(async () => {
    target = await trap();
    ({ rapport, store } = await startServer(dialect, {}));
    call = client(rapport);
    expect((await call('POST', '/v1/identify', { userId: 'ann', traits: { email: 'ann@example.com' } }, { authorization: basicAuth(WRITE_KEY) })).status).toBe(200);
    await rapport.processor.drain();
    expect((await call<{ id: string }>('GET', '/api/v1/profiles/lookup?type=user_id&value=ann')).body.id).toMatch(/^prf_/);
  });

  afterAll(async () => {
    await rapport?.close();
    await store?.drop();
    await target?.close();
  });

  it('a workspace token cannot opt its destinations into private space', async () => {
    const webhook = await call<{ error: { issues: { field: string }[] } }>('POST', '/api/v1/channels/webhooks', { url: `http://127.0.0.1:${target.port}/x`, allowPrivate: true });
    expect(webhook.status).toBe(400);
    expect(webhook.body.error.issues[0]?.field).toBe('allowPrivate');
    const segment = await call<{ error: { issues: { field: string }[] } }>('POST', '/api/v1/segments/static', {
      name: 'opt-in',
      destination: { url: `http://127.0.0.1:${target.port}/x`, allowPrivate: true },
    });
    expect(segment.status).toBe(400);
    expect(segment.body.error.issues[0]?.field).toBe('destination.allowPrivate');
  });

  // Literal addresses and localhost names are refused where a destination is created (400
  // naming the field); names are resolved and checked at every send (outbound-http.test.ts).
  const refusedAtCreation = /only the server operator can allow|is a loopback name/;

  it('channel webhooks: every address form is refused when the destination is added', async () => {
    for (const [label, url] of forms(target.port)) {
      const destination = await call<{ error: { message: string; issues: { field: string }[] } }>('POST', '/api/v1/channels/webhooks', { url });
      expect(destination.status, label).toBe(400);
      expect(destination.body.error.issues[0]?.field, label).toBe('url');
      expect(destination.body.error.message, label).toMatch(refusedAtCreation);
    }
    expect((await call<{ destinations: unknown[] }>('GET', '/api/v1/channels/webhooks')).body.destinations).toEqual([]);
    expect(target.hits).toEqual([]);
  });

  it('segment destinations: every address form is refused when the destination is set', async () => {
    for (const [label, url] of forms(target.port)) {
      const list = await call<{ error: { message: string; issues: { field: string }[] } }>('POST', '/api/v1/segments/static', { name: `list ${label}`, destination: { url } });
      expect(list.status, label).toBe(400);
      expect(list.body.error.issues[0]?.field, label).toBe('destination.url');
      expect(list.body.error.message, label).toMatch(refusedAtCreation);
    }
    expect(target.hits).toEqual([]);
  });

  it('journey webhook nodes: every address form is refused when the journey is saved or validated', async () => {
    for (const [label, url] of forms(target.port)) {
      const definition = {
        name: `hook ${label}`,
        trigger: { type: 'api' },
        start: 'hook',
        nodes: [
          { id: 'hook', type: 'webhook', url, next: 'end' },
          { id: 'end', type: 'exit' },
        ],
      };
      const created = await call<{ error: { message: string; issues: { field: string }[] } }>('POST', '/api/v1/journeys', definition);
      expect(created.status, label).toBe(400);
      expect(created.body.error.issues[0]?.field, label).toBe('nodes[0].url');
      expect(created.body.error.message, label).toMatch(refusedAtCreation);
    }
    expect(target.hits).toEqual([]);
  });

  it('web push subscriptions registered with the public write key: every address form is refused', async () => {
    const templateId = (await call<{ id: string }>('POST', '/api/v1/templates', { name: 'push', channel: 'push', source: { default: { title: 'Hi', body: 'x' } } })).body.id;
    const cases = forms(target.port);
    for (const index of cases.keys()) await call('POST', '/v1/track', { anonymousId: `visitor-${index}`, event: 'Page Viewed' }, { authorization: basicAuth(WRITE_KEY) });
    await rapport.processor.drain();
    for (const [index, [label, url]] of cases.entries()) {
      const endpoint = url.replace(/^http:/, 'https:');
      const registered = await call(
        'POST',
        '/v1/push/subscriptions',
        { anonymousId: `visitor-${index}`, subscription: { endpoint, keys: { p256dh: P256DH, auth: AUTH } } },
        { authorization: basicAuth(WRITE_KEY) },
      );
      expect(registered.status, label).toBe(201);
      await rapport.processor.drain();
      const visitor = await call<{ id: string }>('GET', `/api/v1/profiles/lookup?type=anonymous_id&value=visitor-${index}`);
      const sent = await call<{ status: string; reason: string }>('POST', '/api/v1/channels/send', { profileId: visitor.body.id, channel: 'push', templateId, idempotencyKey: `push-${index}` });
      expect(sent.body, label).toMatchObject({ status: 'failed', reason: expect.stringMatching(refusal) });
    }
    expect(target.hits).toEqual([]);
  });
});

describe.each(dialects)('SSRF: the operator allow list opens a range, redirects stay unfollowed (%s)', (dialect) => {
  let rapport: Rapport;
  let store: TestStore;
  let peer: Awaited<ReturnType<typeof trap>>;
  let outside: Awaited<ReturnType<typeof trap>>;
  let redirector: Awaited<ReturnType<typeof trap>>;
  let call: ReturnType<typeof client>;
  let profileId = '';

  beforeAll(async () => {
    peer = await trap();
    // 127.0.0.2 is loopback too, outside the allowed 127.0.0.1/32: a redirect there must not be followed.
    outside = await trap();
    redirector = await trap(`http://127.0.0.2:${outside.port}/stolen`);
    ({ rapport, store } = await startServer(dialect, { RAPPORT_OUTBOUND_ALLOW: '127.0.0.1/32' }));
    call = client(rapport);
    expect((await call('POST', '/v1/identify', { userId: 'bob', traits: { email: 'bob@example.com' } }, { authorization: basicAuth(WRITE_KEY) })).status).toBe(200);
    await rapport.processor.drain();
    profileId = (await call<{ id: string }>('GET', '/api/v1/profiles/lookup?type=user_id&value=bob')).body.id;
  });

  afterAll(async () => {
    await rapport?.close();
    await store?.drop();
    await Promise.all([peer?.close(), outside?.close(), redirector?.close()]);
  });

  it('lets every feature reach the allowed loopback peer, and nothing outside the range', async () => {
    const allowed = `http://127.0.0.1:${peer.port}`;
    const templateId = (await call<{ id: string }>('POST', '/api/v1/templates', { name: 'hook', channel: 'webhook', source: { default: { body: '{"a":1}' } } })).body.id;
    const destination = await call<{ id: string }>('POST', '/api/v1/channels/webhooks', { url: `${allowed}/webhook` });
    expect((await call('POST', '/api/v1/channels/send', { profileId, channel: 'webhook', templateId, idempotencyKey: 'ok-1', data: { destinationId: destination.body.id } })).body).toMatchObject({
      status: 'sent',
    });
    const list = await call<{ id: string }>('POST', '/api/v1/segments/static', { name: 'synced', destination: { url: `${allowed}/segment` } });
    await call('POST', `/api/v1/segments/${list.body.id}/members`, `profile_id\n${profileId}\n`);
    expect((await deliveryErrors(rapport, [list.body.id])).get(list.body.id)).toBe('delivered');
    const journeyId = await journeyThrough(call, [`${allowed}/journey`], profileId);
    const steps = await webhookSteps(rapport, journeyId, 1);
    expect(steps.map((step) => step.outcome.status)).toEqual(['sent']);
    // Loopback outside the allowed 127.0.0.1/32 is refused where it is saved.
    const beyond = `http://127.0.0.2:${outside.port}/x`;
    expect((await call('POST', '/api/v1/channels/webhooks', { url: beyond })).status).toBe(400);
    expect((await call('POST', '/api/v1/segments/static', { name: 'beyond', destination: { url: beyond } })).status).toBe(400);
    const outsideJourney = {
      name: 'beyond',
      trigger: { type: 'api' },
      start: 'hook',
      nodes: [
        { id: 'hook', type: 'webhook', url: beyond, next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    };
    expect((await call('POST', '/api/v1/journeys', outsideJourney)).status).toBe(400);
    // localhost is loopback: allowed by the same range.
    expect((await call('POST', '/api/v1/channels/webhooks', { url: `http://localhost:${peer.port}/x` })).status).toBe(201);
    await rapport.messaging.channels.registerPushSubscription('default', profileId, { endpoint: `${allowed}/push`, p256dh: P256DH, auth: AUTH });
    await rapport.messaging.consent.record('default', profileId, { channel: 'push', status: 'subscribed', source: 'test' });
    const pushTemplate = (await call<{ id: string }>('POST', '/api/v1/templates', { name: 'push', channel: 'push', source: { default: { title: 'Hi', body: 'x' } } })).body.id;
    expect((await call('POST', '/api/v1/channels/send', { profileId, channel: 'push', templateId: pushTemplate, idempotencyKey: 'ok-push' })).body).toMatchObject({ status: 'sent' });
    expect([...peer.hits].sort()).toEqual(['POST /journey', 'POST /push', 'POST /segment', 'POST /webhook']);
    expect(outside.hits).toEqual([]);
  });

  it('never follows a redirect into private space (webhook, segment sync, journey node)', async () => {
    const bounce = `http://127.0.0.1:${redirector.port}`;
    const templateId = (await call<{ id: string }>('POST', '/api/v1/templates', { name: 'hook 2', channel: 'webhook', source: { default: { body: '{"a":1}' } } })).body.id;
    const destination = await call<{ id: string }>('POST', '/api/v1/channels/webhooks', { url: `${bounce}/webhook` });
    expect((await call('POST', '/api/v1/channels/send', { profileId, channel: 'webhook', templateId, idempotencyKey: 'bounce-1', data: { destinationId: destination.body.id } })).body).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/302 \(redirects are not followed\)/),
    });
    const list = await call<{ id: string }>('POST', '/api/v1/segments/static', { name: 'bounced', destination: { url: `${bounce}/segment` } });
    await call('POST', `/api/v1/segments/${list.body.id}/members`, `profile_id\n${profileId}\n`);
    expect((await deliveryErrors(rapport, [list.body.id])).get(list.body.id)).toMatch(/302 \(redirects are not followed\)/);
    const journeyId = await journeyThrough(call, [`${bounce}/journey`], profileId);
    expect((await webhookSteps(rapport, journeyId, 1))[0]?.outcome).toMatchObject({ status: 'failed', detail: { httpStatus: 302 } });
    expect(redirector.hits.length).toBeGreaterThanOrEqual(3);
    expect(outside.hits).toEqual([]);
  });
});
