import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { RapportError } from '../../shared/errors.js';
import type { AccessScope, AdminToken, WorkspaceService } from '../../workspaces/index.js';
import { authOf } from './auth.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A POST that only reads (an analysis query): a `read` token may call it and it is not audited. */
    reads?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// Credentials and the audit trail: reading them already hands out keys or tells who did what.
// Users: listing them tells who has access, and a marketer must not invite an admin.
const ADMIN_AREAS = ['/api/v1/write-keys', '/api/v1/admin-tokens', '/api/v1/audit', '/api/v1/onsite/secret', '/api/v1/users'];
// Path parameters that name a person rather than a resource never reach the audit log.
const RESOURCE_PARAM = /^(id|key|name|strategy|channel|version|[a-z]+Id)$/;

/** The scope a request needs, derived from its method and route, never restated per route. */
export function requiredScope(request: FastifyRequest): AccessScope {
  const route = request.routeOptions.url ?? '';
  if (ADMIN_AREAS.some((area) => route === area || route.startsWith(`${area}/`))) return 'admin';
  return changesData(request) ? 'write' : 'read';
}

/** Whether the request may change data: any method but GET/HEAD/OPTIONS, unless its route only reads. */
export function changesData(request: FastifyRequest): boolean {
  return !SAFE_METHODS.has(request.method) && request.routeOptions.config.reads !== true;
}

const RANK: Record<AccessScope, number> = { read: 0, write: 1, admin: 2 };

/** Refuses a request its token's scopes do not cover (`admin` covers `write` covers `read`). */
export function requireScope(request: FastifyRequest, token: AdminToken): void {
  const needed = requiredScope(request);
  if (token.scopes.some((scope) => RANK[scope] >= RANK[needed])) return;
  throw new RapportError(
    'forbidden',
    `${request.method} ${request.routeOptions.url ?? request.url} needs the "${needed}" scope; this token has ${token.scopes.map((scope) => `"${scope}"`).join(', ')}. Create a token with scopes ["${needed}"]`,
  );
}

function resourceIds(params: unknown): Record<string, string> {
  const ids: Record<string, string> = Object.create(null);
  if (typeof params !== 'object' || params === null) return ids;
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'string') ids[name] = RESOURCE_PARAM.test(name) ? value : '[redacted]';
  }
  return ids;
}

/** Writes every changing admin call, after its answer, to the workspace's audit log. */
export function registerAuditLog(app: FastifyInstance, workspaces: WorkspaceService): void {
  app.addHook('onResponse', async (request, reply) => {
    const auth = request.adminAuth;
    if (auth === null || !changesData(request)) return;
    try {
      await workspaces.audit.record({
        workspaceId: auth.workspaceId,
        tokenId: auth.token.id,
        method: request.method,
        route: request.routeOptions.url ?? 'unknown route',
        resourceIds: resourceIds(request.params),
        status: reply.statusCode,
        ip: request.ip,
      });
    } catch (error) {
      request.log.error({ err: error }, 'could not write the audit log entry');
    }
  });
}

const AuditEntrySchema = Type.Object(
  {
    id: Type.String(),
    at: Type.Integer(),
    tokenId: Type.String({ description: 'The admin token (tok_...) or the signed-in user (usr_...) that made the call' }),
    method: Type.String(),
    route: Type.String({ description: 'Route pattern, e.g. /api/v1/segments/:id' }),
    resourceIds: Type.Record(Type.String(), Type.String(), { description: 'Path parameters naming the resources' }),
    status: Type.Integer({ description: 'HTTP status of the answer' }),
    ip: Type.String(),
  },
  { $id: 'AuditEntry' },
);

/** GET /audit: the workspace's admin changes, newest first. */
export async function auditRoutes(scope: FastifyInstance, workspaces: WorkspaceService): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/audit',
    {
      schema: {
        tags: ['keys'],
        summary: 'Audit log: every admin call that changed data (who, what, when, from where), newest first; needs the admin scope',
        querystring: Type.Object({
          from: Type.Optional(Type.String({ format: 'date-time', description: 'Entries at or after this instant' })),
          to: Type.Optional(Type.String({ format: 'date-time', description: 'Entries before this instant' })),
          cursor: Type.Optional(Type.String({ maxLength: 100, description: 'nextCursor of the previous page' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }),
        response: { 200: Type.Object({ entries: Type.Array(AuditEntrySchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => {
      const { from, to, cursor, limit } = request.query;
      return workspaces.audit.list(authOf(request).workspaceId, {
        from: from === undefined ? undefined : Date.parse(from),
        to: to === undefined ? undefined : Date.parse(to),
        cursor,
        limit,
      });
    },
  );
}
