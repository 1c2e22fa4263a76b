import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { createTestStore, dialects, tempDir, type TestStore } from '../helpers/databases.js';
import { basicAuth, waitFor } from '../helpers/server.js';

/*
 * Tenant isolation across every admin route, generated from the route table (the OpenAPI
 * document lists every route with a schema, and every admin route has one): workspace A owns
 * one of everything, then workspace B's token calls every route with A's ids in the path. A
 * route added later is called too, and fails this test until it has an id to try (below) or a
 * reason in the allow-list.
 */

/** Text in every resource of A: no answer to B may contain it. */
const MARK = 'alphasecret';
const ADMIN = 'ADM';
const WRITE_KEY = 'WK_ALPHA';

/**
 * Routes whose path parameter is not a workspace's resource id, with the reason; B may get 2xx
 * there, but never A's data and never a 5xx.
 */
const workspaceIndependent: Readonly<Record<string, string>> = {
  'POST /api/v1/journeys/recipes/{name}': "recipe names are built into Rapport; installing creates the caller's own journey",
  'POST /api/v1/templates/starters/{key}': "starter keys are built into Rapport; installing creates the caller's own template",
  'PUT /api/v1/recommendations/rules/{strategy}': "strategy names are built into Rapport; the rules written are the caller's own",
  'DELETE /api/v1/recommendations/rules/{strategy}': "strategy names are built into Rapport; the rules removed are the caller's own",
  'GET /api/v1/catalog/products/{id}': "product ids are the shop's own keys: B may hold a product with the same id (created by the PUT below)",
  'PUT /api/v1/catalog/products/{id}': "product ids are the shop's own keys: the PUT upserts B's own product",
  'DELETE /api/v1/catalog/products/{id}': "product ids are the shop's own keys: B removes its own product of that id",
  'POST /api/v1/invitations/{token}/accept': 'the invitation token is the credential (no admin token is read); an unknown one is refused alike for everyone',
  'GET /api/v1/coupons/codes/{code}': "a code check: any code not issued in the caller's workspace answers valid: false, reason: unknown, as a mistyped code does",
};

interface Owned {
  profileId: string;
  segmentId: string;
  journeyId: string;
  templateId: string;
  experimentId: string;
  poolId: string;
  campaignId: string;
  code: string;
  webhookId: string;
  reportId: string;
  writeKeyId: string;
  tokenId: string;
  exportJobId: string;
  trainingId: string;
  messageId: string;
  /** The owner created on first start (a user of A). */
  userId: string;
}

