import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { randomId, sha256Hex } from '../shared/ids.js';
import type { Database } from '../storage/database.js';
import type { WorkspaceService } from '../workspaces/index.js';
import { hashPassword, UNKNOWN_USER_HASH, verifyPassword } from './password.js';
import { normalizeEmail, roleScopes, type Invitation, type Member, type Role, type User, type WorkspaceMembership } from './user.js';
import * as repo from './store/users.js';
import type { UserRecord } from './store/users.js';

/** Lifetimes the configuration sets (src/config/config.ts `users`). */
export interface UserSettings {
  /** A session unused this long is over. */
  sessionIdleMs: number;
  /** A session is over this long after sign-in, however busy. */
  sessionAbsoluteMs: number;
  invitationMs: number;
  /** Email of the owner created on first start. */
  ownerEmail: string;
}

/** Who a session cookie stands for, in the workspace the request acts on. */
export interface SessionPrincipal {
  sessionId: string;
  user: User;
  workspaceId: string;
  role: Role;
  scopes: Array<'read' | 'write' | 'admin'>;
  csrfToken: string;
  expiresAt: number;
}

export interface SignedIn {
  /** The cookie's value; only its SHA-256 is stored. */
  token: string;
  principal: SessionPrincipal;
}

/** Who changes users: a signed-in user or an admin token, with the role it acts with. */
export interface Actor {
  id: string;
  role: Role;
}

/** The owner created on first start, printed once like the bootstrap admin token. */
export interface FirstOwner {
  email: string;
  workspaceId: string;
  /** Accepting it sets the owner's password (POST /api/v1/invitations/:token/accept). */
  invitationToken: string;
  expiresAt: number;
}

export interface AcceptInvitation {
  password: string;
  displayName?: string | undefined;
  locale?: string | undefined;
}

// A session's last use is written at most this often: a dashboard makes many requests a minute.
const TOUCH_EVERY_MS = 60_000;

function publicUser(record: UserRecord): User {
  return { id: record.id, email: record.email, displayName: record.displayName, locale: record.locale, createdAt: record.createdAt };
}

const badCredentials = () => new RapportError('unauthorized', 'the email or the password is wrong');

/**
 * People who sign in: password sign-in, sessions, roles per workspace and invitations.
 * @example const { token, principal } = await users.signIn('ana@shop.example', 'long passphrase', '127.0.0.1');
 */
export class UserService {
  constructor(private readonly deps: { database: Database; clock: Clock; workspaces: WorkspaceService; settings: UserSettings }) {}

  private get db() {
    return this.deps.database.db;
  }

  /** First start (no user at all): the owner of `workspaceId`, without a password until the printed invitation is accepted. */
  async bootstrapOwner(workspaceId: string): Promise<FirstOwner | undefined> {
    if ((await repo.countUsers(this.db)) > 0) return undefined;
    const now = this.deps.clock.now();
    const email = normalizeEmail(this.deps.settings.ownerEmail);
    const owner: UserRecord = { id: randomId('usr', 12), email, displayName: 'Owner', locale: 'en', createdAt: now, passwordHash: null };
    // Two replicas starting at once: one inserts, the other sees the email taken and stops.
    if (!(await repo.insertUser(this.db, owner))) return undefined;
    await repo.upsertMembership(this.db, workspaceId, owner.id, 'owner', now);
    const { invitation, token } = await this.#createInvitation(workspaceId, 'bootstrap', email, 'owner');
    return { email, workspaceId, invitationToken: token, expiresAt: invitation.expiresAt };
  }

