import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, tempDir, type TestStore } from '../../test/helpers/databases.js';
import { loadConfig } from '../config/config.js';
import { createRapport, type Rapport } from '../rapport.js';
import { field, injectDemoApi } from './demo-api.js';
import { generateDemoStore } from './generator.js';
import { onsiteHistory } from './onsite-history.js';
import type { DemoCampaign } from './onsite-shoppers.js';
import { populateDemo } from './populate.js';

const credentials = { writeKey: 'WK_DEMO', adminToken: 'ADM_DEMO' };
const SEED_TEMPLATES = ['hello_bar', 'side_coupon', 'popup', 'floating_icon', 'scratch_coupon', 'free_shipping_bar'];

describe('the on-site history of the demo', () => {
  const demo = generateDemoStore({ customers: 30, seed: 2, days: 40, end: Date.parse('2026-11-30T12:00:00Z') });
  const campaigns: DemoCampaign[] = [
    { id: 'osc_a', type: 'popup', salt: 'osc_a', holdout: 0.1, trigger: 'exit_intent', variants: [{ key: 'a', weight: 1 }] },
    { id: 'osc_b', type: 'hello_bar', salt: 'osc_b', holdout: 0.1, trigger: 'page_load', variants: [{ key: 'a', weight: 1 }] },
  ];
  const options = { seed: demo.seed, window: demo.window, products: demo.products, visitorsPerCampaign: 300 };

  it('is deterministic, with unique message ids, inside the last 30 days of the window', () => {
    const messages = onsiteHistory(campaigns, options);
    expect(JSON.stringify(onsiteHistory(campaigns, options))).toBe(JSON.stringify(messages));
    expect(new Set(messages.map((message) => message.messageId)).size).toBe(messages.length);
    const times = messages.map((message) => Date.parse(message.timestamp));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(demo.window.end - 30 * 86_400_000 - 2 * 3_600_000);
    expect(Math.max(...times)).toBeLessThan(demo.window.end);
  });

  it('logs what the SDK logs: one exposure per visitor, the holdout as "would have shown", orders by the same visitor', () => {
    const messages = onsiteHistory(campaigns, options);
    const viewed = messages.filter((message) => message.event === 'Experience Viewed');
    expect(viewed).toHaveLength(600);
    const holdout = viewed.filter((message) => message.properties?.holdout === true);
    expect(holdout.every((message) => message.properties?.would_have_shown === true)).toBe(true);
    expect(holdout.length / viewed.length).toBeGreaterThan(0.06);
    expect(holdout.length / viewed.length).toBeLessThan(0.14);
    expect(viewed.find((message) => message.properties?.campaign_id === 'osc_a')?.properties).toMatchObject({ campaign_type: 'popup', trigger: 'exit_intent' });
    const orders = messages.filter((message) => message.event === 'Order Completed');
    const exposed = new Set(viewed.map((message) => message.anonymousId));
    expect(orders.length).toBeGreaterThan(30);
    expect(orders.every((order) => exposed.has(order.anonymousId))).toBe(true);
    // Links point at the storefront Rapport serves.
    expect(messages.find((message) => message.type === 'page')?.properties?.path).toMatch(/^\/demo\/shop\/p\//);
  });
});

describe('the demo run into a store', () => {
  let store: TestStore;
  let rapport: Rapport;
  beforeAll(async () => {
    store = await createTestStore('sqlite');
    const env: Record<string, string> = {
      RAPPORT_DATA_DIR: store.databaseUrl === undefined ? store.dataDir : tempDir(),
      RAPPORT_BOOTSTRAP_WRITE_KEY: credentials.writeKey,
      RAPPORT_BOOTSTRAP_ADMIN_TOKEN: credentials.adminToken,
      RAPPORT_LOG_LEVEL: 'silent',
      RAPPORT_ANALYTICS_SYNC_MS: '0',
    };
    rapport = await createRapport(loadConfig(env, { processor: 'inline' }), { logger: false });
  });
  afterAll(async () => {
    await rapport.close();
    await store.drop();
  });

  it('reports every seed template with impressions, conversions and a finite uplift interval from the logged exposures', async () => {
    const api = injectDemoApi(rapport.app, credentials);
    const demo = generateDemoStore({ customers: 30, seed: 1, days: 30, end: Date.now() });
    const populated = await populateDemo(api, demo, { settleMs: 0 });
    expect(populated.onsite?.campaigns).toBeGreaterThanOrEqual(SEED_TEMPLATES.length);
    expect(populated.onsite?.rejected).toBe(0);
    const response = await api.request('GET', '/api/v1/onsite/report');
    expect(response.status).toBe(200);
    const types = field(response.body, 'types');
    if (!Array.isArray(types)) throw new Error('the report has no types');
    for (const template of SEED_TEMPLATES) {
      const row: unknown = types.find((entry) => field(entry, 'type') === template);
      expect(row, template).toBeDefined();
      expect(field(field(row, 'all'), 'impressions'), template).toBeGreaterThan(0);
      expect(field(field(row, 'holdout'), 'visitors'), template).toBeGreaterThan(0);
      expect(field(field(row, 'all'), 'conversions'), template).toBeGreaterThan(0);
      const uplift = field(field(row, 'uplift'), 'conversionRate');
      expect(uplift, template).toMatchObject({ ok: true });
      const ci = field(uplift, 'ci');
      expect(Array.isArray(ci) && ci.length === 2 && ci.every((bound) => Number.isFinite(bound)), `${template}: ${JSON.stringify(uplift)}`).toBe(true);
      expect(Number.isFinite(field(uplift, 'estimate')), template).toBe(true);
    }
    // The catalog's links and the history's pages are pages of the storefront this server serves.
    const paths = new Set([new URL(demo.products[0]?.url ?? 'http://x/').pathname, new URL(demo.products[0]?.image_url ?? 'http://x/').pathname]);
    for (const message of demo.messagesSync()) {
      const path = field(field(message.context, 'page'), 'path');
      if (typeof path === 'string' && !path.includes('/checkout') && !path.endsWith('/search')) paths.add(path);
      if (paths.size >= 12) break;
    }
    expect(demo.products[0]?.url.startsWith(`${demo.shopUrl}/p/`)).toBe(true);
    for (const path of paths) expect((await rapport.app.inject({ method: 'GET', url: path })).statusCode, path).toBe(200);
    // A second run sends the same exposures again and the log stores none of them twice.
    const again = await populateDemo(api, demo, { settleMs: 0 });
    expect(again.onsite?.accepted).toBe(0);
    expect(again.onsite?.duplicates).toBe(populated.onsite?.events);
  }, 240_000);
});
