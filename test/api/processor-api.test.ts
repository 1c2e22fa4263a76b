import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, WRITE_KEY, basicAuth, startTestRapport, type TestRapport } from '../helpers/server.js';

/* GET /api/v1/processor reports the processor's lag and, beside it, the lag of the followers of the log that trail it. */
describe.each(dialects)('processor lag API (%s)', (dialect) => {
  let test: TestRapport;
  beforeEach(async () => {
    test = await startTestRapport(dialect);
  });
  afterEach(async () => test.stop());

  it('reports how far journeys trail the processor, per workspace', async () => {
    const { app, processor } = test.rapport;
    const batch = ['a', 'b', 'c'].map((id) => ({ type: 'track', userId: `u-${id}`, event: 'Product Viewed', messageId: `lag-${id}` }));
    const sent = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(WRITE_KEY) }, payload: { batch } });
    expect(sent.statusCode).toBe(200);
    const read = async (): Promise<unknown> => (await app.inject({ method: 'GET', url: '/api/v1/processor', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();

    expect(await read()).toMatchObject({ lagEvents: 3, followers: [{ name: 'journeys', lagEvents: 0 }] });
    await processor.drain();
    // Journeys may read what the processor has applied; their consumer is not running here.
    expect(await read()).toMatchObject({ lagEvents: 0, percentDone: 100, followers: [{ name: 'journeys', lagEvents: 3 }] });
  });
});