  /** Checks the password and opens a session in `workspaceId`, or the user's first workspace. */
  async signIn(email: string, password: string, ip: string, workspaceId?: string): Promise<SignedIn> {
    const user = await repo.findUserByEmail(this.db, normalizeEmail(email));
    // Unknown emails cost the same hash, so timing does not tell which addresses have accounts.
    const valid = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
    if (user === undefined || user.passwordHash === null || !valid) throw badCredentials();
    const memberships = await repo.listMemberships(this.db, user.id);
    const chosen = workspaceId === undefined ? memberships[0] : memberships.find((membership) => membership.workspaceId === workspaceId);
    if (chosen === undefined) {
      throw new RapportError('forbidden', workspaceId === undefined ? 'this user belongs to no workspace; ask an admin for an invitation' : `this user is not a member of workspace "${workspaceId}"`);
    }
    const now = this.deps.clock.now();
    const token = randomId('ses', 32);
    const session: repo.Session = {
      id: randomId('ses', 9),
      userId: user.id,
      workspaceId: chosen.workspaceId,
      csrfToken: randomId('csrf', 24),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.deps.settings.sessionAbsoluteMs,
      revokedAt: null,
    };
    await repo.insertSession(this.db, session, sha256Hex(token));
    await this.deps.workspaces.audit.record({ workspaceId: chosen.workspaceId, tokenId: user.id, method: 'POST', route: '/api/v1/auth/sign-in', resourceIds: {}, status: 200, ip });
    return { token, principal: this.#principal(session, user, chosen.workspaceId, chosen.role) };
  }

  /**
   * The principal of a session cookie, acting on `workspaceId` (default: the session's current
   * one); undefined when the session is unknown, revoked, idle too long or past its end. The
   * role is read on every call, so a role change or a removal takes effect at once.
   */
  async authenticate(token: string, workspaceId?: string): Promise<SessionPrincipal | undefined> {
    const session = await this.signedIn(token);
    if (session === undefined) return undefined;
    const user = await repo.getUser(this.db, session.userId);
    if (user === undefined) return undefined;
    const acting = await this.#actingIn(session, workspaceId);
    const now = this.deps.clock.now();
    if (now - session.lastSeenAt >= TOUCH_EVERY_MS) await repo.touchSession(this.db, session.id, now);
    return this.#principal(session, user, acting.workspaceId, acting.role);
  }

  /**
   * The open session of a cookie, whatever the person's memberships (sign-out works even for
   * someone removed from every workspace); undefined when unknown, revoked, idle or past its end.
   */
  async signedIn(token: string): Promise<repo.Session | undefined> {
    const now = this.deps.clock.now();
    const session = await repo.findSessionByHash(this.db, sha256Hex(token));
    if (session === undefined || session.revokedAt !== null) return undefined;
    if (session.expiresAt <= now || session.lastSeenAt + this.deps.settings.sessionIdleMs <= now) return undefined;
    return session;
  }

  /** The workspace and role a session acts with: the one asked for, else its current one, else (removed from it) another of the person's. */
  async #actingIn(session: repo.Session, requested: string | undefined): Promise<{ workspaceId: string; role: Role }> {
    if (requested !== undefined) {
      const role = await repo.getRole(this.db, requested, session.userId);
      if (role === undefined) throw new RapportError('forbidden', `you are not a member of workspace "${requested}"`);
      return { workspaceId: requested, role };
    }
    const role = await repo.getRole(this.db, session.workspaceId, session.userId);
    if (role !== undefined) return { workspaceId: session.workspaceId, role };
    const next = (await repo.listMemberships(this.db, session.userId))[0];
    if (next === undefined) throw new RapportError('forbidden', 'you belong to no workspace any more; ask an admin for an invitation');
    await repo.setSessionWorkspace(this.db, session.id, next.workspaceId);
    return next;
  }

  async signOut(sessionId: string): Promise<void> {
    await repo.revokeSession(this.db, sessionId, this.deps.clock.now());
  }

  /** Ends every session of the user, on every device; returns how many were open. */
  signOutEverywhere(userId: string): Promise<number> {
    return repo.revokeUserSessions(this.db, userId, this.deps.clock.now());
  }

  /** The workspace switcher: the workspaces the user belongs to, with names and roles. */
  async workspacesOf(userId: string): Promise<WorkspaceMembership[]> {
    const memberships = await repo.listMemberships(this.db, userId);
    const workspaces = new Map((await this.deps.workspaces.listWorkspaces()).map((workspace) => [workspace.id, workspace.name]));
    return memberships.map((membership) => ({ workspaceId: membership.workspaceId, name: workspaces.get(membership.workspaceId) ?? membership.workspaceId, role: membership.role }));
  }

  /** Makes `workspaceId` the session's current workspace; the user must belong to it. */
  async switchWorkspace(principal: SessionPrincipal, workspaceId: string): Promise<SessionPrincipal> {
    const role = await repo.getRole(this.db, workspaceId, principal.user.id);
    if (role === undefined)
      throw new RapportError('forbidden', `you are not a member of workspace "${workspaceId}"`, [{ field: 'workspaceId', rule: 'member', message: 'pick one of your workspaces' }]);
    await repo.setSessionWorkspace(this.db, principal.sessionId, workspaceId);
    return { ...principal, workspaceId, role, scopes: roleScopes(role) };
  }

  listMembers(workspaceId: string): Promise<Member[]> {
    return repo.listMembers(this.db, workspaceId);
  }

  listInvitations(workspaceId: string): Promise<Invitation[]> {
    return repo.listPendingInvitations(this.db, workspaceId);
  }

  /** Invites `email` into the workspace with `role`; the token is returned once (stored hashed). */
  async invite(workspaceId: string, actor: Actor, email: string, role: Role): Promise<{ invitation: Invitation; token: string }> {
    requireOwnerFor(actor, role);
    const normalized = normalizeEmail(email);
    const existing = await repo.findUserByEmail(this.db, normalized);
    if (existing !== undefined && (await repo.getRole(this.db, workspaceId, existing.id)) !== undefined) {
      throw new RapportError('conflict', 'this person is already a member of the workspace; change their role instead', [{ field: 'email', rule: 'unique', message: 'already a member' }]);
    }
    return this.#createInvitation(workspaceId, actor.id, normalized, role);
  }

