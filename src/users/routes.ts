import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { callerOf } from '../app/caller.js';
import { RapportError } from '../shared/errors.js';
import { clearSessionCookie, requireCsrf, requireSameOrigin, sessionToken, setSessionCookie, type CookieSecurity } from './session-cookie.js';
import { DisplayName, Email, Invitation, Locale, Member, normalizeEmail, Password, Role, isRole, User, WorkspaceMembership } from './user.js';
import type { Actor, SessionPrincipal, UserService } from './user-service.js';

/** A rate limit the HTTP layer supplies (src/app/rate-limit.ts): counts one attempt, throws 429 past the limit. */
export interface AttemptLimiter {
  enforce(key: string, reply: FastifyReply): void;
}

export interface AuthRouteDeps {
  users: UserService;
  signInPerIp: AttemptLimiter;
  signInPerEmail: AttemptLimiter;
  cookieSecurity: CookieSecurity;
  /** Cookie lifetime: the session's absolute lifetime. */
  sessionAbsoluteMs: number;
}

const WorkspaceId = Type.String({ minLength: 1, maxLength: 63 });
const Me = Type.Object(
  {
    user: User,
    workspaceId: Type.String({ description: 'The workspace the session acts on' }),
    role: Role,
    csrfToken: Type.String({ description: 'Send in X-CSRF-Token with every POST/PATCH/PUT/DELETE made with the session cookie' }),
    expiresAt: Type.Integer({ description: 'The session ends at this instant at the latest (ms)' }),
    workspaces: Type.Array(WorkspaceMembership),
  },
  { $id: 'Me' },
);
const InvitationToken = Type.Object({ token: Type.String({ minLength: 1, maxLength: 100 }) });

async function me(users: UserService, principal: SessionPrincipal) {
  return {
    user: principal.user,
    workspaceId: principal.workspaceId,
    role: principal.role,
    csrfToken: principal.csrfToken,
    expiresAt: principal.expiresAt,
    workspaces: await users.workspacesOf(principal.user.id),
  };
}

const signedOut = () => new RapportError('unauthorized', 'not signed in, or the session ended; sign in again (POST /api/v1/auth/sign-in)');

/** The session of the request's cookie with its current workspace and role (CSRF checked for unsafe methods), or 401. */
async function sessionOf(users: UserService, request: FastifyRequest): Promise<SessionPrincipal> {
  const token = sessionToken(request);
  const principal = token === undefined ? undefined : await users.authenticate(token);
  if (principal === undefined) throw signedOut();
  requireCsrf(request, principal);
  return principal;
}

/** The open session of the cookie, memberships aside: signing out needs no workspace. */
async function openSessionOf(users: UserService, request: FastifyRequest): Promise<{ id: string; userId: string }> {
  const token = sessionToken(request);
  const session = token === undefined ? undefined : await users.signedIn(token);
  if (session === undefined) throw signedOut();
  requireCsrf(request, session);
  return session;
}

/**
 * Sign-in, sign-out, the signed-in user and the workspace switcher, plus accepting an
 * invitation: the routes that take no admin token (mounted outside the admin scope).
 */