describe.each(dialects)('tenant isolation over every admin route (%s)', (dialect) => {
  let store: TestStore;
  let rapport: Rapport;
  let dir: string;
  let tokenB: string;
  let owned: Owned;
  const asA = { authorization: `Bearer ${ADMIN}` };

  async function call(method: string, url: string, headers: Record<string, string>, payload?: unknown): Promise<{ status: number; body: string }> {
    const response = await rapport.app.inject({
      method: method as 'GET',
      url,
      headers,
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload), headers: { ...headers, 'content-type': 'application/json' } }),
    });
    return { status: response.statusCode, body: response.body };
  }

  async function created(url: string, payload?: unknown): Promise<{ id: string } & Record<string, unknown>> {
    const response = await call('POST', url, asA, payload);
    expect(response.status, `${url}: ${response.body}`).toBeLessThan(300);
    return response.body === '' ? { id: '' } : JSON.parse(response.body);
  }

  beforeAll(async () => {
    store = await createTestStore(dialect);
    dir = dialect === 'sqlite' ? store.dataDir : tempDir();
    const env: Record<string, string> = {
      RAPPORT_DATA_DIR: dir,
      RAPPORT_BOOTSTRAP_WRITE_KEY: WRITE_KEY,
      RAPPORT_BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      RAPPORT_LOG_LEVEL: 'silent',
      RAPPORT_JOURNEY_DELIVERY: 'record',
      RAPPORT_ANALYTICS_SYNC_MS: '0',
    };
    if (store.databaseUrl !== undefined) env.RAPPORT_DATABASE_URL = store.databaseUrl;
    rapport = await createRapport(loadConfig(env));

    const batch = [
      { type: 'identify', userId: 'alpha-user', traits: { email: `${MARK}@shop.example`, firstName: MARK } },
      { type: 'track', userId: 'alpha-user', event: 'Order Completed', properties: { order_id: `${MARK}-o1`, revenue: 10, products: [{ product_id: 'alpha-prod', price: 10 }] } },
    ];
    const ingest = await rapport.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(WRITE_KEY) }, payload: { batch } });
    expect(ingest.statusCode).toBe(200);
    const profileId = await waitFor('alpha profile', async () => {
      const found = await call('GET', '/api/v1/profiles/lookup?type=user_id&value=alpha-user', asA);
      return found.status === 200 ? String(JSON.parse(found.body).id) : undefined;
    });
    await call('POST', '/api/v1/catalog/products', asA, { products: [{ id: 'alpha-prod', name: MARK, price: 10 }] });
    const segment = await created('/api/v1/segments', { name: MARK, condition: { type: 'trait', key: 'firstName', op: 'equals', value: MARK } });
    const journey = await created('/api/v1/journeys', {
      name: MARK,
      trigger: { type: 'api' },
      start: 'wait',
      nodes: [
        { id: 'wait', type: 'wait', duration: { amount: 1, unit: 'hours' }, next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    const template = await created('/api/v1/templates', { name: MARK, channel: 'sms', publish: true, source: { default: { body: `${MARK} {{ profile.first_name }}` } } });
    const experiment = await created('/api/v1/experiments', {
      key: MARK,
      name: MARK,
      variants: [
        { key: 'control', weight: 0.5 },
        { key: 'b', weight: 0.5 },
      ],
      metrics: [{ id: 'purchase', name: MARK, kind: 'conversion', event: 'Order Completed' }],
    });
    const pool = await created('/api/v1/coupons/pools', { name: MARK, prefix: 'ALPHA-', rule: { kind: 'fixed', offer: { type: 'percent', value: 15 } } });
    await created(`/api/v1/coupons/pools/${pool.id}/codes`, { codes: ['ALPHASECRET1', 'ALPHASECRET2'] });
    const issued = await created(`/api/v1/coupons/pools/${pool.id}/issue`, { profileId });
    const webhook = await created('/api/v1/channels/webhooks', { url: `https://${MARK}.example/hook` });
    const report = await created('/api/v1/analytics/reports', { frequency: 'weekly', recipients: [`${MARK}@shop.example`] });
    const writeKey = await created('/api/v1/write-keys', { name: MARK });
    const token = await created('/api/v1/admin-tokens', { name: MARK });
    const exportJob = await created('/api/v1/privacy/exports', { profileId });
    const training = await created('/api/v1/recommendations/trainings');
    const message = await created('/api/v1/channels/send', { profileId, channel: 'sms', templateId: template.id, idempotencyKey: `${MARK}-1` });
    await created('/api/v1/suppressions', { channel: 'email', address: `${MARK}@shop.example`, reason: 'manual' });
    const campaign = await created('/api/v1/onsite/campaigns', {
      name: MARK,
      type: 'side_coupon',
      triggers: [],
      audience: [{ type: 'segment', allow: [segment.id] }],
      caps: { frequency: 'session' },
      holdout: 0.1,
      defaultLocale: 'en',
      variants: [{ key: 'a', weight: 1, content: { en: { headline: MARK, coupon: { pool: pool.id } } } }],
    });
    await created(`/api/v1/onsite/campaigns/${campaign.id}/activate`);
    await created('/api/v1/users', { email: `${MARK}-analyst@shop.example`, role: 'analyst' });
    const users = JSON.parse((await call('GET', '/api/v1/users', asA)).body) as { users: Array<{ id: string }> };
    owned = {
      profileId,
      segmentId: segment.id,
      journeyId: journey.id,
      templateId: template.id,
      experimentId: experiment.id,
      poolId: pool.id,
      campaignId: campaign.id,
      code: String(issued.code),
      webhookId: webhook.id,
      reportId: report.id,
      writeKeyId: String(writeKey.id),
      tokenId: String((token.token as { id: string }).id),
      exportJobId: String((exportJob as { id?: string; job?: { id: string } }).id ?? (exportJob as { job?: { id: string } }).job?.id),
      trainingId: String(training.id),
      messageId: String((message as { messageId?: string; id?: string }).messageId ?? message.id),
      userId: String(users.users[0]?.id),
    };

    const b = await call('POST', '/api/v1/workspaces', asA, { id: 'bravo', name: 'Bravo' });
    expect(b.status, b.body).toBe(201);
    tokenB = String(JSON.parse(b.body).adminToken.secret);
  });

  afterAll(async () => {
    await rapport.close();
    await store.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A's id for each path parameter, chosen by the route's path. */
  function paramValue(path: string, name: string): string | undefined {
    const byPrefix: [string, string][] = [
      ['/api/v1/write-keys/', owned.writeKeyId],
      ['/api/v1/admin-tokens/', owned.tokenId],
      ['/api/v1/catalog/products/', 'alpha-prod'],
      ['/api/v1/profiles/', owned.profileId],
      ['/api/v1/journeys/', owned.journeyId],
      ['/api/v1/analytics/reports/', owned.reportId],
      ['/api/v1/segments/', owned.segmentId],
      ['/api/v1/recommendations/trainings/', owned.trainingId],
      ['/api/v1/experiments/', owned.experimentId],
      ['/api/v1/predictive/reports/', 'pred_alpha'],
      ['/api/v1/messages/', owned.messageId],
      ['/api/v1/outbox/', owned.messageId],
      ['/api/v1/channels/webhooks/', owned.webhookId],
      ['/api/v1/templates/', owned.templateId],
      ['/api/v1/coupons/pools/', owned.poolId],
      ['/api/v1/onsite/campaigns/', owned.campaignId],
      ['/api/v1/privacy/jobs/', owned.exportJobId],
      ['/api/v1/imports/', 'imp_alpha'],
      ['/api/v1/users/', owned.userId],
    ];
    switch (name) {
      case 'profileId':
        return owned.profileId;
      case 'version':
        return '1';
      case 'code':
        return owned.code;
      case 'channel':
        return 'email';
      case 'address':
        return encodeURIComponent(`${MARK}@shop.example`);
      case 'strategy':
        return 'also-bought';
      case 'name':
        return 'abandoned-cart';
      case 'key':
        return 'welcome';
      case 'token':
        return 'inv_never_issued';
      case 'id':
        return byPrefix.find(([prefix]) => path.startsWith(prefix))?.[1];
      default:
        return undefined;
    }
  }

  /** Bodies that name A's resources, for routes that take ids in the body. */
  function bodyFor(route: string): unknown {
    const bodies: Record<string, unknown> = {
      'POST /api/v1/channels/send': { profileId: owned.profileId, channel: 'sms', templateId: owned.templateId, idempotencyKey: 'b-1' },
      'POST /api/v1/privacy/erasures': { profileId: owned.profileId, reason: 'tenant test' },
      'POST /api/v1/privacy/exports': { profileId: owned.profileId },
      'POST /api/v1/segments/estimate': { condition: { type: 'segment', segmentId: owned.segmentId } },
      'POST /api/v1/segments': { name: 'b', condition: { type: 'segment', segmentId: owned.segmentId } },
      'POST /api/v1/analytics/funnels': {
        steps: [{ event: 'Order Completed' }, { event: 'Order Completed' }],
        from: '2000-01-01T00:00:00Z',
        to: '2100-01-01T00:00:00Z',
        breakdown: 'segment',
        segmentIds: [owned.segmentId],
      },
      'POST /api/v1/profiles/{id}/consent': { channel: 'email', status: 'unsubscribed' },
      'POST /api/v1/journeys/{id}/enter': { profileId: owned.profileId },
      'POST /api/v1/templates/{id}/preview': { profileId: owned.profileId },
      'POST /api/v1/coupons/pools/{id}/issue': { profileId: owned.profileId },
      'POST /api/v1/coupons/pools/{id}/codes': { codes: ['BRAVO1'] },
      'POST /api/v1/coupons/pools/{id}/generate': { count: 1 },
      'POST /api/v1/segments/{id}/members': { add: [owned.profileId] },
      'PATCH /api/v1/segments/{id}': { name: 'renamed by b' },
      'PUT /api/v1/journeys/{id}': { name: 'b', trigger: { type: 'api' }, start: 'end', nodes: [{ id: 'end', type: 'exit' }] },
      'PUT /api/v1/experiments/{id}': {
        key: MARK,
        name: 'b',
        variants: [
          { key: 'control', weight: 0.5 },
          { key: 'b', weight: 0.5 },
        ],
        metrics: [{ id: 'purchase', name: 'p', kind: 'conversion', event: 'Order Completed' }],
      },
      'PUT /api/v1/templates/{id}': { name: 'b', channel: 'sms', source: { default: { body: 'b' } } },
      'PUT /api/v1/catalog/products/{id}': { name: 'bravo product', price: 1 },
    };
    return Object.hasOwn(bodies, route) ? bodies[route] : ['POST', 'PUT', 'PATCH'].includes(route.split(' ')[0] ?? '') ? {} : undefined;
  }

  it("answers B's token on every route with 4xx for A's ids, never A's data, never a 5xx", async () => {
    const document = JSON.parse((await call('GET', '/api/v1/openapi.json', {})).body) as { paths: Record<string, Record<string, unknown>> };
    const asB = { authorization: `Bearer ${tokenB}` };
    const routes = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/api/v1/') && path !== '/api/v1/openapi.json')
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })))
      // Deletions last, so every other route still meets A's resources.
      .sort((x, y) => Number(x.method === 'DELETE') - Number(y.method === 'DELETE'));
    expect(routes.length).toBeGreaterThan(90);
    const problems: string[] = [];
    for (const { method, path } of routes) {
      const route = `${method} ${path}`;
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '');
      const values = names.map((name) => paramValue(path, name));
      if (values.some((value) => value === undefined)) {
        problems.push(`${route}: no id of workspace A known for its path parameters; add one to paramValue()`);
        continue;
      }
      let index = 0;
      const url = path.replace(/\{\w+\}/g, () => values[index++] ?? '');
      const response = await call(method, url, asB, bodyFor(route));
      if (response.status >= 500) problems.push(`${route}: ${response.status} ${response.body.slice(0, 200)}`);
      if (response.body.toLowerCase().includes(MARK)) problems.push(`${route}: answered B with A's data: ${response.body.slice(0, 200)}`);
      const reachesA = names.length > 0 && !Object.hasOwn(workspaceIndependent, route);
      if (reachesA && ![400, 403, 404].includes(response.status)) problems.push(`${route}: ${response.status} for A's ids (want 404, 403 or 400): ${response.body.slice(0, 200)}`);
    }
    expect(problems).toEqual([]);
  });

  it('leaves every resource of A as it was', async () => {
    const reads: [string, string][] = [
      [`/api/v1/profiles/${owned.profileId}`, MARK],
      [`/api/v1/segments/${owned.segmentId}`, MARK],
      [`/api/v1/journeys/${owned.journeyId}`, MARK],
      [`/api/v1/templates/${owned.templateId}`, MARK],
      [`/api/v1/experiments/${owned.experimentId}`, MARK],
      [`/api/v1/coupons/pools/${owned.poolId}`, MARK],
      [`/api/v1/onsite/campaigns/${owned.campaignId}`, MARK],
      ['/api/v1/catalog/products/alpha-prod', MARK],
      ['/api/v1/channels/webhooks', MARK],
      ['/api/v1/analytics/reports', MARK],
      ['/api/v1/write-keys', MARK],
      ['/api/v1/admin-tokens', MARK],
      ['/api/v1/suppressions', MARK],
    ];
    for (const [url, expected] of reads) {
      const response = await call('GET', url, asA);
      expect(response.status, `${url}: ${response.body}`).toBe(200);
      expect(response.body.toLowerCase(), url).toContain(expected);
    }
    const segment = JSON.parse((await call('GET', `/api/v1/segments/${owned.segmentId}`, asA)).body) as { name: string };
    expect(segment.name).toBe(MARK);
    const write = await call('POST', '/v1/track', { authorization: basicAuth(WRITE_KEY), 'content-type': 'application/json' }, { userId: 'alpha-user', event: 'Still Here' });
    expect(write.status).toBe(200);
  });
});
