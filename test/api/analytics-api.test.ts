import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { tempDir } from '../helpers/databases.js';

const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();
const steps = [{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Order Completed' }];

describe('analytics API', () => {
  let rapport: Rapport;
  let dir: string;
  const admin = { authorization: 'Bearer ADM' };

  beforeAll(async () => {
    dir = tempDir();
    rapport = await createRapport(
      loadConfig({ RAPPORT_DATA_DIR: dir, RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK', RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM', RAPPORT_LOG_LEVEL: 'silent', RAPPORT_ANALYTICS_SYNC_MS: '0' }),
    );
    const batch = [
      { type: 'track', userId: 'u1', event: 'Product Viewed', properties: { product_id: 'p1' }, timestamp: at(0) },
      { type: 'track', userId: 'u1', event: 'Product Added', properties: { product_id: 'p1' }, timestamp: at(2) },
      { type: 'track', userId: 'u1', event: 'Order Completed', properties: { order_id: 'o1', revenue: 150 }, timestamp: at(5) },
      { type: 'track', userId: 'u2', event: 'Product Viewed', properties: { product_id: 'p2' }, timestamp: at(1) },
    ];
    const response = await rapport.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: `Basic ${Buffer.from('WK:').toString('base64')}` }, payload: { batch } });
    expect(response.statusCode).toBe(200);
    await rapport.processor.drain();
  });
  afterAll(async () => {
    await rapport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers a funnel as JSON and as CSV', async () => {
    const body = { steps, from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' };
    const json = await rapport.app.inject({ method: 'POST', url: '/api/v1/analytics/funnels', headers: admin, payload: body });
    expect(json.statusCode).toBe(200);
    expect(json.json().steps.map((step: { profiles: number }) => step.profiles)).toEqual([2, 1, 1]);
    const csv = await rapport.app.inject({ method: 'POST', url: '/api/v1/analytics/funnels?format=csv', headers: admin, payload: body });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\r\n').slice(0, 2)).toEqual(['breakdown,step,label,profiles,conversion_from_previous,conversion_from_first,drop_off,median_seconds', 'all,1,Product Viewed,2,,,0,']);
  });

  it('rejects bad parameters with a message that says what to fix', async () => {
    const oneStep = await rapport.app.inject({
      method: 'POST',
      url: '/api/v1/analytics/funnels',
      headers: admin,
      payload: { steps: [{ event: 'x' }], from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' },
    });
    expect(oneStep.statusCode).toBe(400);
    const backwards = await rapport.app.inject({ method: 'POST', url: '/api/v1/analytics/funnels', headers: admin, payload: { steps, from: '2024-05-02T00:00:00Z', to: '2024-05-01T00:00:00Z' } });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.message).toContain('must be before');
    const table = await rapport.app.inject({ method: 'POST', url: '/api/v1/analytics/cohorts?format=csv&table=nope', headers: admin, payload: {} });
    expect(table.statusCode).toBe(400);
    expect(table.json().error.message).toContain('cohorts, cohort_periods');
    // A property is a name with dotted parts, never JSON path syntax: `$..a` was answered 500.
    for (const property of ['$..a', 'a.', '.a', 'a..b']) {
      const path = await rapport.app.inject({
        method: 'POST',
        url: '/api/v1/analytics/funnels',
        headers: admin,
        payload: { steps: [{ event: 'Product Viewed', where: [{ property, op: 'exists' }] }, { event: 'Order Completed' }], from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' },
      });
      expect(path.statusCode, property).toBe(400);
      expect(path.json().error.message).toContain('property');
    }
    const odd = await rapport.app.inject({
      method: 'POST',
      url: '/api/v1/analytics/funnels',
      headers: admin,
      payload: { steps: [{ event: 'Product Viewed', where: [{ property: '$price', op: 'exists' }] }, { event: 'Order Completed' }], from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' },
    });
    expect(odd.statusCode).toBe(200);
  });

  it('filters funnel steps by event properties, refusing hostile names and operands by their field', async () => {
    const funnel = async (where: unknown[]) => {
      const payload = { steps: [{ event: 'Product Viewed' }, { event: 'Order Completed', where }], from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' };
      const response = await rapport.app.inject({ method: 'POST', url: '/api/v1/analytics/funnels', headers: admin, payload });
      return { status: response.statusCode, body: response.json() };
    };
    const profilesAtTheEnd = async (where: unknown[]) => (await funnel(where)).body.steps[1]?.profiles;
    expect(await profilesAtTheEnd([{ property: 'revenue', op: 'gt', value: 50 }])).toBe(1);
    expect(await profilesAtTheEnd([{ property: 'revenue', op: 'gt', value: 150 }])).toBe(0);
    expect(await profilesAtTheEnd([{ property: 'order_id', op: 'in', values: ['o1', 'o2'] }])).toBe(1);
    // __proto__ is one more property name, looked up as data (absent here), never a prototype.
    expect(await funnel([{ property: '__proto__', op: 'exists' }])).toMatchObject({ status: 200, body: { steps: [{ profiles: 2 }, { profiles: 0 }] } });
    expect(await profilesAtTheEnd([{ property: '__proto__.polluted', op: 'not_exists' }])).toBe(1);
    const refusals: [unknown, string][] = [
      [{ property: `a"b`, op: 'exists' }, 'body.steps.1.where.0.property'],
      [{ property: "o'; drop table events; --", op: 'exists' }, 'body.steps.1.where.0.property'],
      [{ property: 'x'.repeat(101), op: 'exists' }, 'body.steps.1.where.0.property'],
      [{ property: 'revenue', op: 'equals', value: 'x'.repeat(1001) }, 'body.steps.1.where.0.value'],
      [{ property: 'revenue', op: 'in', values: Array.from({ length: 101 }, (_, index) => index) }, 'body.steps.1.where.0.values'],
      [{ property: 'revenue', op: 'matches', value: 1 }, 'body.steps.1.where.0.op'],
      [{ property: 'revenue', op: 'gt', value: 'fifty' }, 'steps[1].where[0].value'],
      [{ property: 'revenue', op: 'in' }, 'steps[1].where[0].values'],
    ];
    for (const [filter, field] of refusals) {
      const refused = await funnel([filter]);
      expect(refused.status, JSON.stringify(filter).slice(0, 80)).toBe(400);
      expect(JSON.stringify(refused.body.error), JSON.stringify(filter).slice(0, 80)).toContain(field);
    }
  });

  it('serves cohorts, RFM, attribution, KPIs and maturity, and documents them', async () => {
    const cohorts = await rapport.app.inject({ method: 'POST', url: '/api/v1/analytics/cohorts', headers: admin, payload: {} });
    expect(cohorts.json().cohorts).toEqual([{ cohort: '2024-05', size: 1, repeatCustomers: 0, revenue: 150, periods: [{ offset: 0, customers: 1, rate: 1, events: 1, revenue: 150 }] }]);
    const rfm = await rapport.app.inject({ method: 'POST', url: '/api/v1/analytics/rfm', headers: admin, payload: { asOf: '2024-06-01T00:00:00Z', write: true } });
    expect(rfm.json().customers).toBe(1);
    const attribution = await rapport.app.inject({ method: 'POST', url: '/api/v1/analytics/attribution', headers: admin, payload: { from: '2024-05-01T00:00:00Z', to: '2024-06-01T00:00:00Z' } });
    expect(attribution.json().rows).toMatchObject([{ key: 'direct', orders: 1, revenue: 150 }]);
    const kpis = await rapport.app.inject({ method: 'GET', url: '/api/v1/analytics/kpis?from=2024-05-01T00:00:00Z&to=2024-06-01T00:00:00Z', headers: admin });
    expect(kpis.json().lines.find((line: { key: string }) => line.key === 'aov')).toMatchObject({ value: 150, status: 'good' });
    const maturity = await rapport.app.inject({ method: 'GET', url: '/api/v1/analytics/maturity', headers: admin });
    expect(maturity.json().stage).toBe('Egg');
    const spend = await rapport.app.inject({ method: 'PUT', url: '/api/v1/analytics/ad-spend', headers: admin, payload: { rows: [{ source: 'google', day: '2024-05-01', amount: 30 }] } });
    expect(spend.statusCode).toBe(204);
    const status = await rapport.app.inject({ method: 'GET', url: '/api/v1/analytics/status', headers: admin });
    expect(status.json()).toMatchObject({ events: 4, lag: 0 });
    const openapi = (await rapport.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/v1/analytics/funnels', '/api/v1/analytics/rfm', '/api/v1/analytics/kpis', '/api/v1/analytics/reports']));
  });

  it('answers KPIs, funnels, attribution and ad spend without a period: the last 30 days ending at the end of the current minute, stated in the answer', async () => {
    const before = Date.now();
    const kpis = await rapport.app.inject({ method: 'GET', url: '/api/v1/analytics/kpis', headers: admin });
    const after = Date.now();
    expect(kpis.statusCode, kpis.body).toBe(200);
    const report = kpis.json();
    expect(report.period.source).toBe('default');
    const to = Date.parse(report.to);
    expect(to).toBeGreaterThanOrEqual(before);
    expect(to).toBeLessThanOrEqual(Math.ceil(after / 60_000) * 60_000);
    expect(to % 60_000).toBe(0);
    expect(to - Date.parse(report.from)).toBe(30 * 86_400_000);
    expect(Date.parse(report.from) - Date.parse(report.previousFrom)).toBe(30 * 86_400_000);
    const funnel = await rapport.app.inject({ method: 'POST', url: '/api/v1/analytics/funnels', headers: admin, payload: { steps } });
    expect(funnel.statusCode, funnel.body).toBe(200);
    expect(funnel.json().period).toMatchObject({ source: 'default' });
    expect(Date.parse(funnel.json().period.to) - Date.parse(funnel.json().period.from)).toBe(30 * 86_400_000);
    const stated = await rapport.app.inject({ method: 'POST', url: '/api/v1/analytics/funnels', headers: admin, payload: { steps, from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' } });
    expect(stated.json().period).toEqual({ from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z', source: 'requested' });
    const attribution = await rapport.app.inject({ method: 'POST', url: '/api/v1/analytics/attribution', headers: admin, payload: {} });
    expect(attribution.statusCode, attribution.body).toBe(200);
    expect(attribution.json().period.source).toBe('default');
    const spend = await rapport.app.inject({ method: 'GET', url: '/api/v1/analytics/ad-spend', headers: admin });
    expect(spend.statusCode, spend.body).toBe(200);
  });

  it('refuses to send reports without SMTP configured, naming the setting', async () => {
    const created = await rapport.app.inject({ method: 'POST', url: '/api/v1/analytics/reports', headers: admin, payload: { frequency: 'weekly', recipients: ['owner@shop.example'] } });
    expect(created.statusCode).toBe(201);
    const send = await rapport.app.inject({ method: 'POST', url: `/api/v1/analytics/reports/${created.json().id}/send`, headers: admin });
    expect(send.statusCode).toBe(503);
    expect(send.json().error.message).toContain('RAPPORT_SMTP_URL');
  });
});
