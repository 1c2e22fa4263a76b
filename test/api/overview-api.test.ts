import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, WRITE_KEY, basicAuth, listen, startTestRapport, type TestRapport } from '../helpers/server.js';

/*
 * The home screen's figures: GET /api/v1/overview/failing lists what is failing with the counts,
 * GET /api/v1/overview/live streams the counts (server-sent events) and sends them again when
 * they change, GET /api/v1/events/names lists what the workspace tracks for the pickers.
 */

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Reads server-sent `data:` messages from a stream, one JSON value at a time. */
function sseReader(body: ReadableStream<Uint8Array>): () => Promise<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return async () => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (data !== '') return JSON.parse(data) as unknown;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
}

describe.each(dialects)('overview API (%s)', (dialect) => {
  let test: TestRapport;
  beforeEach(async () => {
    test = await startTestRapport(dialect);
  });
  afterEach(async () => test.stop());

  const send = async (batch: object[]) => {
    const sent = await test.rapport.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(WRITE_KEY) }, payload: { batch } });
    expect(sent.statusCode).toBe(200);
    await test.rapport.processor.drain();
  };

  it('counts today, profiles and what failed, and lists the failures', async () => {
    await send([
      { type: 'track', userId: 'u-1', event: 'Product Viewed', messageId: 'ov-1' },
      { type: 'track', userId: 'u-2', event: 'Product Viewed', messageId: 'ov-2' },
      { type: 'page', userId: 'u-2', name: 'Home', messageId: 'ov-3' },
      // No event name: set aside at ingest.
      { type: 'track', userId: 'u-3', messageId: 'ov-4' },
    ]);
    const response = await test.rapport.app.inject({ method: 'GET', url: '/api/v1/overview/failing', headers: admin });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ counts: Record<string, number>; rejectedEvents: { code: string }[]; deadJobs: unknown[]; failedSends: unknown[] }>();
    expect(body.counts).toEqual({ eventsToday: 3, profiles: 2, liveJourneys: 0, liveCampaigns: 0, deadJobs: 0, failedSends: 0, rejectedEvents: 1 });
    expect(body.rejectedEvents).toEqual([expect.objectContaining({ code: 'missing_event' })]);
    expect(body.deadJobs).toEqual([]);
    expect(body.failedSends).toEqual([]);

    const names = await test.rapport.app.inject({ method: 'GET', url: '/api/v1/events/names', headers: admin });
    expect(names.json()).toEqual({
      names: [
        { type: 'track', event: 'Product Viewed', count: 2 },
        { type: 'page', event: 'Home', count: 1 },
      ],
    });
    expect((await test.rapport.app.inject({ method: 'GET', url: '/api/v1/overview/failing' })).statusCode).toBe(401);
  });

  it('streams the counts and sends them again when an event arrives', async () => {
    const { url } = await listen(test.rapport);
    const controller = new AbortController();
    const response = await fetch(`${url}/api/v1/overview/live`, { headers: { ...admin, accept: 'text/event-stream' }, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    if (response.body === null) throw new Error('no body');
    const next = sseReader(response.body);
    expect(await next()).toMatchObject({ eventsToday: 0, profiles: 0 });
    await send([{ type: 'track', userId: 'u-9', event: 'Order Completed', messageId: 'ov-live-1' }]);
    // The next message carries the change (identical figures are never sent twice).
    expect(await next()).toMatchObject({ eventsToday: 1, profiles: 1 });
    controller.abort();
  });
});

describe.each(dialects)('retrying a dead job (%s)', (dialect) => {
  let test: TestRapport;
  beforeEach(async () => {
    test = await startTestRapport(dialect);
  });
  afterEach(async () => test.stop());

  it('gives a dead job of the failing list a fresh attempt; other keys and read-only callers are refused', async () => {
    let calls = 0;
    test.rapport.scheduler.register('test.flaky', async () => {
      calls += 1;
      if (calls === 1) throw new Error('provider down');
    });
    await test.rapport.scheduler.enqueue({ workspaceId: 'default', kind: 'test.flaky', key: 'flaky/1', maxAttempts: 1 });
    const failing = async () => (await test.rapport.app.inject({ method: 'GET', url: '/api/v1/overview/failing', headers: admin })).json<{ deadJobs: { key: string; reason: string }[] }>();
    // The processor is off in these servers, so the scheduler's loop is too: run what is due by hand.
    await test.rapport.scheduler.runDue();
    expect((await failing()).deadJobs).toEqual([expect.objectContaining({ key: 'flaky/1', reason: expect.stringContaining('provider down') })]);

    const unknown = await test.rapport.app.inject({ method: 'POST', url: '/api/v1/overview/failing/jobs/nope/retry', headers: admin });
    expect(unknown.statusCode).toBe(404);
    const readOnly = await test.rapport.app.inject({
      method: 'POST',
      url: `/api/v1/overview/failing/jobs/${encodeURIComponent('flaky/1')}/retry`,
      headers: { authorization: `Bearer ${await readToken(test)}` },
    });
    expect(readOnly.statusCode).toBe(403);

    const retried = await test.rapport.app.inject({ method: 'POST', url: `/api/v1/overview/failing/jobs/${encodeURIComponent('flaky/1')}/retry`, headers: admin });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toEqual({ key: 'flaky/1', status: 'pending' });
    await test.rapport.scheduler.runDue();
    expect(calls).toBe(2);
    expect(await test.rapport.scheduler.counts('default')).toMatchObject({ pending: 0, dead: 0 });
    expect((await failing()).deadJobs).toEqual([]);
  });
});

async function readToken(test: TestRapport): Promise<string> {
  const created = await test.rapport.app.inject({ method: 'POST', url: '/api/v1/admin-tokens', headers: admin, payload: { name: 'reader', scopes: ['read'] } });
  return created.json<{ secret: string }>().secret;
}
