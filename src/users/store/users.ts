import type { Tx } from '../../storage/database.js';
import { isRole, type Invitation, type Member, type Role, type User } from '../user.js';
import type { InvitationsTable, SessionsTable, UsersTable } from './tables.js';

/** A stored user with its password hash, which never leaves the service. */
export interface UserRecord extends User {
  passwordHash: string | null;
}

export interface Session {
  id: string;
  userId: string;
  workspaceId: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

// A role the code no longer knows reads as the least privileged one, never as more.
function toRole(value: string): Role {
  return isRole(value) ? value : 'analyst';
}

function toUser(row: UsersTable): UserRecord {
  return { id: row.id, email: row.email, displayName: row.display_name, locale: row.locale, createdAt: Number(row.created_at), passwordHash: row.password_hash };
}

function toSession(row: SessionsTable): Session {
  return {
    id: row.id,
    userId: row.user_id,
    workspaceId: row.workspace_id,
    csrfToken: row.csrf_token,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

function toInvitation(row: InvitationsTable): Invitation {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    email: row.email,
    role: toRole(row.role),
    invitedBy: row.invited_by,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    acceptedAt: row.accepted_at === null ? null : Number(row.accepted_at),
  };
}

export async function countUsers(db: Tx): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Inserts the user unless its email is taken; true when inserted. */
export async function insertUser(db: Tx, user: UserRecord): Promise<boolean> {
  const result = await db
    .insertInto('users')
    .values({ id: user.id, email: user.email, display_name: user.displayName, locale: user.locale, password_hash: user.passwordHash, created_at: user.createdAt })
    .onConflict((conflict) => conflict.column('email').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function findUserByEmail(db: Tx, email: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  return row && toUser(row);
}

export async function getUser(db: Tx, id: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toUser(row);
}

export async function setPasswordHash(db: Tx, userId: string, hash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).execute();
}

/** Adds the membership, or changes its role when the user already belongs to the workspace. */
export async function upsertMembership(db: Tx, workspaceId: string, userId: string, role: Role, now: number): Promise<void> {
  await db
    .insertInto('memberships')
    .values({ workspace_id: workspaceId, user_id: userId, role, created_at: now })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'user_id']).doUpdateSet({ role }))
    .execute();
}

export async function getRole(db: Tx, workspaceId: string, userId: string): Promise<Role | undefined> {
  const row = await db.selectFrom('memberships').select('role').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).executeTakeFirst();
  return row && toRole(row.role);
}

export async function setRole(db: Tx, workspaceId: string, userId: string, role: Role): Promise<boolean> {
  const result = await db.updateTable('memberships').set({ role }).where('workspace_id', '=', workspaceId).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteMembership(db: Tx, workspaceId: string, userId: string): Promise<boolean> {
  const result = await db.deleteFrom('memberships').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function countOwners(db: Tx, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('role', '=', 'owner')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function listMembers(db: Tx, workspaceId: string): Promise<Member[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .selectAll('users')
    .select('memberships.role')
    .where('memberships.workspace_id', '=', workspaceId)
    .orderBy('users.email')
    .execute();
  return rows.map((row) => {
    const { passwordHash, ...user } = toUser(row);
    return { ...user, role: toRole(row.role), hasPassword: passwordHash !== null };
  });
}

/** The workspaces a user belongs to, with the role in each. */
export async function listMemberships(db: Tx, userId: string): Promise<Array<{ workspaceId: string; role: Role }>> {
  const rows = await db.selectFrom('memberships').select(['workspace_id', 'role']).where('user_id', '=', userId).orderBy('workspace_id').execute();
  return rows.map((row) => ({ workspaceId: row.workspace_id, role: toRole(row.role) }));
}

export async function insertSession(db: Tx, session: Session, tokenHash: string): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: session.id,
      token_hash: tokenHash,
      user_id: session.userId,
      workspace_id: session.workspaceId,
      csrf_token: session.csrfToken,
      created_at: session.createdAt,
      last_seen_at: session.lastSeenAt,
      expires_at: session.expiresAt,
      revoked_at: null,
    })
    .execute();
}

export async function findSessionByHash(db: Tx, tokenHash: string): Promise<Session | undefined> {
  const row = await db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return row && toSession(row);
}

export async function touchSession(db: Tx, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
}

export async function setSessionWorkspace(db: Tx, id: string, workspaceId: string): Promise<void> {
  await db.updateTable('sessions').set({ workspace_id: workspaceId }).where('id', '=', id).execute();
}

export async function revokeSession(db: Tx, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/** Revokes every open session of the user; returns how many. */
export async function revokeUserSessions(db: Tx, userId: string, now: number): Promise<number> {
  const result = await db.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertInvitation(db: Tx, invitation: Invitation, tokenHash: string): Promise<void> {
  await db
    .insertInto('invitations')
    .values({
      workspace_id: invitation.workspaceId,
      id: invitation.id,
      token_hash: tokenHash,
      email: invitation.email,
      role: invitation.role,
      invited_by: invitation.invitedBy,
      created_at: invitation.createdAt,
      expires_at: invitation.expiresAt,
      accepted_at: null,
    })
    .execute();
}

export async function findInvitationByHash(db: Tx, tokenHash: string): Promise<Invitation | undefined> {
  const row = await db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return row && toInvitation(row);
}

/** Marks the invitation used; false when another request used it first (single use). */
export async function markInvitationAccepted(db: Tx, workspaceId: string, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('invitations').set({ accepted_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', id).where('accepted_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Invitations of the workspace not yet accepted, newest first. */
export async function listPendingInvitations(db: Tx, workspaceId: string): Promise<Invitation[]> {
  const rows = await db.selectFrom('invitations').selectAll().where('workspace_id', '=', workspaceId).where('accepted_at', 'is', null).orderBy('created_at', 'desc').execute();
  return rows.map(toInvitation);
}
