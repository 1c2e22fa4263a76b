import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RapportError } from '../../shared/errors.js';
import { MAX_CREDENTIAL_LENGTH, type AdminToken, type WorkspaceService } from '../../workspaces/index.js';
import { requireScope } from './access.js';

export interface AdminAuth {
  token: AdminToken;
  /** The workspace this request acts on. */
  workspaceId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    adminAuth: AdminAuth | null;
  }
}

/** Requires `Authorization: Bearer <admin token>` on every route of the scope. */
export function registerAdminAuth(app: FastifyInstance, workspaces: WorkspaceService): void {
  app.decorateRequest('adminAuth', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (header === undefined || !/^bearer /i.test(header)) {
      throw new RapportError('unauthorized', 'send Authorization: Bearer <admin token> (printed on first start, or create one with `rapport keys create-token`)');
    }
    const plain = header.slice(7).trim();
    if (plain.length > MAX_CREDENTIAL_LENGTH) throw new RapportError('unauthorized', `an admin token is at most ${MAX_CREDENTIAL_LENGTH} characters`);
    const token = await workspaces.authenticateAdmin(plain);
    if (token === undefined) throw new RapportError('unauthorized', 'the admin token is not recognized or was revoked');
    let workspaceId = token.workspaceId;
    const chosen = request.headers['x-rapport-workspace'];
    if (typeof chosen === 'string' && chosen !== '' && chosen !== token.workspaceId) {
      if (token.scope !== 'instance') throw new RapportError('forbidden', 'this token belongs to one workspace; X-Rapport-Workspace needs an instance token');
      if ((await workspaces.getWorkspace(chosen)) === undefined) throw new RapportError('not_found', `no workspace "${chosen}"`);
      workspaceId = chosen;
    }
    request.adminAuth = { token, workspaceId };
    requireScope(request, token);
  });
}

/** The caller's auth; routes in an admin scope always have it. */
export function authOf(request: FastifyRequest): AdminAuth {
  if (request.adminAuth === null) throw new RapportError('unauthorized');
  return request.adminAuth;
}
