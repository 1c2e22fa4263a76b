import type { FastifyInstance } from 'fastify';
import { RapportError } from '../shared/errors.js';

/*
 * PostgreSQL text cannot hold U+0000: a NUL in an id or a name reached the store as a driver
 * error and came back as a 500. Refused here, once for every route, naming the field. Ingest
 * bodies are left to ingest validation (it rejects the item, not the batch).
 */

const MAX_DEPTH = 64;

/** The path of the first string (or key) holding a NUL, if any. */
function nulField(value: unknown, path: string, depth: number): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = nulField(item, `${path}[${index}]`, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (key.includes('\u0000')) return at;
    const found = nulField(item, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Answers 400 when a path parameter, a query parameter or (on the admin API) a body string
 * contains a NUL character.
 * @example registerNulGuard(app);
 */
export function registerNulGuard(app: FastifyInstance): void {
  // Callback style (no promise per request); parameters and query are decoded from the URL, where
  // a NUL can only be written %00 (the HTTP parser refuses a raw one), so without it they are not walked.
  app.addHook('preValidation', (request, _reply, done) => {
    const parts: [string, unknown][] = [];
    if (request.url.includes('%00')) parts.push(['params', request.params], ['querystring', request.query]);
    if (request.url.startsWith('/api/')) parts.push(['body', request.body]);
    for (const [part, value] of parts) {
      const field = nulField(value, '', 0);
      if (field !== undefined) return done(new RapportError('request.nul_character', `${part}${field === '' ? '' : `.${field}`} contains a NUL character (U+0000); remove it`));
    }
    done();
  });
}
