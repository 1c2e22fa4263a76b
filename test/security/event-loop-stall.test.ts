import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rapport } from '../../src/rapport.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, basicAuth, startTestRapport, waitFor, WRITE_KEY, type TestRapport } from '../helpers/server.js';

/*
 * An attacker with a valid admin token runs the heaviest analyses they can build, all at once,
 * and the event loop keeps turning: no single stretch of synchronous work may hold it for long.
 * The bound is generous (a shared 2-core machine with other test files running) and is about
 * the longest block, not speed: before the replica copied in yielding slices, one page of
 * 5,000 events or profiles was parsed and appended in a single stretch.
 */
// Generous: on a quiet machine a rebuild blocks ~35 ms at most and the concurrent analyses
// ~100-200 ms, but a loaded 2-core CI machine deschedules the process for hundreds of ms at a
// time (measured up to ~800 ms there). The stall the review found was ~2 s.
const MAX_BLOCK_MS = 1000;
const CONCURRENT_MAX_BLOCK_MS = 2000;
const PROFILES = 3000;

describe.each(dialects)('event loop under the worst analysis requests (%s)', (dialect) => {
  let rapport: Rapport;
  let server: TestRapport;
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

  beforeAll(async () => {
    // The processor and the replica are what this is about: run both, sync only on demand.
    server = await startTestRapport(dialect, { RAPPORT_ANALYTICS_SYNC_MS: '0' }, { overrides: { processor: 'thread' } });
    rapport = server.rapport;
    const T0 = Date.parse('2025-03-01T00:00:00Z');
    for (let start = 0; start < PROFILES; start += 250) {
      const batch = [];
      for (let i = start; i < start + 250; i++) {
        const at = (minutes: number) => new Date(T0 + i * 600_000 + minutes * 60_000).toISOString();
        batch.push({ type: 'identify', userId: `u${i}`, traits: { email: `u${i}@example.com` }, timestamp: at(0) });
        batch.push({ type: 'track', userId: `u${i}`, event: 'Product Viewed', properties: { product_id: `p${i % 50}` }, timestamp: at(1) });
        if (i % 2 === 0) batch.push({ type: 'track', userId: `u${i}`, event: 'Product Added', properties: { product_id: `p${i % 50}` }, timestamp: at(2) });
        if (i % 3 === 0)
          batch.push({
            type: 'track',
            userId: `u${i}`,
            event: 'Order Completed',
            properties: { order_id: `o${i}`, revenue: 10 + (i % 90) },
            context: { campaign: { source: 'google' } },
            timestamp: at(3),
          });
      }
      const response = await rapport.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(WRITE_KEY) }, payload: { batch } });
      expect(response.statusCode).toBe(200);
    }
    await waitFor('the processor to catch up', async () => ((await rapport.processor.status()).lagEvents === 0 ? true : undefined), 120_000, 100);
    await rapport.analytics.sync();
  }, 180_000);
  afterAll(async () => server.stop());

  async function longestBlockMs(work: () => Promise<unknown>): Promise<number> {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    await work();
    histogram.disable();
    return histogram.max / 1e6;
  }

  it('copies the whole event log again (rebuild) in slices, turning the event loop between them', async () => {
    // A counter that only moves when the loop gets to its check phase, i.e. between slices.
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const seen: number[] = [];
    let events = 0;
    const blockMs = await longestBlockMs(async () => {
      events = (await rapport.analytics.rebuild(() => seen.push(turns))).events;
    });
    ticking = false;
    console.info(`${dialect}: longest event-loop block ${blockMs.toFixed(1)} ms during a rebuild of ${events} events in ${seen.length} slices`);
    expect(events).toBeGreaterThan(8000);
    // Pages of at most 1,000 events (before: 5,000 parsed and appended in one stretch).
    expect(seen.length).toBeGreaterThanOrEqual(Math.ceil(events / 1000));
    for (let i = 1; i < seen.length; i++) expect(seen[i], `slice ${i}`).toBeGreaterThan(seen[i - 1] ?? 0);
    expect(blockMs).toBeLessThan(MAX_BLOCK_MS);
  }, 120_000);

  it('keeps the longest event-loop block bounded while analyses run concurrently', async () => {
    const range = { from: '2025-01-01T00:00:00Z', to: '2025-12-31T00:00:00Z' };
    const steps = [{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Order Completed' }];
    const rfmRequest = { method: 'POST' as const, url: '/api/v1/analytics/rfm', payload: { write: true, limit: 100000, compareTo: '2025-06-01T00:00:00Z' } };
    const worst = [
      rfmRequest,
      { method: 'POST' as const, url: '/api/v1/analytics/funnels/dropped', payload: { steps, step: 2, limit: 100000, saveAs: 'dropped_cart', ...range } },
      { method: 'POST' as const, url: '/api/v1/analytics/funnels', payload: { steps, breakdown: 'source', ...range } },
      { method: 'POST' as const, url: '/api/v1/analytics/cohorts', payload: {} },
      { method: 'POST' as const, url: '/api/v1/analytics/attribution', payload: { by: 'source', ...range } },
      { method: 'GET' as const, url: `/api/v1/analytics/kpis?from=${range.from}&to=${range.to}` },
      { method: 'GET' as const, url: '/api/v1/analytics/maturity' },
    ];
    let responses: Awaited<ReturnType<typeof rapport.app.inject>>[] = [];
    const maxBlockMs = await longestBlockMs(async () => {
      responses = await Promise.all([...worst, ...worst].map((request) => rapport.app.inject({ ...request, headers: admin })));
    });
    for (const response of responses) {
      expect([200, 429], response.body).toContain(response.statusCode);
      if (response.statusCode === 429) expect(response.headers['retry-after']).toBe('2');
    }
    // Fourteen at once in one workspace: two run, eight wait, the rest are told when to retry.
    expect(responses.filter((response) => response.statusCode === 429).length).toBeGreaterThan(0);
    // Which requests got a slot depends on arrival order (GETs have no body to parse and come
    // first), so the RFM answer may be a 429: every RFM that ran must be right, and one asked
    // alone after the burst, when the workspace has free slots, must run.
    const rfmRuns = [responses[0], responses[worst.length]].filter((response) => response?.statusCode === 200);
    for (const response of rfmRuns) expect(response?.json().customers).toBe(PROFILES / 3);
    const alone = await rapport.app.inject({ ...rfmRequest, headers: admin });
    expect(alone.statusCode, alone.body).toBe(200);
    expect(alone.json().customers).toBe(PROFILES / 3);
    console.info(`${dialect}: longest event-loop block ${maxBlockMs.toFixed(1)} ms over ${responses.length} concurrent analyses`);
    expect(maxBlockMs).toBeLessThan(CONCURRENT_MAX_BLOCK_MS);
  }, 120_000);
});
