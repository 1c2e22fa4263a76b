import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, WRITE_KEY, basicAuth, startTestRapport, type TestRapport } from '../helpers/server.js';

// A collectable heap makes "memory stays flat" measurable rather than a guess about GC timing.
setFlagsFromString('--expose-gc');
const collect: unknown = runInNewContext('gc');

function heapAfterGc(): number {
  if (typeof collect === 'function') {
    collect();
    collect();
  }
  return process.memoryUsage().heapUsed;
}

const MB = 1024 * 1024;
const KEY_BYTES = 400 * 1024;
const REQUESTS = 10_000;

const TAIL = `${'k'.repeat(KEY_BYTES)}","batch":[{"type":"track","event":"x","userId":"u"}]}`;
const TAIL_DEFLATED = deflateRawSync(TAIL);
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

/**
 * A ~1 KB gzip body whose JSON carries a unique write key of about 400 KB (the issue 12 attack).
 * Built from a unique deflated prefix (ended by a full flush, so the next block stands alone)
 * and the tail deflated once: compressing 10,000 × 400 KB would cost more than the test itself.
 */
function hostileBody(n: number): Buffer {
  const prefix = `{"writeKey":"attack-${n}-`;
  const head = deflateRawSync(prefix, { finishFlush: constants.Z_FULL_FLUSH });
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(TAIL, crc32(prefix)), 0);
  trailer.writeUInt32LE((prefix.length + TAIL.length) % 2 ** 32, 4);
  return Buffer.concat([GZIP_HEADER, head, TAIL_DEFLATED, trailer]);
}

// A 400 KB key is refused before any lookup, so the flood never reaches the store and one
// dialect measures it; the bounded caches in front of the store are checked on both below.
describe('unauthenticated requests do not grow memory', () => {
  const dialect = 'sqlite';
  let env: TestRapport;

  beforeAll(async () => {
    env = await startTestRapport(dialect);
  });

  afterAll(async () => {
    await env.stop();
  });

  it('10,000 requests with unique 400 KB write keys leave the heap flat and are refused before lookup', { timeout: 900_000 }, async () => {
    const { app, workspaces } = env.rapport;
    const send = (n: number) => app.inject({ method: 'POST', url: '/v1/batch', headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' }, payload: hostileBody(n) });
    // Warm-up: JIT, route caches and the first allocations are not growth.
    for (let n = 0; n < 50; n += 1) expect((await send(-n - 1)).statusCode).toBe(401);
    const before = heapAfterGc();
    const rssBefore = process.memoryUsage().rss;
    const statuses = new Map<number, number>();
    const concurrency = 8;
    for (let start = 0; start < REQUESTS; start += concurrency) {
      const responses = await Promise.all(Array.from({ length: Math.min(concurrency, REQUESTS - start) }, (_, i) => send(start + i)));
      for (const response of responses) statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    }
    const after = heapAfterGc();
    const rssAfter = process.memoryUsage().rss;
    console.info(`[${dialect}] ${REQUESTS} hostile requests: heapUsed ${((after - before) / MB).toFixed(1)} MB growth, rss ${(rssBefore / MB).toFixed(0)} -> ${(rssAfter / MB).toFixed(0)} MB`);
    expect([...statuses]).toEqual([[401, REQUESTS]]);
    // Unfixed, every key was cached: 10,000 × 400 KB of UTF-16 is gigabytes.
    expect(after - before).toBeLessThan(50 * MB);
    expect(workspaces.credentialCacheSize().bytes).toBeLessThan(1 * MB);
    const refused = await send(REQUESTS + 1);
    expect(refused.json()).toMatchObject({ error: { code: 'unauthorized', message: expect.stringMatching(/at most 256 characters/) } });
    // The real key still works after the flood.
    const ok = await app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basicAuth(WRITE_KEY) }, payload: { event: 'after', userId: 'u1' } });
    expect(ok.statusCode).toBe(200);
  });
});

describe.each(dialects)('credential caches stay bounded (%s)', (dialect) => {
  let env: TestRapport;

  beforeAll(async () => {
    env = await startTestRapport(dialect);
  });

  afterAll(async () => {
    await env.stop();
  });

  it('unique short unknown keys and tokens stay within the credential caches bounds', async () => {
    const { app, workspaces } = env.rapport;
    for (let n = 0; n < 2000; n += 8) {
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basicAuth(`unknown-${n + i}-`.padEnd(250, 'x')) }, payload: { event: 'x', userId: 'u' } }),
        ),
      );
    }
    const size = workspaces.credentialCacheSize();
    // Each unknown key is remembered (briefly) so repeats skip the store; within the bounds.
    expect(size.entries).toBeGreaterThanOrEqual(2000);
    expect(size.entries).toBeLessThanOrEqual(20_000);
    expect(size.bytes).toBeLessThanOrEqual(16 * MB);
    const longToken = await app.inject({ method: 'GET', url: '/api/v1/workspaces', headers: { authorization: `Bearer ${'t'.repeat(300)}` } });
    expect(longToken.statusCode).toBe(401);
    expect(longToken.json()).toMatchObject({ error: { code: 'unauthorized', message: expect.stringMatching(/at most 256 characters/) } });
    const admin = await app.inject({ method: 'GET', url: '/api/v1/workspaces', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(admin.statusCode).toBe(200);
  });
});
