import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { RapportError } from '../shared/errors.js';
import type { WorkspaceService } from '../workspaces/index.js';
import { callerOf } from '../app/caller.js';

const AccessScopeSchema = Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('admin')]);
const WriteKeyScopeSchema = Type.Union([Type.Literal('track'), Type.Literal('identify'), Type.Literal('import'), Type.Literal('onsite')]);
const WRITE_KEY_SCOPES_TEXT =
  'track: track, page, screen; identify: identify, alias, group; import: /v1/import (any type); onsite: the browser on-site endpoints (recommendations, experiments, web push, inbox)';

export const Workspace = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.Integer() }, { $id: 'Workspace' });
export type Workspace = Static<typeof Workspace>;

export const WriteKey = Type.Object(
  {
    id: Type.String(),
    key: Type.String({ description: 'The write key a source sends (Basic auth username or body writeKey)' }),
    name: Type.String(),
    createdAt: Type.Integer(),
    revokedAt: Type.Union([Type.Integer(), Type.Null()]),
    expiresAt: Type.Union([Type.Integer(), Type.Null()], { description: 'After this instant (ms) the key is refused; null: never' }),
    scopes: Type.Array(WriteKeyScopeSchema, { description: WRITE_KEY_SCOPES_TEXT }),
  },
  { $id: 'WriteKey' },
);

export const AdminToken = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    scope: Type.Union([Type.Literal('workspace'), Type.Literal('instance')]),
    createdAt: Type.Integer(),
    lastUsedAt: Type.Union([Type.Integer(), Type.Null()]),
    revokedAt: Type.Union([Type.Integer(), Type.Null()]),
    scopes: Type.Array(AccessScopeSchema, { description: 'read: GET routes; write: also changes; admin: also keys, tokens and the audit log' }),
    expiresAt: Type.Union([Type.Integer(), Type.Null()], { description: 'After this instant (ms) the token is refused; null: never' }),
  },
  { $id: 'AdminToken' },
);

const ExpiresAt = Type.Optional(Type.String({ format: 'date-time', description: 'When the credential stops working (ISO-8601); omit for never' }));
const WriteKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    scopes: Type.Optional(Type.Array(WriteKeyScopeSchema, { minItems: 1, uniqueItems: true, description: `Default: every scope (what a write key could always do). ${WRITE_KEY_SCOPES_TEXT}` })),
    expiresAt: ExpiresAt,
  },
  { additionalProperties: false },
);
const AdminTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    scopes: Type.Optional(Type.Array(AccessScopeSchema, { minItems: 1, uniqueItems: true, description: 'Default: every scope' })),
    expiresAt: ExpiresAt,
  },
  { additionalProperties: false },
);

function instant(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Date.parse(value);
}

const IdParams = Type.Object({ id: Type.String() });

/** Workspaces, write keys and admin tokens. */
export async function workspaceRoutes(scope: FastifyInstance, workspaces: WorkspaceService): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/workspaces', { schema: { tags: ['workspaces'], summary: 'Workspaces this token may use', response: { 200: Type.Object({ workspaces: Type.Array(Workspace) }) } } }, async (request) => {
    const auth = callerOf(request);
    if (auth.instance) return { workspaces: await workspaces.listWorkspaces() };
    const own = await workspaces.getWorkspace(auth.workspaceId);
    return { workspaces: own === undefined ? [] : [own] };
  });

  app.post(
    '/workspaces',
    {
      schema: {
        tags: ['workspaces'],
        summary: 'Create a workspace with its first write key and admin token (instance tokens only)',
        body: Type.Object({ id: Type.String({ minLength: 1, maxLength: 63 }), name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 201: Type.Object({ workspace: Workspace, writeKey: WriteKey, adminToken: Type.Object({ token: AdminToken, secret: Type.String({ description: 'Shown once' }) }) }) },
      },
    },
    async (request, reply) => {
      if (!callerOf(request).instance) throw new RapportError('forbidden', 'creating workspaces needs an instance admin token');
      const created = await workspaces.createWorkspace(request.body.id, request.body.name);
      return reply.status(201).send({ workspace: created.workspace, writeKey: created.writeKey, adminToken: { token: created.adminToken.token, secret: created.adminToken.plain } });
    },
  );

  app.get('/write-keys', { schema: { tags: ['keys'], summary: 'Write keys (one per source)', response: { 200: Type.Object({ writeKeys: Type.Array(WriteKey) }) } } }, async (request) => ({
    writeKeys: await workspaces.listWriteKeys(callerOf(request).workspaceId),
  }));

  app.post(
    '/write-keys',
    { schema: { tags: ['keys'], summary: 'Create a write key for a new source, optionally limited to scopes and expiring', body: WriteKeyBody, response: { 201: WriteKey } } },
    async (request, reply) => {
      const { name, scopes, expiresAt } = request.body;
      return reply.status(201).send(await workspaces.createWriteKey(callerOf(request).workspaceId, name, { scopes, expiresAt: instant(expiresAt) }));
    },
  );

  app.delete('/write-keys/:id', { schema: { tags: ['keys'], summary: 'Revoke a write key', params: IdParams, response: { 204: Type.Null() } } }, async (request, reply) => {
    await workspaces.revokeWriteKey(callerOf(request).workspaceId, request.params.id);
    return reply.status(204).send(null);
  });

  app.get(
    '/admin-tokens',
    { schema: { tags: ['keys'], summary: 'Admin tokens (secrets are never returned)', response: { 200: Type.Object({ adminTokens: Type.Array(AdminToken) }) } } },
    async (request) => ({
      adminTokens: await workspaces.listAdminTokens(callerOf(request).workspaceId),
    }),
  );

  app.post(
    '/admin-tokens',
    {
      schema: {
        tags: ['keys'],
        summary: 'Create an admin token for this workspace, optionally limited to scopes and expiring; the secret is shown once',
        body: AdminTokenBody,
        response: { 201: Type.Object({ token: AdminToken, secret: Type.String() }) },
      },
    },
    async (request, reply) => {
      const { name, scopes, expiresAt } = request.body;
      const created = await workspaces.createAdminToken(callerOf(request).workspaceId, name, 'workspace', { scopes, expiresAt: instant(expiresAt) });
      return reply.status(201).send({ token: created.token, secret: created.plain });
    },
  );

  app.delete('/admin-tokens/:id', { schema: { tags: ['keys'], summary: 'Revoke an admin token', params: IdParams, response: { 204: Type.Null() } } }, async (request, reply) => {
    await workspaces.revokeAdminToken(callerOf(request).workspaceId, request.params.id);
    return reply.status(204).send(null);
  });
}
