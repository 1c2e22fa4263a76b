import type { FastifyRequest } from 'fastify';
import { RapportError } from '../shared/errors.js';

/**
 * Who calls an admin route, as a module's route handlers need it. src/http's auth hook checks
 * the credential (admin token or dashboard session) and its scopes before any route runs, then
 * sets this on the request; the full credential stays in src/http (audit log, rate limits).
 */
export interface AdminCaller {
  /** The workspace the request acts on. */
  workspaceId: string;
  /** The admin token's id, or for a dashboard session the signed-in user's id. */
  credentialId: string;
  /** An instance admin token: it may act on, list and create every workspace. */
  instance: boolean;
  /** The signed-in dashboard user and their role in the workspace; undefined for an admin token. */
  user: { id: string; role: string } | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    adminCaller: AdminCaller | null;
  }
}

/**
 * The caller of a request in the admin scope; outside it (no credential checked) an `unauthorized` error.
 * @example const { workspaceId } = callerOf(request);
 */
export function callerOf(request: FastifyRequest): AdminCaller {
  if (request.adminCaller === null || request.adminCaller === undefined) throw new RapportError('unauthorized');
  return request.adminCaller;
}
