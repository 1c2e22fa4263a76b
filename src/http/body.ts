import { gunzipSync, inflateSync, brotliDecompressSync } from 'node:zlib';
import { RapportError } from '../shared/errors.js';

/** Bytes a request may carry on the wire before decoding (compressed bodies are smaller). */
export const TRANSPORT_LIMIT = 8 * 1024 * 1024;

/**
 * Decodes a request body: Content-Encoding (gzip, deflate, br) then JSON, whatever the
 * Content-Type says (browsers send text/plain to skip preflight; rudder sends
 * form-urlencoded when it gzips). `limit` applies to the decoded bytes, so a small
 * compressed body cannot expand past it.
 * @example const body = decodeJsonBody(buffer, 'gzip', 512000, 'ingest_too_large');
 */
export function decodeJsonBody(raw: Buffer, encoding: string | undefined, limit: number, tooLarge: 'payload_too_large' | 'ingest_too_large'): unknown {
  let bytes = raw;
  const coding = encoding?.trim().toLowerCase();
  try {
    if (coding === 'gzip' || coding === 'x-gzip') bytes = gunzipSync(raw, { maxOutputLength: limit + 1 });
    else if (coding === 'deflate') bytes = inflateSync(raw, { maxOutputLength: limit + 1 });
    else if (coding === 'br') bytes = brotliDecompressSync(raw, { maxOutputLength: limit + 1 });
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
