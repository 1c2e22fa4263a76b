import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { createTestStore, dialects, tempDir, type TestStore } from '../helpers/databases.js';
import { basicAuth, waitFor } from '../helpers/server.js';

/*
 * Every path that takes a name receives the names a plain object already answers to. Each is
 * either handled as an ordinary name (stored and read back) or refused with a 4xx that says
 * what to fix; never a 5xx. Afterwards another workspace's analytics still answer, also after
 * a restart: `{"event":"constructor"}` once broke the analytics replica for every workspace
 * until the event was gone (issue 12, item 2).
 */

const NAMES = ['constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty'] as const;
const ADMIN = 'ADM';
const VICTIM_KEY = 'WK_VICTIM';
const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();
const range = { from: '2024-04-01T00:00:00Z', to: '2024-06-01T00:00:00Z' };

interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
  /** Basic auth with the hostile workspace's write key instead of its admin token. */
  writeKey?: boolean;
}

/** One probe per path that takes a name: the field the name goes into, and the request. */
const probes: { field: string; call: (name: string) => Call }[] = [
  {
    field: 'event (track)',
    call: (name) => ({ method: 'POST', url: '/v1/track', writeKey: true, body: { userId: 'proto-user', event: name, properties: { [name]: 1, nested: { [name]: name } }, timestamp: at(1) } }),
  },
  {
    field: 'traits (identify)',
    call: (name) => ({
      method: 'POST',
      url: '/v1/identify',
      writeKey: true,
      body: { userId: 'proto-user', traits: { [name]: `trait-${name}`, gender: name, address: { [name]: 'x', city: 'Lyon' } }, timestamp: at(0) },
    }),
  },
  {
    field: 'page name',
    call: (name) => ({
      method: 'POST',
      url: '/v1/page',
      writeKey: true,
      body: { anonymousId: `anon-${name}`, name, properties: { [name]: name }, context: { traits: { [name]: 1 } }, timestamp: at(2) },
    }),
  },
  {
    field: 'userId',
    call: (name) => ({
      method: 'POST',
      url: '/v1/track',
      writeKey: true,
      body: { userId: name, event: 'Order Completed', properties: { order_id: name, revenue: 5, products: [{ product_id: name, category: name, price: 5 }] }, timestamp: at(3) },
    }),
  },
  { field: 'recommendations strategy', call: (name) => ({ method: 'GET', url: `/v1/recommendations?writeKey=PLACEHOLDER&strategy=${encodeURIComponent(name)}&userId=proto-user`, writeKey: true }) },
  { field: 'experiment keys (assign)', call: (name) => ({ method: 'POST', url: '/v1/experiments/assign', writeKey: true, body: { userId: 'proto-user', experiments: [name] } }) },
  { field: 'profile lookup type', call: (name) => ({ method: 'GET', url: `/api/v1/profiles/lookup?type=${encodeURIComponent(name)}&value=x` }) },
  { field: 'identity rule types', call: (name) => ({ method: 'PUT', url: '/api/v1/identity-rules', body: { types: { [name]: { maxPerProfile: 2 } }, externalIdTraits: { [name]: name } } }) },
  { field: 'segment name and trait key', call: (name) => ({ method: 'POST', url: '/api/v1/segments', body: { name, condition: { type: 'trait', key: name, op: 'equals', value: `trait-${name}` } } }) },
  {
    field: 'segment event and property',
    call: (name) => ({ method: 'POST', url: '/api/v1/segments/estimate', body: { condition: { type: 'event', event: name, where: [{ property: name, op: 'exists' }] } } }),
  },
  { field: 'segment score key', call: (name) => ({ method: 'POST', url: '/api/v1/segments/estimate', body: { condition: { type: 'score', key: name, op: 'exists' } } }) },
  {
    field: 'funnel steps and property',
    call: (name) => ({ method: 'POST', url: '/api/v1/analytics/funnels', body: { steps: [{ event: name, where: [{ property: name, op: 'exists' }] }, { event: name }], ...range } }),
  },
  { field: 'funnel breakdown', call: (name) => ({ method: 'POST', url: '/api/v1/analytics/funnels', body: { steps: [{ event: 'a' }, { event: 'b' }], breakdown: name, ...range } }) },
  { field: 'attribution by', call: (name) => ({ method: 'POST', url: '/api/v1/analytics/attribution', body: { by: name, ...range } }) },
  { field: 'recipe name', call: (name) => ({ method: 'POST', url: `/api/v1/journeys/recipes/${encodeURIComponent(name)}`, body: {} }) },
  { field: 'recipe roles', call: (name) => ({ method: 'POST', url: '/api/v1/journeys/recipes/abandoned-cart', body: { templates: { [name]: 'x' }, coupons: { [name]: 'y' } } }) },
  { field: 'template starter key', call: (name) => ({ method: 'POST', url: `/api/v1/templates/starters/${encodeURIComponent(name)}` }) },
  {
    field: 'template name and locale',
    call: (name) => ({
      method: 'POST',
      url: '/api/v1/templates',
      body: { name, channel: 'sms', source: { default: { body: `hi {{ profile.${name} }}` }, locales: { [name]: { body: `${name} {{ profile.${name} }}` } } } },
    }),
  },
  { field: 'recommendation rules strategy', call: (name) => ({ method: 'PUT', url: `/api/v1/recommendations/rules/${encodeURIComponent(name)}`, body: { excludeBrands: [name] } }) },
  { field: 'recommendations strategy (admin)', call: (name) => ({ method: 'GET', url: `/api/v1/recommendations?strategy=${encodeURIComponent(name)}&profileId=x` }) },
  {
    field: 'experiment key, variants and metric',
    call: (name) => ({
      method: 'POST',
      url: '/api/v1/experiments',
      body: {
        key: name,
        name,
        variants: [
          { key: name, weight: 0.5 },
          { key: 'control', weight: 0.5 },
        ],
        metrics: [{ id: name, name, kind: 'conversion', event: name }],
      },
    }),
  },
  {
    field: 'journey node ids and events',
    call: (name) => ({
      method: 'POST',
      url: '/api/v1/journeys',
      body: {
        name,
        trigger: { type: 'event', event: name },
        start: name,
        nodes: [
          { id: name, type: 'wait_event', event: name, timeout: { amount: 1, unit: 'days' }, next: 'end', onTimeout: 'end' },
          { id: 'end', type: 'exit' },
        ],
      },
    }),
  },
  {
    field: 'catalog product id and attributes',
    call: (name) => ({ method: 'POST', url: '/api/v1/catalog/products', body: { products: [{ id: name, name, price: 5, categories: [name], attributes: { [name]: name } }] } }),
  },
  { field: 'coupon pool name', call: (name) => ({ method: 'POST', url: '/api/v1/coupons/pools', body: { name, prefix: 'P-', rule: { kind: 'fixed', offer: { type: 'percent', value: 10 } } } }) },
  { field: 'suppression channel', call: (name) => ({ method: 'DELETE', url: `/api/v1/suppressions/${encodeURIComponent(name)}/a@b.example` }) },
  { field: 'cohorts table', call: (name) => ({ method: 'POST', url: `/api/v1/analytics/cohorts?format=csv&table=${encodeURIComponent(name)}`, body: {} }) },
];

