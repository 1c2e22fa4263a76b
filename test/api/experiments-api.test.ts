import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/shared/clock.js';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { createTestStore, dialects, type TestStore } from '../helpers/databases.js';

const HOUR = 3600_000;
const start = Date.UTC(2026, 10, 2, 9);
const admin = { authorization: 'Bearer ADM' };
const basic = { authorization: `Basic ${Buffer.from('WK:').toString('base64')}` };

const definition = {
  key: 'side-coupon',
  name: 'Side coupon',
  variants: [
    { key: 'control', weight: 0.5 },
    { key: 'coupon', weight: 0.5 },
  ],
  metrics: [{ id: 'purchase', name: 'Purchase rate', kind: 'conversion', event: 'Order Completed' }],
  analysis: { method: 'sequential', minUnitsPerVariant: 10 },
};

describe.each(dialects)('experiments API (%s)', (dialect) => {
  let store: TestStore;
  let rapport: Rapport;
  const clock = manualClock(start);

  beforeAll(async () => {
    store = await createTestStore(dialect);
    const env: Record<string, string> = { RAPPORT_DATA_DIR: store.dataDir, RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK', RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM', RAPPORT_LOG_LEVEL: 'silent' };
    if (store.databaseUrl !== undefined) env.RAPPORT_DATABASE_URL = store.databaseUrl;
    rapport = await createRapport(loadConfig(env, { processor: 'off' }), { clock, logger: false });
  });
  afterAll(async () => {
    await rapport.close();
    await store.drop();
  });

  it('creates, starts, assigns over the write key, and reports results', async () => {
    const bad = await rapport.app.inject({
      method: 'POST',
      url: '/api/v1/experiments',
      headers: admin,
      payload: {
        ...definition,
        variants: [
          { key: 'a', weight: 0.7 },
          { key: 'b', weight: 0.7 },
        ],
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/weights must sum to 1/);

    const created = await rapport.app.inject({ method: 'POST', url: '/api/v1/experiments', headers: admin, payload: definition });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ key: 'side-coupon', status: 'draft', definition: { analysis: { method: 'sequential', alpha: 0.05 } } });
    const started = await rapport.app.inject({ method: 'POST', url: '/api/v1/experiments/side-coupon/start', headers: admin });
    expect(started.json().status).toBe('running');

    const unauthorized = await rapport.app.inject({ method: 'POST', url: '/v1/experiments/assign', payload: { anonymousId: 'x' } });
    expect(unauthorized.statusCode).toBe(401);
    const variants = new Map<string, string>();
    for (let i = 0; i < 60; i++) {
      const response = await rapport.app.inject({ method: 'POST', url: '/v1/experiments/assign', headers: { ...basic, origin: 'https://shop.example' }, payload: { anonymousId: `v-${i}` } });
      expect(response.statusCode).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBe('https://shop.example');
      const [assignment] = response.json().assignments;
      variants.set(`v-${i}`, assignment.variant);
    }
    const preview = await rapport.app.inject({ method: 'POST', url: '/api/v1/experiments/assign', headers: admin, payload: { anonymousId: 'v-3' } });
    expect(preview.json().assignments[0]).toMatchObject({ variant: variants.get('v-3'), reason: 'sticky' });

    const orders = [...variants].filter(([, variant], index) => (variant === 'coupon' ? index % 2 === 0 : index % 6 === 0));
    const ingest = await rapport.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: basic,
      payload: {
        batch: orders.map(([unit]) => ({
          type: 'track',
          event: 'Order Completed',
          anonymousId: unit,
          messageId: `o-${unit}`,
          timestamp: new Date(start + HOUR).toISOString(),
          properties: { revenue: 50 },
        })),
      },
    });
    expect(ingest.statusCode).toBe(200);
    clock.advance(2 * HOUR);

    const results = await rapport.app.inject({ method: 'GET', url: '/api/v1/experiments/side-coupon/results', headers: admin });
    expect(results.statusCode).toBe(200);
    const body = results.json();
    expect(body.units.reduce((sum: number, entry: { units: number }) => sum + entry.units, 0)).toBe(60);
    expect(body.metrics[0].variants[1].comparison).toMatchObject({ ok: true });
    expect(typeof body.verdict.text).toBe('string');
    expect(body.warnings.some((warning: { code: string }) => warning.code === 'underpowered')).toBe(true);

    const power = await rapport.app.inject({ method: 'POST', url: '/api/v1/experiments/power', headers: admin, payload: { baseline: 0.05, relativeEffect: 0.2, unitsPerVariant: 10000 } });
    expect(power.json()).toMatchObject({ unitsPerVariant: 7457 });
    expect(power.json().power).toBeGreaterThan(0.8);

    const promoted = await rapport.app.inject({ method: 'POST', url: '/api/v1/experiments/side-coupon/promote', headers: admin, payload: { variant: 'nope' } });
    expect(promoted.statusCode).toBe(400);
    expect(promoted.json().error.message).toMatch(/unknown variant "nope"/);
    const openapi = await rapport.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(Object.keys(openapi.json().paths)).toEqual(expect.arrayContaining(['/api/v1/experiments', '/api/v1/experiments/{id}/results', '/v1/experiments/assign']));
  });
});