export async function authRoutes(scope: FastifyInstance, deps: AuthRouteDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { users } = deps;
  app.post(
    '/auth/sign-in',
    {
      schema: {
        tags: ['users'],
        summary: 'Sign in with email and password: sets the HttpOnly session cookie and returns the CSRF token; limited per address and per email',
        security: [],
        body: Type.Object(
          { email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 256 }), workspaceId: Type.Optional(WorkspaceId) },
          { additionalProperties: false },
        ),
        response: { 200: Me },
      },
    },
    async (request, reply) => {
      // Login CSRF: a foreign page must not sign the browser in to an account of its choosing.
      requireSameOrigin(request);
      deps.signInPerIp.enforce(request.ip, reply);
      deps.signInPerEmail.enforce(normalizeEmail(request.body.email), reply);
      const { token, principal } = await users.signIn(request.body.email, request.body.password, request.ip, request.body.workspaceId);
      setSessionCookie(reply, token, deps.sessionAbsoluteMs, deps.cookieSecurity);
      return me(users, principal);
    },
  );
  app.get(
    '/auth/me',
    { schema: { tags: ['users'], summary: 'The signed-in user, the current workspace and role, the CSRF token and every workspace of the user', security: [], response: { 200: Me } } },
    async (request) => me(users, await sessionOf(users, request)),
  );
  app.post(
    '/auth/workspace',
    {
      schema: {
        tags: ['users'],
        summary: 'Workspace switcher: the session acts on this workspace from now on',
        security: [],
        body: Type.Object({ workspaceId: WorkspaceId }, { additionalProperties: false }),
        response: { 200: Me },
      },
    },
    async (request) => me(users, await users.switchWorkspace(await sessionOf(users, request), request.body.workspaceId)),
  );
  app.post('/auth/sign-out', { schema: { tags: ['users'], summary: 'Ends this session and clears its cookie', security: [] } }, async (request, reply) => {
    await users.signOut((await openSessionOf(users, request)).id);
    clearSessionCookie(reply, deps.cookieSecurity);
    return reply.status(204).send();
  });
  app.post('/auth/sign-out-everywhere', { schema: { tags: ['users'], summary: 'Ends every session of the signed-in user, on every device', security: [] } }, async (request, reply) => {
    await users.signOutEverywhere((await openSessionOf(users, request)).userId);
    clearSessionCookie(reply, deps.cookieSecurity);
    return reply.status(204).send();
  });
  app.post(
    '/invitations/:token/accept',
    {
      schema: {
        tags: ['users'],
        summary: 'Accept an invitation (once, before it expires): a new person sets a password; an existing account gives its password',
        security: [],
        params: InvitationToken,
        body: Type.Object({ password: Password, displayName: Type.Optional(DisplayName), locale: Type.Optional(Locale) }, { additionalProperties: false }),
        response: { 201: Member },
      },
    },
    async (request, reply) => {
      // The token in the path is a secret too: counted like sign-in attempts, per address.
      deps.signInPerIp.enforce(request.ip, reply);
      return reply.status(201).send(await users.acceptInvitation(request.params.token, request.body));
    },
  );
}

/**
 * Who changes users, and in which workspace, read off the request's admin caller: a signed-in user with their role, or an admin token (an instance token acts
 * as an owner, a workspace token with the admin scope as an admin).
 */
function actorOf(request: FastifyRequest): { workspaceId: string; actor: Actor } {
  const { workspaceId, credentialId, instance, user } = callerOf(request);
  if (user === undefined) return { workspaceId, actor: { id: credentialId, role: instance ? 'owner' : 'admin' } };
  if (!isRole(user.role)) throw new RapportError('forbidden', `unknown role "${user.role}"`);
  return { workspaceId, actor: { id: user.id, role: user.role } };
}

const UserId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** Members and invitations of the current workspace (admin scope: owners and admins, or an admin token). */
export async function userRoutes(scope: FastifyInstance, users: UserService): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Members of the workspace with their roles, and pending invitations',
        response: { 200: Type.Object({ users: Type.Array(Member), invitations: Type.Array(Invitation) }) },
      },
    },
    async (request) => {
      const { workspaceId } = actorOf(request);
      return { users: await users.listMembers(workspaceId), invitations: await users.listInvitations(workspaceId) };
    },
  );
  app.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Invite someone by email with a role; the token (shown once) goes into the link /invitations/<token>',
        body: Type.Object({ email: Email, role: Role }, { additionalProperties: false }),
        response: {
          201: Type.Object({
            invitation: Invitation,
            token: Type.String(),
            acceptPath: Type.String(),
            link: Type.String({ description: 'The dashboard page (on this server) where the invited person sets a password: send it to them' }),
          }),
        },
      },
    },
    async (request, reply) => {
      const { workspaceId, actor } = actorOf(request);
      const { invitation, token } = await users.invite(workspaceId, actor, request.body.email, request.body.role);
      return reply.status(201).send({ invitation, token, acceptPath: `/api/v1/invitations/${token}/accept`, link: `/welcome?invitation=${encodeURIComponent(token)}` });
    },
  );
  app.patch(
    '/users/:id',
    {
      schema: {
        tags: ['users'],
        summary: "Change a member's role (only an owner grants or removes owner)",
        params: UserId,
        body: Type.Object({ role: Role }, { additionalProperties: false }),
        response: { 200: Member },
      },
    },
    async (request) => {
      const { workspaceId, actor } = actorOf(request);
      return users.changeRole(workspaceId, actor, request.params.id, request.body.role);
    },
  );
  app.delete('/users/:id', { schema: { tags: ['users'], summary: 'Remove a member from the workspace', params: UserId } }, async (request, reply) => {
    const { workspaceId, actor } = actorOf(request);
    await users.remove(workspaceId, actor, request.params.id);
    return reply.status(204).send();
  });
}
