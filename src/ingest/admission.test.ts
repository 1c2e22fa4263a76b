import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from '../../test/helpers/databases.js';
import { ADMIN_TOKEN, WRITE_KEY, basicAuth, startTestRapport, waitFor, type TestRapport } from '../../test/helpers/server.js';
import { InFlightLimit } from './admission.js';

const track = (messageId: string) => ({ type: 'track', userId: 'u1', event: 'Order Completed', messageId });
const batchBody = (...ids: string[]) => ({ batch: ids.map(track) });

describe('InFlightLimit', () => {
  it('admits up to its limit per key, and a release (once) makes room', () => {
    const limit = new InFlightLimit('test', 2);
    const first = limit.tryAcquire('a');
    const second = limit.tryAcquire('a');
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(limit.tryAcquire('a')).toBeUndefined();
    expect(limit.tryAcquire('b')).toBeDefined();
    first?.();
    first?.();
    expect(limit.tryAcquire('a')).toBeDefined();
    expect(limit.tryAcquire('a')).toBeUndefined();
  });

  it('forgets a key once its last request ends, and 0 means no limit', () => {
    const limit = new InFlightLimit('test', 1);
    limit.tryAcquire('a')?.();
    expect(limit.trackedKeys).toBe(0);
    const unlimited = new InFlightLimit('off', 0);
    for (let n = 0; n < 100; n++) expect(unlimited.tryAcquire('a')).toBeDefined();
  });
});

