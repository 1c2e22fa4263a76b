import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, tempDir, type TestStore } from '../../test/helpers/databases.js';
import { listen, waitFor } from '../../test/helpers/server.js';
import { LinkSigner } from '../channels/links.js';
import { loadConfig } from '../config/config.js';
import { createRapport, type Rapport } from '../rapport.js';
import { field, httpDemoApi, injectDemoApi, type DemoApi } from './demo-api.js';
import { generateDemoStore } from './generator.js';
import { runLive } from './live.js';
import { populateDemo } from './populate.js';
import { starterExperiment, starterRecipes, starterSegments } from './starter-setup.js';

const credentials = { writeKey: 'WK_DEMO', adminToken: 'ADM_DEMO' };
const LINK_SECRET = 'demo-test-link-secret-0123456789abcdef';

function list(body: unknown, key: string): unknown[] {
  const value = field(body, key);
  return Array.isArray(value) ? value : [];
}

async function get(api: DemoApi, path: string, key: string): Promise<unknown[]> {
  const response = await api.request('GET', path);
  expect(response.status).toBe(200);
  return list(response.body, key);
}

describe.each(dialects)('the demo against a server (%s)', (dialect) => {
  let store: TestStore;
  let rapport: Rapport;
  beforeEach(async () => {
    store = await createTestStore(dialect);
    const env: Record<string, string> = {
      RAPPORT_DATA_DIR: dialect === 'sqlite' ? store.dataDir : tempDir(),
      RAPPORT_BOOTSTRAP_WRITE_KEY: credentials.writeKey,
      RAPPORT_BOOTSTRAP_ADMIN_TOKEN: credentials.adminToken,
      RAPPORT_LOG_LEVEL: 'silent',
      RAPPORT_LINK_SECRET: LINK_SECRET,
      RAPPORT_ANALYTICS_SYNC_MS: '0',
    };
    if (store.databaseUrl !== undefined) env.RAPPORT_DATABASE_URL = store.databaseUrl;
    rapport = await createRapport(loadConfig(env, { processor: 'inline' }));
  });
  afterEach(async () => {
    await rapport.close();
    await store.drop();
  });

  it('streams live shoppers over HTTP: events are processed, a segment is entered, journeys start runs', async () => {
    const { url } = await listen(rapport);
    const api = httpDemoApi(url, credentials);
    const demo = generateDemoStore({ customers: 40, seed: 4, days: 10, end: Date.now() });
    const populated = await populateDemo(api, demo, { settleMs: 300 });
    expect(populated.history?.rejected).toBe(0);
    expect(populated.starter.filter((item) => item.kind === 'journey').map((item) => item.created)).toEqual(starterRecipes.map(() => true));
    expect(populated.starter.find((item) => item.kind === 'brand')).toMatchObject({ name: 'Rapport Demo Shop', created: true });
    expect(populated.starter.find((item) => item.name.startsWith('Predictions'))).toMatchObject({ kind: 'scores', created: true, id: expect.stringMatching(/^pred_/) });

    const liveStart = Date.now();
    const controller = new AbortController();
    const running = runLive({
      api,
      store: demo,
      runId: 't1',
      sessionsPerMinute: 900,
      pace: 60,
      catalogEverySeconds: 0.5,
      workspaceId: 'default',
      signal: controller.signal,
      seed: 4,
      signLink: (payload) => new LinkSigner(Buffer.from(LINK_SECRET)).sign(payload),
    });
    // Awaited below; this only keeps a failure there from also surfacing as unhandled.
    running.catch(() => undefined);
    try {
      // Until a live visitor has entered a segment and a journey has a run started by the live traffic.
      const journeys = await get(api, '/api/v1/journeys', 'journeys');
      const entered = await waitFor(
        'a Segment Entered event from live traffic',
        async () => (await get(api, '/api/v1/events?event=Segment%20Entered&limit=1000', 'events')).find((event) => Number(field(event, 'timestamp')) >= liveStart),
        90_000,
        250,
      );
      expect(field(field(entered, 'message'), 'event')).toBe('Segment Entered');
      const run = await waitFor(
        'a journey run entered during the live stream',
        async () => {
          for (const journey of journeys) {
            const runs = await get(api, `/api/v1/journeys/${String(field(journey, 'id'))}/runs?limit=50`, 'runs');
            const fresh = runs.find((candidate) => Date.parse(String(field(candidate, 'enteredAt'))) >= liveStart);
            if (fresh !== undefined) return fresh;
          }
          return undefined;
        },
        90_000,
        250,
      );
      expect(field(run, 'profileId')).toMatch(/^prf_/);
    } finally {
      controller.abort();
    }
    const status = await running;
    // A busy machine may refuse a request now and then (the batch is sent again); never many.
    expect(status.errors, status.lastError).toBeLessThanOrEqual(Math.ceil(status.events / 50));
    expect(status.sessions).toBeGreaterThan(0);
    expect(status.events).toBeGreaterThan(0);
    // Live events went through ingest into the log (the first live session is the same for the
    // same seed and run id, whenever it starts), and the processor caught up with them.
    const firstLive = generateDemoStore({ customers: 40, seed: 4, days: 10, end: Date.now() }).liveSession(liveStart, 't1', 60)[0];
    expect(firstLive?.messageId).toMatch(/^live-t1-/);
    expect(await get(api, `/api/v1/events?messageId=${encodeURIComponent(firstLive?.messageId ?? '')}`, 'events')).toHaveLength(1);
    await waitFor('the processor to catch up', async () => (field((await api.request('GET', '/api/v1/processor')).body, 'lagEvents') === 0 ? true : undefined), 30_000, 100);
    // Live shoppers met the on-site starters: the report counts their exposures per template.
    expect(populated.starter.filter((item) => item.kind === 'onsite')).toHaveLength(11);
    const onsite = (await api.request('GET', '/api/v1/onsite/report')).body;
    const types = field(onsite, 'types');
    const visitors = Array.isArray(types)
      ? types.reduce((sum: number, row: unknown) => sum + Number(field(field(row, 'all'), 'visitors')) + Number(field(field(row, 'holdout'), 'visitors') ?? 0), 0)
      : 0;
    expect(visitors).toBeGreaterThan(0);
    // The A/B test got exposures from the live visitors.
    const experiment = await api.request('GET', `/api/v1/experiments`);
    expect(list(experiment.body, 'experiments').some((entry) => field(entry, 'key') === starterExperiment.key && field(entry, 'status') === 'running')).toBe(true);
  }, 240_000);

  it('installs the starter setup once: a second run creates and sends nothing new', async () => {
    const api = injectDemoApi(rapport.app, credentials);
    const demo = generateDemoStore({ customers: 30, seed: 6, days: 7, end: Date.parse('2026-12-07T05:00:00Z') });
    const first = await populateDemo(api, demo, { settleMs: 0 });
    expect(first.history?.events).toBeGreaterThan(0);
    const counts = async () => ({
      segments: (await get(api, '/api/v1/segments', 'segments')).length,
      journeys: (await get(api, '/api/v1/journeys', 'journeys')).length,
      experiments: (await get(api, '/api/v1/experiments', 'experiments')).length,
    });
    const before = await counts();
    expect(before.segments).toBeGreaterThanOrEqual(starterSegments.length);
    expect(before.journeys).toBe(starterRecipes.length);
    expect(before.experiments).toBe(1);
    const second = await populateDemo(api, demo, { settleMs: 0 });
    expect(second.history).toBeUndefined();
    expect(second.starter.filter((item) => item.kind !== 'scores' && item.created)).toEqual([]);
    expect(await counts()).toEqual(before);
  }, 120_000);

  it('--bare loads the shop and installs nothing', async () => {
    const api = injectDemoApi(rapport.app, credentials);
    const demo = generateDemoStore({ customers: 20, seed: 8, days: 5, end: Date.parse('2026-12-07T05:00:00Z') });
    const result = await populateDemo(api, demo, { bare: true, settleMs: 0 });
    expect(result.starter).toEqual([]);
    expect(result.history?.accepted).toBeGreaterThan(0);
    expect(await get(api, '/api/v1/segments', 'segments')).toEqual([]);
    expect(await get(api, '/api/v1/journeys', 'journeys')).toEqual([]);
    expect(await get(api, '/api/v1/experiments', 'experiments')).toEqual([]);
  }, 60_000);
});
