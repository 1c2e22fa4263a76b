import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The hosted pages (unsubscribe / preferences, confirmations) are static HTML with inline
 * styles and a same-origin form: no script, no frames, no outside resources.
 */
export const HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
/** Everything else (JSON, CSV, the pixel, redirects) is never a document, so it may load nothing. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** Sets a header unless the route already chose its own value. */
function setDefault(reply: FastifyReply, name: string, value: string): void {
  if (!reply.hasHeader(name)) void reply.header(name, value);
}

/**
 * Security headers on every response, in one onSend hook: a CSP that fits the response type,
 * no MIME sniffing, no referrer, no framing. CORS headers of the ingest and public endpoints
 * are theirs to set and are left alone.
 * @example registerSecurityHeaders(app);
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  // Callback style: an async hook costs a promise and two microtasks on every response.
  app.addHook('onSend', (_request, reply, payload, done) => {
    const type = String(reply.getHeader('content-type') ?? '');
    setDefault(reply, 'content-security-policy', type.startsWith('text/html') ? HTML_CSP : API_CSP);
    setDefault(reply, 'x-content-type-options', 'nosniff');
    setDefault(reply, 'referrer-policy', 'no-referrer');
    setDefault(reply, 'x-frame-options', 'DENY');
    done(null, payload);
  });
}