  /** Changes a member's role; only an owner grants or takes away `owner`, and the last owner stays. */
  async changeRole(workspaceId: string, actor: Actor, userId: string, role: Role): Promise<Member> {
    const current = await this.#memberRole(workspaceId, userId);
    requireOwnerFor(actor, role);
    requireOwnerFor(actor, current);
    if (current === 'owner' && role !== 'owner') await this.#keepAnOwner(workspaceId);
    await repo.setRole(this.db, workspaceId, userId, role);
    const member = (await repo.listMembers(this.db, workspaceId)).find((candidate) => candidate.id === userId);
    if (member === undefined) throw new RapportError('not_found', `no user "${userId}" in this workspace`);
    return member;
  }

  /** Removes a member from the workspace (the person keeps other workspaces); their sessions lose it at once. */
  async remove(workspaceId: string, actor: Actor, userId: string): Promise<void> {
    const current = await this.#memberRole(workspaceId, userId);
    requireOwnerFor(actor, current);
    if (current === 'owner') await this.#keepAnOwner(workspaceId);
    await repo.deleteMembership(this.db, workspaceId, userId);
  }

  /**
   * Accepts an invitation once, before it expires. A new person sets their password here; a
   * person who already has one proves it (an invitation link must not reset someone's password).
   */
  async acceptInvitation(token: string, input: AcceptInvitation): Promise<Member> {
    const invitation = await this.#openInvitation(token);
    const existing = await repo.findUserByEmail(this.db, invitation.email);
    let passwordHash: string | undefined;
    if (existing !== undefined && existing.passwordHash !== null) {
      if (!(await verifyPassword(input.password, existing.passwordHash))) throw new RapportError('unauthorized', 'this email already has an account: give its current password to accept');
    } else {
      passwordHash = await hashPassword(input.password);
    }
    const now = this.deps.clock.now();
    const userId = await this.deps.database.transaction(async (trx) => {
      if (!(await repo.markInvitationAccepted(trx, invitation.workspaceId, invitation.id, now))) throw usedInvitation();
      const user = existing ?? {
        id: randomId('usr', 12),
        email: invitation.email,
        displayName: input.displayName ?? invitation.email,
        locale: input.locale ?? 'en',
        createdAt: now,
        passwordHash: null,
      };
      if (existing === undefined) await repo.insertUser(trx, user);
      if (passwordHash !== undefined) await repo.setPasswordHash(trx, user.id, passwordHash);
      await repo.upsertMembership(trx, invitation.workspaceId, user.id, invitation.role, now);
      return user.id;
    });
    const member = (await repo.listMembers(this.db, invitation.workspaceId)).find((candidate) => candidate.id === userId);
    if (member === undefined) throw new RapportError('conflict', 'the membership was removed while the invitation was accepted');
    return member;
  }

  async #openInvitation(token: string): Promise<Invitation> {
    const invitation = await repo.findInvitationByHash(this.db, sha256Hex(token));
    if (invitation === undefined) throw new RapportError('not_found', 'no such invitation; check the link or ask for a new one');
    if (invitation.acceptedAt !== null) throw usedInvitation();
    if (invitation.expiresAt <= this.deps.clock.now()) {
      throw new RapportError('conflict', `this invitation expired at ${new Date(invitation.expiresAt).toISOString()}; ask for a new one`);
    }
    return invitation;
  }

  async #createInvitation(workspaceId: string, invitedBy: string, email: string, role: Role): Promise<{ invitation: Invitation; token: string }> {
    const now = this.deps.clock.now();
    const token = randomId('inv', 24);
    const invitation: Invitation = { id: randomId('invt', 9), workspaceId, email, role, invitedBy, createdAt: now, expiresAt: now + this.deps.settings.invitationMs, acceptedAt: null };
    await repo.insertInvitation(this.db, invitation, sha256Hex(token));
    return { invitation, token };
  }

  /** The member's role; another workspace's user reads as unknown here. */
  async #memberRole(workspaceId: string, userId: string): Promise<Role> {
    const role = await repo.getRole(this.db, workspaceId, userId);
    if (role === undefined) throw new RapportError('not_found', `no user "${userId}" in this workspace`);
    return role;
  }

  async #keepAnOwner(workspaceId: string): Promise<void> {
    if ((await repo.countOwners(this.db, workspaceId)) <= 1) {
      throw new RapportError('conflict', 'a workspace keeps at least one owner; make someone else owner first', [{ field: 'role', rule: 'last_owner', message: 'the last owner stays' }]);
    }
  }

  #principal(session: repo.Session, user: UserRecord, workspaceId: string, role: Role): SessionPrincipal {
    return { sessionId: session.id, user: publicUser(user), workspaceId, role, scopes: roleScopes(role), csrfToken: session.csrfToken, expiresAt: session.expiresAt };
  }
}

const usedInvitation = () => new RapportError('conflict', 'this invitation was already used; sign in instead');

/** Only an owner grants the owner role or changes an owner. */
function requireOwnerFor(actor: Actor, role: Role): void {
  if (role === 'owner' && actor.role !== 'owner')
    throw new RapportError('forbidden', 'only an owner may grant the owner role or change an owner', [{ field: 'role', rule: 'owner_only', message: 'ask an owner' }]);
}
