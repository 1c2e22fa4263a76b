import { manualClock } from '../../src/shared/clock.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, WRITE_KEY, basicAuth, startTestRapport, type TestRapport } from '../helpers/server.js';

interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  json(): unknown;
}

/** Sends `count` requests one after another; the clock stands still, so nothing refills meanwhile. */
async function burst(count: number, send: () => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let n = 0; n < count; n += 1) answers.push(await send());
  return answers;
}

function expectLimited(answers: Answer[], burstSize: number, limit: string): void {
  expect(answers.slice(0, burstSize).every((answer) => answer.statusCode !== 429)).toBe(true);
  const limited = answers.find((answer) => answer.statusCode === 429);
  if (limited === undefined) throw new Error(`no 429 in ${answers.map((answer) => answer.statusCode).join(',')}`);
  expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(limited.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.stringContaining(`"${limit}"`), issues: [{ field: 'rateLimit', rule: limit }] } });
}

describe.each(dialects)('rate limits answer 429 with Retry-After (%s)', (dialect) => {
  let env: TestRapport;
  let otherKey: string;
  let otherToken: string;
  const clock = manualClock(Date.parse('2026-01-01T00:00:00Z'));

  beforeAll(async () => {
    env = await startTestRapport(
      dialect,
      {
        RAPPORT_RATE_INGEST_IP: '1',
        RAPPORT_RATE_INGEST_IP_BURST: '40',
        RAPPORT_RATE_INGEST_KEY: '1',
        RAPPORT_RATE_INGEST_KEY_BURST: '3',
        RAPPORT_RATE_ADMIN_TOKEN: '1',
        RAPPORT_RATE_ADMIN_TOKEN_BURST: '3',
      },
      { rapport: { clock } },
    );
    const { workspaces } = env.rapport;
    otherKey = (await workspaces.createWriteKey('default', 'second source')).key;
    otherToken = (await workspaces.createAdminToken('default', 'second token', 'workspace')).plain;
  });

  afterAll(async () => {
    await env.stop();
  });

  it('limits each write key on its own, and then each client address', async () => {
    const { app } = env.rapport;
    const track = (key: string, ip = '203.0.113.7') =>
      app.inject({ method: 'POST', url: '/v1/track', remoteAddress: ip, headers: { authorization: basicAuth(key) }, payload: { event: 'x', userId: 'u' } });
    expectLimited(await burst(8, () => track(WRITE_KEY)), 3, 'ingest per write key');
    // Another source from the same address is not held back by the first one's limit.
    expect((await track(otherKey)).statusCode).toBe(200);
    // Unauthenticated requests spend the address's budget: past it even a wrong key gets 429, not a lookup.
    const flood = await burst(41, () => track('not-a-key', '198.51.100.9'));
    expect(flood.slice(0, 40).every((answer) => answer.statusCode === 401)).toBe(true);
    expectLimited(flood, 40, 'ingest per IP');
    expect((await track(otherKey, '198.51.100.10')).statusCode).toBe(200);
    // Buckets refill with time: one second later the first key may send one more.
    clock.advance(1000);
    expect((await track(WRITE_KEY)).statusCode).toBe(200);
    expect((await track(WRITE_KEY)).statusCode).toBe(429);
  });

  it('limits each admin token on its own', async () => {
    const { app } = env.rapport;
    const list = (token: string) => app.inject({ method: 'GET', url: '/api/v1/workspaces', headers: { authorization: `Bearer ${token}` } });
    expectLimited(await burst(8, () => list(ADMIN_TOKEN)), 3, 'admin API per token');
    expect((await list(otherToken)).statusCode).toBe(200);
    clock.advance(2000);
    expect((await list(ADMIN_TOKEN)).statusCode).toBe(200);
  });
});
