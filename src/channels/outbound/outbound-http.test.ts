import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../standard-webhooks.js';
import { OutboundHttp, retryable } from './outbound-http.js';

interface Seen {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 whose answer each test sets. */
async function receiver(answer: (request: http.IncomingMessage, response: http.ServerResponse) => void): Promise<{ url: string; port: number; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      seen.push({ url: request.url ?? '', headers: request.headers, body });
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('the outbound HTTP path', () => {
  let peer: Awaited<ReturnType<typeof receiver>>;
  let mode: 'ok' | 'redirect' | 'big' | 'silent' = 'ok';
  const allowed = new OutboundHttp({ allow: ['127.0.0.1/32'] });

  beforeAll(async () => {
    peer = await receiver((_request, response) => {
      if (mode === 'redirect') response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      else if (mode === 'big') response.writeHead(200).end(Buffer.alloc(1024 * 1024, 0x61));
      else if (mode === 'ok') response.writeHead(200, { 'x-answer': 'yes' }).end('{"ok":true}');
      // 'silent': never answers.
    });
  });
  afterAll(() => peer.close());

  it('refuses loopback by default and names the operator setting that opens it', async () => {
    const result = await new OutboundHttp().request({ url: `${peer.url}/hook`, body: '{}' });
    expect(result).toEqual({ kind: 'refused', reason: expect.stringMatching(/127\.0\.0\.1 is a loopback address; only the server operator can allow it \(RAPPORT_OUTBOUND_ALLOW\)/) });
    expect(retryable(result)).toBe(false);
    expect(peer.seen).toHaveLength(0);
  });

  it('calls an allowed receiver, signs per Standard Webhooks and sends URL credentials as Basic auth', async () => {
    mode = 'ok';
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const url = `http://shop%40x:p%3Ass@127.0.0.1:${peer.port}/hook?a=1`;
    const result = await allowed.request({ url, headers: { 'content-type': 'application/json' }, body: '{"a":1}', sign: { secret, id: 'msg_1', timestampSeconds: 1_700_000_000 } });
    expect(result).toMatchObject({ kind: 'response', status: 200, headers: { 'x-answer': 'yes' }, truncated: false });
    if (result.kind === 'response') expect(result.body.toString()).toBe('{"ok":true}');
    const seen = peer.seen.at(-1);
    expect(seen?.url).toBe('/hook?a=1');
    expect(seen?.headers.authorization).toBe(`Basic ${Buffer.from('shop@x:p:ss').toString('base64')}`);
    expect(
      verifyWebhook(
        secret,
        { id: String(seen?.headers['webhook-id']), timestamp: String(seen?.headers['webhook-timestamp']), signature: String(seen?.headers['webhook-signature']) },
        '{"a":1}',
        1_700_000_000,
      ),
    ).toBe(true);
  });

  it('never follows a redirect (here into cloud metadata)', async () => {
    mode = 'redirect';
    const before = peer.seen.length;
    const result = await allowed.request({ url: `${peer.url}/hook`, body: '{}' });
    expect(result).toMatchObject({ kind: 'response', status: 302 });
    expect(peer.seen).toHaveLength(before + 1);
  });

  it('keeps only the first bytes of a large answer', async () => {
    mode = 'big';
    const small = new OutboundHttp({ allow: ['127.0.0.1/32'], maxResponseBytes: 1000 });
    const result = await small.request({ url: `${peer.url}/big`, method: 'GET' });
    expect(result).toMatchObject({ kind: 'response', status: 200, truncated: true });
    if (result.kind === 'response') expect(result.body.length).toBe(1000);
  });

  it('gives up on a receiver that never answers, as a retryable failure', async () => {
    mode = 'silent';
    const result = await allowed.request({ url: `${peer.url}/slow`, body: '{}', timeoutMs: 200 });
    expect(result).toEqual({ kind: 'failed', reason: expect.stringMatching(/timed out after 200 ms/) });
    expect(retryable(result)).toBe(true);
  });

  it('resolves a name once and connects to the address it checked (DNS rebinding)', async () => {
    mode = 'ok';
    let lookups = 0;
    // First answer: an allowed address; any later answer would be the metadata service.
    const rebinding = new OutboundHttp({ allow: ['127.0.0.1/32'], resolve: async () => (lookups++ === 0 ? ['127.0.0.1'] : ['169.254.169.254']) });
    const result = await rebinding.request({ url: `http://rebind.test:${peer.port}/hook`, body: '{}' });
    expect(result).toMatchObject({ kind: 'response', status: 200 });
    expect(lookups).toBe(1);
    expect(peer.seen.at(-1)?.headers.host).toBe(`rebind.test:${peer.port}`);
  });

  it('refuses a name when any of its addresses is refused, and reports resolution failures as retryable', async () => {
    const mixed = new OutboundHttp({ resolve: async () => ['93.184.216.34', '10.0.0.5'] });
    expect(await mixed.request({ url: 'https://mixed.test/hook', body: '{}' })).toEqual({
      kind: 'refused',
      reason: expect.stringMatching(/mixed\.test resolves to a refused address: destination 10\.0\.0\.5 is a private address/),
    });
    const failing = new OutboundHttp({
      resolve: async () => {
        throw new Error('ENOTFOUND');
      },
    });
    const result = await failing.request({ url: 'https://gone.test/hook', body: '{}' });
    expect(result).toEqual({ kind: 'failed', reason: expect.stringMatching(/cannot resolve gone\.test/) });
  });

  it('refuses what is not an http(s) URL, and IPv6 zones', async () => {
    const outbound = new OutboundHttp();
    expect(await outbound.request({ url: 'file:///etc/passwd' })).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/only http and https/) });
    expect(await outbound.request({ url: 'http://[fe80::1%25eth0]/' })).toMatchObject({ kind: 'refused' });
    expect(await outbound.request({ url: 'not a url' })).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/not a valid URL/) });
  });

  it('refuses a bad operator range when built', () => {
    expect(() => new OutboundHttp({ allow: ['localhost/8'] })).toThrow(/not an IP range/);
  });
});
