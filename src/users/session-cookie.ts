import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RapportError } from '../shared/errors.js';
import type { SessionPrincipal } from './user-service.js';

/*
 * The session cookie and the CSRF defence of cookie-authenticated requests. The cookie is
 * HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site POSTs) and Secure over
 * https; unsafe methods must also echo the session's CSRF token in X-CSRF-Token (a synchronizer
 * token: sign-in and /auth/me hand it to the dashboard), and a cross-origin Origin is refused.
 * Bearer tokens are never sent by a browser on its own, so none of this applies to them.
 */
export const SESSION_COOKIE = 'rapport_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// A session token is ~48 characters; anything much longer is not one of ours.
const MAX_COOKIE_VALUE = 256;

/** How the cookie's Secure attribute is decided: `auto` follows the request's protocol (https behind a trusted proxy). */
export type CookieSecurity = 'auto' | 'always';

/** The session token in the request's Cookie header, or undefined. */
export function sessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0 || part.slice(0, separator).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(separator + 1).trim();
    return value === '' || value.length > MAX_COOKIE_VALUE ? undefined : value;
  }
  return undefined;
}

function secure(request: FastifyRequest, security: CookieSecurity): boolean {
  return security === 'always' || request.protocol === 'https';
}

/** Sets the session cookie for `maxAgeMs`. */
export function setSessionCookie(reply: FastifyReply, token: string, maxAgeMs: number, security: CookieSecurity): void {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.floor(maxAgeMs / 1000)}`];
  if (secure(reply.request, security)) attributes.push('Secure');
  void reply.header('set-cookie', `${SESSION_COOKIE}=${token}; ${attributes.join('; ')}`);
}

/** Tells the browser to forget the session cookie. */
export function clearSessionCookie(reply: FastifyReply, security: CookieSecurity): void {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax', 'Max-Age=0'];
  if (secure(reply.request, security)) attributes.push('Secure');
  void reply.header('set-cookie', `${SESSION_COOKIE}=; ${attributes.join('; ')}`);
}

/** Refuses a request whose Origin is another site's (a form or script on a foreign page). */
export function requireSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null' || SAFE_METHODS.has(request.method)) return;
  let host: string;
  let own: string;
  try {
    host = new URL(origin).host;
    // Through URL too, so a default port (`:80`, `:443`) compares equal to none.
    own = new URL(`${request.protocol}://${request.host}`).host;
  } catch {
    throw new RapportError('forbidden', 'the Origin header is not a URL');
  }
  if (host !== own) throw new RapportError('forbidden', `cross-origin request from ${origin} refused; the dashboard calls the API from its own origin`);
}

/** For a cookie-authenticated unsafe request: same origin and the session's CSRF token in X-CSRF-Token. */
export function requireCsrf(request: FastifyRequest, principal: Pick<SessionPrincipal, 'csrfToken'>): void {
  if (SAFE_METHODS.has(request.method)) return;
  requireSameOrigin(request);
  const sent = request.headers[CSRF_HEADER];
  const given = Buffer.from(typeof sent === 'string' ? sent : '');
  const expected = Buffer.from(principal.csrfToken);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new RapportError('forbidden', "send the session's CSRF token (csrfToken of sign-in or GET /api/v1/auth/me) in X-CSRF-Token with every change made with the session cookie", [
      { field: CSRF_HEADER, rule: 'csrf', message: 'missing or wrong' },
    ]);
  }
}
