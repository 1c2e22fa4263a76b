import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, basicAuth, startTestRapport, type TestRapport } from '../helpers/server.js';

/*
 * The settings screen's install check: GET /events/sources answers, per source (the write key
 * that sent), the last event received and how many the log holds, so "did we receive events
 * from the site?" has an answer per key.
 */
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe.each(dialects)('event sources (%s)', (dialect) => {
  let env: TestRapport;

  beforeAll(async () => {
    env = await startTestRapport(dialect);
  });
  afterAll(async () => {
    await env.stop();
  });

  it('answers nothing before any event, then the last received per write key', async () => {
    const empty = await env.rapport.app.inject({ method: 'GET', url: '/api/v1/events/sources', headers: admin });
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual({ sources: [] });
    const key = (await env.rapport.app.inject({ method: 'POST', url: '/api/v1/write-keys', headers: admin, payload: { name: 'Storefront' } })).json<{ id: string; key: string }>();
    const before = Date.now();
    for (const event of ['Viewed', 'Added']) {
      const sent = await env.rapport.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basicAuth(key.key) }, payload: { userId: 'u1', event } });
      expect(sent.statusCode).toBe(200);
    }
    const answer = await env.rapport.app.inject({ method: 'GET', url: '/api/v1/events/sources', headers: admin });
    const sources = answer.json<{ sources: { sourceId: string | null; lastReceivedAt: number; events: number }[] }>().sources;
    const mine = sources.find((source) => source.sourceId === key.id);
    expect(mine?.events).toBe(2);
    expect(mine?.lastReceivedAt).toBeGreaterThanOrEqual(before - 1000);
    expect((await env.rapport.app.inject({ method: 'GET', url: '/api/v1/events/sources' })).statusCode).toBe(401);
  });
});
