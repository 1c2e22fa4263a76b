import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RapportError } from '../../shared/errors.js';
import type { AdminCaller } from '../../app/caller.js';
import { requireCsrf, sessionToken, type SessionPrincipal, type UserService } from '../../users/index.js';
import { MAX_CREDENTIAL_LENGTH, type AdminToken, type WorkspaceService } from '../../workspaces/index.js';
import { requireScope } from './access.js';

export interface AdminAuth {
  /**
   * The credential and its scopes: an admin token, or for a session cookie the user as a
   * credential (id = the user id, scopes = the role's), so scope checks, the audit log and the
   * per-credential rate limit treat both alike.
   */
  token: AdminToken;
  /** The workspace this request acts on. */
  workspaceId: string;
  /** Set when a dashboard session (cookie) authenticated the request. */
  session: SessionPrincipal | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    adminAuth: AdminAuth | null;
  }
}

function chosenWorkspace(request: FastifyRequest): string | undefined {
  const chosen = request.headers['x-rapport-workspace'];
  return typeof chosen === 'string' && chosen !== '' ? chosen : undefined;
}

async function tokenAuth(request: FastifyRequest, header: string, workspaces: WorkspaceService): Promise<AdminAuth> {
  const plain = header.slice(7).trim();
  if (plain.length > MAX_CREDENTIAL_LENGTH) throw new RapportError('unauthorized', `an admin token is at most ${MAX_CREDENTIAL_LENGTH} characters`);
  const token = await workspaces.authenticateAdmin(plain);
  if (token === undefined) throw new RapportError('unauthorized', 'the admin token is not recognized or was revoked');
  let workspaceId = token.workspaceId;
  const chosen = chosenWorkspace(request);
  if (chosen !== undefined && chosen !== token.workspaceId) {
    if (token.scope !== 'instance') throw new RapportError('forbidden', 'this token belongs to one workspace; X-Rapport-Workspace needs an instance token');
    if ((await workspaces.getWorkspace(chosen)) === undefined) throw new RapportError('not_found', `no workspace "${chosen}"`);
    workspaceId = chosen;
  }
  return { token, workspaceId, session: undefined };
}

/** A session cookie as a credential: the user acting with the scopes of their role in the workspace. */
async function sessionAuth(request: FastifyRequest, plain: string, users: UserService): Promise<AdminAuth> {
  const principal = await users.authenticate(plain, chosenWorkspace(request));
  if (principal === undefined) throw new RapportError('unauthorized', 'the session ended (signed out, idle or expired); sign in again');
  requireCsrf(request, principal);
  const token: AdminToken = {
    workspaceId: principal.workspaceId,
    id: principal.user.id,
    name: `session of ${principal.user.email}`,
    scope: 'workspace',
    createdAt: principal.user.createdAt,
    lastUsedAt: null,
    revokedAt: null,
    scopes: principal.scopes,
    expiresAt: principal.expiresAt,
  };
  return { token, workspaceId: principal.workspaceId, session: principal };
}

/** What the modules' route handlers see of the credential (src/app/caller.ts). */
function callerOfAuth(auth: AdminAuth): AdminCaller {
  const { token, session } = auth;
  return { workspaceId: auth.workspaceId, credentialId: token.id, instance: token.scope === 'instance', user: session === undefined ? undefined : { id: session.user.id, role: session.role } };
}

/** Requires `Authorization: Bearer <admin token>`, or a dashboard session cookie, on every route of the scope. */
export function registerAdminAuth(app: FastifyInstance, workspaces: WorkspaceService, users: UserService): void {
  app.decorateRequest('adminAuth', null);
  app.decorateRequest('adminCaller', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const cookie = sessionToken(request);
    let auth: AdminAuth;
    // A Bearer token wins over a cookie: machines never carry the CSRF token, and need not.
    if (header !== undefined && /^bearer /i.test(header)) auth = await tokenAuth(request, header, workspaces);
    else if (cookie !== undefined) auth = await sessionAuth(request, cookie, users);
    else
      throw new RapportError(
        'unauthorized',
        'send Authorization: Bearer <admin token> (printed on first start, or create one with `rapport keys create-token`), or sign in (POST /api/v1/auth/sign-in)',
      );
    request.adminAuth = auth;
    requireScope(request, auth.token);
    request.adminCaller = callerOfAuth(auth);
  });
}

/** The caller's auth; routes in an admin scope always have it. */
export function authOf(request: FastifyRequest): AdminAuth {
  if (request.adminAuth === null) throw new RapportError('unauthorized');
  return request.adminAuth;
}
