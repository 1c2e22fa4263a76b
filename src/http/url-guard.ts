import type { FastifyInstance } from 'fastify';
import { RapportError } from '../shared/errors.js';

// Raw or percent-encoded NUL anywhere in the path or query string.
const NUL_IN_URL = /%00|\u0000/i;

/**
 * Refuses a URL carrying a NUL byte before any route sees it: every id, email or key in a path or
 * query ends up in a lookup, and PostgreSQL refuses U+0000 in text (a 500 where SQLite said
 * "not found"). No identifier Rapport issues or stores contains one, so the answer is 400 on both.
 */
export function registerUrlGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (NUL_IN_URL.test(request.url)) {
      throw new RapportError('invalid_request', 'the URL contains a NUL byte (%00); no identifier contains one, remove it', [
        { field: 'url', rule: 'no_nul', message: 'must not contain %00' },
      ]);
    }
  });
}
