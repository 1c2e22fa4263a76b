import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RapportError } from '../shared/errors.js';
import { decodeJsonBody } from './body.js';

const codeOf = (error: unknown) => (error instanceof RapportError ? error.code : String(error));

describe('decodeJsonBody', () => {
  const value = { batch: [{ type: 'track', event: 'Order Completed', properties: { pad: 'x'.repeat(1000) } }] };
  const text = JSON.stringify(value);

  it('decodes identity, gzip, deflate and br bodies', async () => {
    expect(await decodeJsonBody(Buffer.from(text), undefined, 100_000, 'ingest_too_large')).toEqual(value);
    expect(await decodeJsonBody(gzipSync(text), 'gzip', 100_000, 'ingest_too_large')).toEqual(value);
    expect(await decodeJsonBody(gzipSync(text), ' X-GZIP ', 100_000, 'ingest_too_large')).toEqual(value);
    expect(await decodeJsonBody(deflateSync(text), 'deflate', 100_000, 'ingest_too_large')).toEqual(value);
    expect(await decodeJsonBody(brotliCompressSync(text), 'br', 100_000, 'ingest_too_large')).toEqual(value);
    expect(await decodeJsonBody(Buffer.alloc(0), undefined, 100_000, 'ingest_too_large')).toBeUndefined();
  });

  it('stops inflating at the decoded limit: a small gzip of a large body is refused as too large', async () => {
    const bomb = gzipSync(Buffer.alloc(5 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(10_000);
    expect(codeOf(await decodeJsonBody(bomb, 'gzip', 500 * 1024, 'ingest_too_large').catch((error: unknown) => error))).toBe('ingest_too_large');
    expect(codeOf(await decodeJsonBody(Buffer.from(text), undefined, 100, 'payload_too_large').catch((error: unknown) => error))).toBe('payload_too_large');
  });

  it('names what is wrong with bodies it cannot decode', async () => {
    expect(codeOf(await decodeJsonBody(Buffer.from('not gzip'), 'gzip', 1000, 'ingest_too_large').catch((error: unknown) => error))).toBe('request.encoding_invalid');
    expect(codeOf(await decodeJsonBody(Buffer.from('{}'), 'compress', 1000, 'ingest_too_large').catch((error: unknown) => error))).toBe('unsupported_encoding');
    expect(codeOf(await decodeJsonBody(Buffer.from('{"a":'), undefined, 1000, 'ingest_too_large').catch((error: unknown) => error))).toBe('invalid_json');
  });

  it('parses large bodies one per loop turn, so bodies that arrived together do not all hold one turn', async () => {
    const large = Buffer.from(JSON.stringify({ pad: 'x'.repeat(200_000) }));
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const parsedIn: number[] = [];
    await Promise.all([1, 2, 3].map(() => decodeJsonBody(large, undefined, 500_000, 'ingest_too_large').then(() => parsedIn.push(turn))));
    ticking = false;
    expect(new Set(parsedIn).size).toBe(3);
  });
});
