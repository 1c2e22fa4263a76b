import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { manualClock } from '../../src/shared/clock.js';
import { createTestStore, dialects, type TestStore } from '../helpers/databases.js';
import { shopEvents } from '../helpers/predictive-shop.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const admin = { authorization: 'Bearer ADM' };
const basic = { authorization: `Basic ${Buffer.from('WK:').toString('base64')}` };

describe.each(dialects)('predictive API (%s)', (dialect) => {
  let store: TestStore;
  let rapport: Rapport;

  beforeAll(async () => {
    store = await createTestStore(dialect);
    const env = { RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM', RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK', RAPPORT_LOG_LEVEL: 'silent', RAPPORT_RECS_RETRAIN_MINUTES: '0' };
    const config = loadConfig(store.databaseUrl === undefined ? { ...env, RAPPORT_DATA_DIR: store.dataDir } : { ...env, RAPPORT_DATABASE_URL: store.databaseUrl });
    rapport = await createRapport(config, { processor: 'inline', clock: manualClock(NOW), logger: false });
    const events = shopEvents(300, 4, NOW);
    for (let start = 0; start < events.length; start += 400) {
      const response = await rapport.app.inject({ method: 'POST', url: '/v1/batch', headers: basic, payload: { batch: events.slice(start, start + 400) } });
      expect(response.statusCode).toBe(200);
    }
    await rapport.processor.drain();
  }, 120_000);

  afterAll(async () => {
    await rapport.close();
    await store.drop();
  });

  it('refreshes in the background, serves the report, and puts the scores on the profile', async () => {
    const missing = await rapport.app.inject({ method: 'GET', url: '/api/v1/predictive/reports/latest', headers: admin });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toMatch(/POST \/api\/v1\/predictive\/refresh/);

    const started = await rapport.app.inject({ method: 'POST', url: '/api/v1/predictive/refresh', headers: admin });
    expect(started.statusCode).toBe(202);
    const id: string = started.json().id;
    await rapport.predictive.stop();
    const report = (await rapport.app.inject({ method: 'GET', url: `/api/v1/predictive/reports/${id}`, headers: admin })).json();
    expect(report).toMatchObject({ id, status: 'completed', trigger: 'api', error: null });
    expect(report.report.clv.bgnbd.status).toBe('fitted');
    expect(report.report.clv.bgnbd.optimizer.converged).toBe(true);
    expect(report.report.data.customers).toBe(300);
    const latest = (await rapport.app.inject({ method: 'GET', url: '/api/v1/predictive/reports/latest', headers: admin })).json();
    expect(latest.id).toBe(id);
    const list = (await rapport.app.inject({ method: 'GET', url: '/api/v1/predictive/reports?limit=5', headers: admin })).json();
    expect(list.reports.map((row: { id: string }) => row.id)).toEqual([id]);

    // The scores' spread over the profiles: every scored customer in one bin, the tail in the last.
    const spread = (await rapport.app.inject({ method: 'GET', url: '/api/v1/predictive/distributions', headers: admin })).json();
    expect(spread.clv.count).toBe(300);
    expect(spread.clv.bins.reduce((sum: number, bin: { count: number }) => sum + bin.count, 0)).toBe(300);
    expect(spread.churnRisk.count).toBe(300);
    expect(spread.churnRisk.bins).toHaveLength(10);
    expect(spread.churnRisk.median).toBeGreaterThanOrEqual(0);
    expect(spread.churnRisk.median).toBeLessThanOrEqual(1);

    const lookup = await rapport.app.inject({ method: 'GET', url: '/api/v1/profiles/lookup?type=user_id&value=u1', headers: admin });
    const profile = lookup.json();
    expect(typeof profile.scores.p_alive).toBe('number');
    expect(typeof profile.scores.predicted_clv).toBe('number');
    expect(['high', 'medium', 'low']).toContain(profile.scores.clv_tier);
    expect(typeof profile.scores.next_order_at).toBe('string');

    const openapi = (await rapport.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/api/v1/predictive/refresh', '/api/v1/predictive/reports', '/api/v1/predictive/reports/{id}', '/api/v1/predictive/distributions']),
    );
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/predictive/reports/nope', headers: admin })).statusCode).toBe(404);
    expect((await rapport.app.inject({ method: 'POST', url: '/api/v1/predictive/refresh' })).statusCode).toBe(401);
  });
});