describe.each(dialects)('prototype-named inputs (%s)', (dialect) => {
  let store: TestStore;
  let dir: string;
  let env: Record<string, string>;
  let rapport: Rapport;
  let hostileToken: string;
  let hostileKey: string;
  const victim = { authorization: `Bearer ${ADMIN}` };

  async function send(call: Call): Promise<{ status: number; body: string }> {
    const headers: Record<string, string> = call.writeKey === true ? { authorization: basicAuth(hostileKey) } : { authorization: `Bearer ${hostileToken}` };
    const url = call.url.replace('PLACEHOLDER', encodeURIComponent(hostileKey));
    const response = await rapport.app.inject({
      method: call.method,
      url,
      headers: call.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(call.body === undefined ? {} : { payload: JSON.stringify(call.body) }),
    });
    return { status: response.statusCode, body: response.body };
  }

  async function settle(): Promise<void> {
    await waitFor('the processor to catch up', async () => ((await rapport.processor.status()).lagEvents === 0 ? true : undefined), 20_000);
  }

  /** kpis, funnels and cohorts of the victim workspace answer 200 with its figures. */
  async function victimAnalyticsAnswer(): Promise<void> {
    const kpis = await rapport.app.inject({ method: 'GET', url: `/api/v1/analytics/kpis?from=${range.from}&to=${range.to}`, headers: victim });
    expect(kpis.statusCode, kpis.body).toBe(200);
    const funnel = await rapport.app.inject({
      method: 'POST',
      url: '/api/v1/analytics/funnels',
      headers: victim,
      payload: { steps: [{ event: 'Product Viewed' }, { event: 'Order Completed' }], ...range },
    });
    expect(funnel.statusCode, funnel.body).toBe(200);
    expect(funnel.json().steps.map((step: { profiles: number }) => step.profiles)).toEqual([1, 1]);
    const cohorts = await rapport.app.inject({ method: 'POST', url: '/api/v1/analytics/cohorts', headers: victim, payload: {} });
    expect(cohorts.statusCode, cohorts.body).toBe(200);
    expect(cohorts.json().cohorts).toHaveLength(1);
  }

  beforeAll(async () => {
    store = await createTestStore(dialect);
    dir = dialect === 'sqlite' ? store.dataDir : tempDir();
    env = {
      RAPPORT_DATA_DIR: dir,
      RAPPORT_BOOTSTRAP_WRITE_KEY: VICTIM_KEY,
      RAPPORT_BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      RAPPORT_LOG_LEVEL: 'silent',
      RAPPORT_JOURNEY_DELIVERY: 'record',
      RAPPORT_ANALYTICS_SYNC_MS: '0',
    };
    if (store.databaseUrl !== undefined) env.RAPPORT_DATABASE_URL = store.databaseUrl;
    rapport = await createRapport(loadConfig(env));
    const batch = [
      { type: 'track', userId: 'v1', event: 'Product Viewed', properties: { product_id: 'p1' }, timestamp: at(0) },
      { type: 'track', userId: 'v1', event: 'Order Completed', properties: { order_id: 'o1', revenue: 50 }, timestamp: at(5) },
    ];
    expect((await rapport.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(VICTIM_KEY) }, payload: { batch } })).statusCode).toBe(200);
    const created = await rapport.app.inject({ method: 'POST', url: '/api/v1/workspaces', headers: victim, payload: { id: 'hostile', name: 'Hostile' } });
    expect(created.statusCode, created.body).toBe(201);
    hostileToken = created.json().adminToken.secret;
    hostileKey = created.json().writeKey.key ?? created.json().writeKey.secret;
    expect(typeof hostileKey).toBe('string');
    await settle();
    await victimAnalyticsAnswer();
  });

  afterAll(async () => {
    await rapport.close();
    await store.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('accepts each name as an ordinary name or refuses it with a 4xx that says what to fix, never a 5xx', async () => {
    const problems: string[] = [];
    for (const probe of probes) {
      for (const name of NAMES) {
        const response = await send(probe.call(name));
        const where = `${probe.field} = ${JSON.stringify(name)}`;
        if (response.status >= 500) problems.push(`${where}: ${response.status} ${response.body.slice(0, 300)}`);
        else if (response.status >= 400) {
          const message: unknown = JSON.parse(response.body).error?.message;
          if (typeof message !== 'string' || message.length < 10) problems.push(`${where}: ${response.status} without a message saying what to fix: ${response.body.slice(0, 300)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('applies events under identity rules that name an identifier type `constructor`', async () => {
    // The probes above change the rules while the processor may still be reading their events:
    // an event applied while `constructor` was an external id type once failed on a profile's
    // ids answering `ids.constructor` with Object's, and was set aside. Here it is on purpose.
    const rules = await send({ method: 'PUT', url: '/api/v1/identity-rules', body: { types: { constructor: { maxPerProfile: 2 } }, externalIdTraits: { constructor: 'constructor' } } });
    expect(rules.status, rules.body).toBe(200);
    expect(
      (await send({ method: 'POST', url: '/v1/page', writeKey: true, body: { anonymousId: 'rules-anon', name: 'Rules Page', context: { traits: { constructor: 1 } }, timestamp: at(4) } })).status,
    ).toBe(200);
    const identify = { method: 'POST', url: '/v1/identify', writeKey: true, body: { userId: 'rules-user', anonymousId: 'rules-anon', traits: { constructor: 'c-1' }, timestamp: at(5) } } as const;
    expect((await send(identify)).status).toBe(200);
    await settle();
    const found = await send({ method: 'GET', url: '/api/v1/profiles/lookup?type=constructor&value=c-1' });
    expect(found.status, found.body).toBe(200);
    const rejected = JSON.parse((await send({ method: 'GET', url: '/api/v1/events/rejected' })).body) as { rejected: unknown[] };
    expect(rejected.rejected).toEqual([]);
  });

  it('stores prototype-named events, traits and properties and reads them back', async () => {
    await settle();
    const found = await send({ method: 'GET', url: '/api/v1/profiles/lookup?type=user_id&value=proto-user' });
    expect(found.status, found.body).toBe(200);
    const profile = JSON.parse((await send({ method: 'GET', url: `/api/v1/profiles/${JSON.parse(found.body).id}` })).body) as { traits: Record<string, unknown> };
    for (const name of NAMES) expect(Object.hasOwn(profile.traits, name) ? profile.traits[name] : undefined, name).toBe(`trait-${name}`);
    const funnel = await send({
      method: 'POST',
      url: '/api/v1/analytics/funnels',
      body: { steps: NAMES.map((name) => ({ event: name, where: [{ property: name, op: 'exists' }] })), ...range, order: 'any' },
    });
    expect(funnel.status, funnel.body).toBe(200);
    expect(JSON.parse(funnel.body).steps.map((step: { profiles: number }) => step.profiles)).toEqual(NAMES.map(() => 1));
    const segments = JSON.parse((await send({ method: 'GET', url: '/api/v1/segments' })).body) as { segments: { name: string }[] };
    expect(segments.segments.map((segment) => segment.name).sort()).toEqual([...NAMES].sort());
    // A name nobody has is matched by nobody: conditions read own keys, not Object.prototype's.
    const estimate = async (condition: unknown): Promise<number> => JSON.parse((await send({ method: 'POST', url: '/api/v1/segments/estimate', body: { condition } })).body).size;
    expect(await estimate({ type: 'trait', key: 'hasOwnProperty', op: 'equals', value: 'trait-hasOwnProperty' })).toBe(1);
    expect(await estimate({ type: 'trait', key: 'valueOf', op: 'exists' })).toBe(0);
    expect(await estimate({ type: 'trait', key: 'address.valueOf', op: 'exists' })).toBe(0);
    expect(await estimate({ type: 'event', event: 'Order Completed', where: [{ property: 'valueOf', op: 'exists' }] })).toBe(0);
    expect(await estimate({ type: 'event', event: 'Order Completed', where: [{ property: 'order_id', op: 'exists' }] })).toBe(NAMES.length);
    const templates = JSON.parse((await send({ method: 'GET', url: '/api/v1/templates' })).body) as { templates: { id: string; name: string }[] };
    expect(templates.templates.map((template) => template.name).sort()).toEqual([...NAMES].sort());
    for (const template of templates.templates) {
      const stored = JSON.parse((await send({ method: 'GET', url: `/api/v1/templates/${template.id}` })).body) as { source: { locales: Record<string, { body: string }> } };
      expect(Object.keys(stored.source.locales), template.name).toEqual([template.name]);
      const preview = await send({ method: 'POST', url: `/api/v1/templates/${template.id}/preview`, body: { locale: template.name } });
      expect(preview.status, preview.body).toBeLessThan(500);
    }
    const rejected = JSON.parse((await send({ method: 'GET', url: '/api/v1/events/rejected' })).body) as { rejected: { code: string; message: string }[] };
    expect(rejected.rejected).toEqual([]);
  });

  it("leaves every other workspace's analytics answering, also after a restart", async () => {
    await victimAnalyticsAnswer();
    const hostileKpis = await send({ method: 'GET', url: `/api/v1/analytics/kpis?from=${range.from}&to=${range.to}` });
    expect(hostileKpis.status, hostileKpis.body).toBe(200);
    await rapport.close();
    rapport = await createRapport(loadConfig(env));
    await victimAnalyticsAnswer();
    const rebuilt = await rapport.app.inject({ method: 'POST', url: '/api/v1/analytics/rebuild', headers: victim });
    expect(rebuilt.statusCode, rebuilt.body).toBeLessThan(300);
    await victimAnalyticsAnswer();
  });
});
