import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_ITEMS } from '../../src/ingest/ingest-service.js';
import { BATCH_LIMIT } from '../../src/ingest/public-routes.js';
import { dialects } from '../helpers/databases.js';
import { loopBlocks } from '../helpers/loop-blocks.js';
import { WRITE_KEY, basicAuth, startTestRapport, type TestRapport } from '../helpers/server.js';

/**
 * A batch of `count` track events that fits the 500 KB request limit (the server assigns
 * messageIds). Up to the maximum a batch may hold, items carry properties of the size shops send
 * (~200 bytes), so the batch is real work; the overflow past it is small (it is only rejected).
 */
function batchOf(count: number): string {
  const batch = Array.from({ length: count }, (_, n) =>
    n < MAX_BATCH_ITEMS && count <= MAX_BATCH_ITEMS
      ? {
          type: 'track',
          event: 'Product Viewed',
          userId: `u${n % 97}`,
          properties: { product_id: `p${n % 500}`, sku: `SKU-${n}`, category: 'Shoes', brand: 'Acme', price: 19.99, quantity: 1, position: n % 20, tags: ['new', 'sale'] },
        }
      : { type: 'track', event: 'E', userId: `u${n % 97}` },
  );
  const body = JSON.stringify({ batch });
  if (Buffer.byteLength(body) > BATCH_LIMIT) throw new Error(`test batch of ${count} is ${body.length} bytes, over the limit`);
  return body;
}

describe.each(dialects)('large batches do not block the event loop (%s)', (dialect) => {
  let env: TestRapport;

  beforeAll(async () => {
    // Nothing else may burn CPU while the loop is measured: no replica sync (processor is off).
    env = await startTestRapport(dialect, { RAPPORT_ANALYTICS_SYNC_MS: '0' });
  });

  afterAll(async () => {
    await env.stop();
  });

  it.each([
    ['a maximum-size batch', MAX_BATCH_ITEMS],
    ['a 10,000-item batch (items past the maximum are rejected)', 10_000],
  ])('%s is ingested in slices', async (_label, count) => {
    const { app } = env.rapport;
    const payload = batchOf(count);
    // Warm up JIT and statement caches so the measurement is of the ingest, not of first use.
    await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(WRITE_KEY) }, payload: batchOf(50) });
    const { result: response, cpuMs, wallMs, turns } = await loopBlocks(() => app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(WRITE_KEY) }, payload }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ accepted: Math.min(count, MAX_BATCH_ITEMS) });
    console.info(`[${dialect}] ${count}-item batch: longest stretch between loop turns ${cpuMs.toFixed(1)} ms of CPU (${wallMs.toFixed(1)} ms wall), ${turns} turns`);
    // Sliced, the loop turns between slices of ~10 ms; unsliced, the whole batch ran between two
    // turns (measured: 2 turns, 68 ms of CPU for the maximum batch, against 12 turns and 11.6 ms
    // sliced). Descheduling on a loaded machine only adds turns, so this does not rest on luck.
    expect(turns).toBeGreaterThan(2);
    // In CPU time, which a loaded machine does not stretch (it deschedules the process: wall
    // time only). The bound leaves room for a major GC pause, whose helper threads count too.
    expect(cpuMs).toBeLessThan(100);
  });
});
