import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { RapportError } from '../shared/errors.js';
import { nextTurn } from '../shared/yield-slices.js';

/** Bytes a request may carry on the wire before decoding (compressed bodies are smaller). */
export const TRANSPORT_LIMIT = 8 * 1024 * 1024;

/*
 * Decoding runs off the event loop where it can and one big body per loop turn where it cannot.
 * Decompression goes to libuv's thread pool: gunzipSync of a near-limit body ran on the loop,
 * and every body that finished arriving in one poll phase was inflated and parsed in that one
 * turn, so under bench:hostile a turn held several 400-500 KB decodes and /healthz waited for
 * all of them. JSON.parse has no asynchronous form; a body past SMALL_BODY waits its turn
 * (`nextTurn`, shared with every other sliced work) and is parsed alone in it (~2-5 ms at 500 KB).
 */
const SMALL_BODY = 16 * 1024;

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const brotliAsync = promisify(brotliDecompress);

/**
 * Decodes a request body: Content-Encoding (gzip, deflate, br) then JSON, whatever the
 * Content-Type says (browsers send text/plain to skip preflight; rudder sends
 * form-urlencoded when it gzips). `limit` applies to the decoded bytes, so a small
 * compressed body cannot expand past it: the decompressor stops at `limit + 1` bytes.
 * @example const body = await decodeJsonBody(buffer, 'gzip', 512000, 'ingest_too_large');
 */
export async function decodeJsonBody(raw: Buffer, encoding: string | undefined, limit: number, tooLarge: 'payload_too_large' | 'ingest_too_large'): Promise<unknown> {
  let bytes = raw;
  const coding = encoding?.trim().toLowerCase();
  // Refused before anything is inflated: an identity body past the limit needs no decoding to know.
  if ((coding === undefined || coding === '' || coding === 'identity') && raw.length > limit) throw tooLargeError(tooLarge, limit, raw.length);
  try {
    // 64 KB chunks: each chunk is one round trip to the pool and one callback on the loop (16 KB by default).
    const options = { maxOutputLength: limit + 1, chunkSize: 64 * 1024 };
    if (coding === 'gzip' || coding === 'x-gzip') bytes = await gunzipAsync(raw, options);
    else if (coding === 'deflate') bytes = await inflateAsync(raw, options);
    else if (coding === 'br') bytes = await brotliAsync(raw, options);
    else if (coding !== undefined && coding !== '' && coding !== 'identity') {
      throw new RapportError('unsupported_encoding', `Content-Encoding "${encoding}" is not supported; send gzip, deflate, br or none`);
    }
  } catch (error) {
    if (error instanceof RapportError) throw error;
    if (error instanceof RangeError) throw tooLargeError(tooLarge, limit);
    throw new RapportError('request.encoding_invalid', `the body is not valid ${coding} data: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (bytes.length > limit) throw tooLargeError(tooLarge, limit, bytes.length);
  if (bytes.length === 0) return undefined;
  if (bytes.length > SMALL_BODY) await nextTurn();
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new RapportError('invalid_json', `the body is not valid JSON (${error instanceof Error ? error.message : 'parse error'}); send one JSON object`);
  }
}

function tooLargeError(code: 'payload_too_large' | 'ingest_too_large', limit: number, size?: number): RapportError {
  const kb = Math.round(limit / 1024);
  const got = size === undefined ? 'more' : `${Math.ceil(size / 1024)} KB`;
  return new RapportError(code, `the decoded body may be at most ${kb} KB and this one is ${got}; split it into smaller requests`);
}