describe.each(dialects)('batch admission (%s)', (dialect) => {
  let env: TestRapport | undefined;

  afterEach(async () => {
    await env?.stop();
    env = undefined;
  });

  /** Holds every ingest before it is stored until `release()`, so requests are in flight for as long as the test needs. */
  function holdIngest(rapport: TestRapport['rapport']): { entered: Promise<void>; enteredTwice: Promise<void>; release(): void } {
    let release = () => undefined as void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const arrivals: (() => void)[] = [];
    const entered = new Promise<void>((resolve) => arrivals.push(resolve));
    const enteredTwice = new Promise<void>((resolve) => arrivals.push(resolve));
    let count = 0;
    rapport.ingest.setGate(async (_workspaceId, rows) => {
      count += 1;
      if (count === 1) arrivals[0]?.();
      if (count === 2) arrivals[1]?.();
      await released;
      return rows;
    });
    return { entered, enteredTwice, release };
  }

  async function stored(rapport: TestRapport['rapport'], messageId: string): Promise<number> {
    const response = await rapport.app.inject({ method: 'GET', url: `/api/v1/events?messageId=${messageId}&limit=5`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.statusCode).toBe(200);
    return (response.json() as { events: unknown[] }).events.length;
  }

  it('turns away a write key’s batch past its in-flight limit with 429 and Retry-After; nothing acknowledged is lost', async () => {
    env = await startTestRapport(dialect, { RAPPORT_INGEST_INFLIGHT_KEY: '1', RAPPORT_INGEST_INFLIGHT_IP: '0' });
    const { app } = env.rapport;
    const hold = holdIngest(env.rapport);
    const headers = { authorization: basicAuth(WRITE_KEY) };
    const first = app.inject({ method: 'POST', url: '/v1/batch', headers, payload: batchBody('adm-k-1') });
    await hold.entered;

    const refused = await app.inject({ method: 'POST', url: '/v1/batch', headers, payload: batchBody('adm-k-2') });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ error: { code: 'too_busy' } });
    expect(refused.json().error.message).toContain('batches in flight per write key');
    hold.release();
    expect((await first).statusCode).toBe(200);
    const again = await app.inject({ method: 'POST', url: '/v1/batch', headers, payload: batchBody('adm-k-2') });
    expect(again.statusCode).toBe(200);
    expect(await stored(env.rapport, 'adm-k-1')).toBe(1);
    expect(await stored(env.rapport, 'adm-k-2')).toBe(1);
  });

  it('counts batches per client address before reading the body; other addresses and single calls pass', async () => {
    env = await startTestRapport(dialect, { RAPPORT_INGEST_INFLIGHT_IP: '1', RAPPORT_INGEST_INFLIGHT_KEY: '0' });
    const { app } = env.rapport;
    const hold = holdIngest(env.rapport);
    const headers = { authorization: basicAuth(WRITE_KEY) };
    const first = app.inject({ method: 'POST', url: '/v1/batch', headers, payload: batchBody('adm-ip-1'), remoteAddress: '10.0.0.1' });
    await hold.entered;

    const refused = await app.inject({ method: 'POST', url: '/v1/import', headers, payload: batchBody('adm-ip-2'), remoteAddress: '10.0.0.1' });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json().error.message).toContain('batches in flight per IP');
    const other = app.inject({ method: 'POST', url: '/v1/batch', headers, payload: batchBody('adm-ip-3'), remoteAddress: '10.0.0.2' });
    const single = app.inject({ method: 'POST', url: '/v1/track', headers, payload: track('adm-ip-4'), remoteAddress: '10.0.0.1' });
    hold.release();
    expect((await first).statusCode).toBe(200);
    expect((await other).statusCode).toBe(200);
    expect((await single).statusCode).toBe(200);
    // The slot was given back when the first response closed.
    const after = await app.inject({ method: 'POST', url: '/v1/batch', headers, payload: batchBody('adm-ip-2'), remoteAddress: '10.0.0.1' });
    expect(after.statusCode).toBe(200);
    for (const id of ['adm-ip-1', 'adm-ip-2', 'adm-ip-3', 'adm-ip-4']) expect(await stored(env.rapport, id)).toBe(1);
  });

  it('sheds batches with 429 while the event loop runs late and batches are in flight, keeps /healthz and single calls, and admits again once it catches up', async () => {
    env = await startTestRapport(dialect, { RAPPORT_INGEST_SHED_LAG_MS: '50' });
    const { app } = env.rapport;
    const headers = { authorization: basicAuth(WRITE_KEY) };
    const inject = (url: string, payload: unknown) => app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });
    // Keep the loop late on every turn: 80 ms of work, one turn, again.
    let busy = true;
    const hog = (async () => {
      while (busy) {
        const until = performance.now() + 80;
        while (performance.now() < until) {
          // spin: the work that makes the loop late
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    })();
    let hold: ReturnType<typeof holdIngest> | undefined;
    const held: Promise<{ statusCode: number }>[] = [];
    try {
      // Two windows of 500 ms, so a full one has seen the lateness.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      // Alone, a batch is not shed: refusing it would free nothing.
      expect((await inject('/v1/batch', batchBody('adm-shed-alone'))).statusCode).toBe(200);
      hold = holdIngest(env.rapport);
      held.push(inject('/v1/batch', batchBody('adm-shed-a')), inject('/v1/batch', batchBody('adm-shed-b')));
      await hold.enteredTwice;
      const shed = await inject('/v1/batch', batchBody('adm-shed-1'));
      expect(shed.statusCode).toBe(429);
      expect(shed.headers['retry-after']).toBe('1');
      expect(shed.json()).toMatchObject({ error: { code: 'overloaded' } });
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      held.push(inject('/v1/track', track('adm-shed-2')));
    } finally {
      busy = false;
      await hog;
      hold?.release();
    }
    for (const response of await Promise.all(held)) expect(response.statusCode).toBe(200);
    await waitFor(
      'a batch admitted once the loop caught up',
      async () => {
        const response = await inject('/v1/batch', batchBody('adm-shed-1'));
        return response.statusCode === 200 ? true : undefined;
      },
      10_000,
      100,
    );
    for (const id of ['adm-shed-alone', 'adm-shed-a', 'adm-shed-b', 'adm-shed-1', 'adm-shed-2']) expect(await stored(env.rapport, id), id).toBe(1);
  });
});
