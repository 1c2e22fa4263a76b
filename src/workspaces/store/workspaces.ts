import type { Tx } from '../../storage/database.js';

export interface Workspace {
  id: string;
  name: string;
  createdAt: number;
}

export interface WriteKey {
  workspaceId: string;
  id: string;
  key: string;
  name: string;
  createdAt: number;
  revokedAt: number | null;
  /** After this instant the key is refused; null: never. */
  expiresAt: number | null;
  /** What the key may send; every scope for keys made before scopes existed or without a choice. */
  scopes: WriteKeyScope[];
}

/**
 * `track`: track, page, screen; `identify`: identify, alias, group; `import`: the /v1/import
 * backfill endpoint (any message type); `onsite`: the browser's on-site endpoints
 * (recommendations, experiments, web push, inbox).
 */
export type WriteKeyScope = 'track' | 'identify' | 'import' | 'onsite';
export const WRITE_KEY_SCOPES: readonly WriteKeyScope[] = ['track', 'identify', 'import', 'onsite'];

function toWriteKeyScopes(value: string | null): WriteKeyScope[] {
  if (value === null) return [...WRITE_KEY_SCOPES];
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? WRITE_KEY_SCOPES.filter((scope) => parsed.includes(scope)) : [];
}

export type TokenScope = 'workspace' | 'instance';

export interface AdminToken {
  workspaceId: string;
  id: string;
  name: string;
  scope: TokenScope;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /** What the token may do; every scope for tokens made before scopes existed. */
  scopes: AccessScope[];
  /** After this instant the token is refused; null: never. */
  expiresAt: number | null;
}

/** `read`: GET routes; `write`: also changes; `admin`: also credentials, workspaces and the audit log. */
export type AccessScope = 'read' | 'write' | 'admin';
export const ACCESS_SCOPES: readonly AccessScope[] = ['read', 'write', 'admin'];

function toScopes(value: string | null): AccessScope[] {
  if (value === null) return [...ACCESS_SCOPES];
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? ACCESS_SCOPES.filter((scope) => parsed.includes(scope)) : [];
}

function toScope(value: string): TokenScope {
  return value === 'instance' ? 'instance' : 'workspace';
}

export async function insertWorkspace(db: Tx, workspace: Workspace): Promise<boolean> {
  const result = await db
    .insertInto('workspaces')
    .values({ id: workspace.id, name: workspace.name, created_at: workspace.createdAt })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function getWorkspace(db: Tx, id: string): Promise<Workspace | undefined> {
  const row = await db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, name: row.name, createdAt: row.created_at };
}

export async function listWorkspaces(db: Tx): Promise<Workspace[]> {
  const rows = await db.selectFrom('workspaces').selectAll().orderBy('created_at').execute();
  return rows.map((row) => ({ id: row.id, name: row.name, createdAt: row.created_at }));
}

/** Stores a write key; `ifAbsent`: a key already stored (by a server starting at the same moment) is left as it is. */
export async function insertWriteKey(db: Tx, key: WriteKey, ifAbsent = false): Promise<void> {
  let insert = db.insertInto('write_keys').values({
    workspace_id: key.workspaceId,
    id: key.id,
    key: key.key,
    name: key.name,
    created_at: key.createdAt,
    revoked_at: key.revokedAt,
    expires_at: key.expiresAt,
    // NULL is every scope, as for keys made before migration 0021.
    scopes: key.scopes.length === WRITE_KEY_SCOPES.length ? null : JSON.stringify(key.scopes),
  });
  if (ifAbsent) insert = insert.onConflict((oc) => oc.doNothing());
  await insert.execute();
}

function toWriteKey(row: { workspace_id: string; id: string; key: string; name: string; created_at: number; revoked_at: number | null; expires_at: number | null; scopes: string | null }): WriteKey {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    key: row.key,
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    expiresAt: row.expires_at,
    scopes: toWriteKeyScopes(row.scopes),
  };
}

export async function findWriteKey(db: Tx, key: string): Promise<WriteKey | undefined> {
  const row = await db.selectFrom('write_keys').selectAll().where('key', '=', key).executeTakeFirst();
  return row && toWriteKey(row);
}

export async function listWriteKeys(db: Tx, workspaceId: string): Promise<WriteKey[]> {
  const rows = await db.selectFrom('write_keys').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').execute();
  return rows.map(toWriteKey);
}

export async function revokeWriteKey(db: Tx, workspaceId: string, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('write_keys').set({ revoked_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Stores an admin token by its hash; `ifAbsent`: a token already stored (by a server starting at the same moment) is left as it is. */
export async function insertAdminToken(db: Tx, token: AdminToken, tokenHash: string, ifAbsent = false): Promise<void> {
  let insert = db.insertInto('admin_tokens').values({
    workspace_id: token.workspaceId,
    id: token.id,
    token_hash: tokenHash,
    name: token.name,
    scope: token.scope,
    created_at: token.createdAt,
    last_used_at: token.lastUsedAt,
    revoked_at: token.revokedAt,
    scopes: token.scopes.length === ACCESS_SCOPES.length ? null : JSON.stringify(token.scopes),
    expires_at: token.expiresAt,
  });
  if (ifAbsent) insert = insert.onConflict((oc) => oc.doNothing());
  await insert.execute();
}

function toAdminToken(row: {
  workspace_id: string;
  id: string;
  name: string;
  scope: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  scopes: string | null;
  expires_at: number | null;
}): AdminToken {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    name: row.name,
    scope: toScope(row.scope),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    scopes: toScopes(row.scopes),
    expiresAt: row.expires_at,
  };
}

export async function findAdminTokenByHash(db: Tx, tokenHash: string): Promise<AdminToken | undefined> {
  const row = await db
    .selectFrom('admin_tokens')
    .select(['workspace_id', 'id', 'name', 'scope', 'created_at', 'last_used_at', 'revoked_at', 'scopes', 'expires_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return row && toAdminToken(row);
}

export async function listAdminTokens(db: Tx, workspaceId: string): Promise<AdminToken[]> {
  const rows = await db
    .selectFrom('admin_tokens')
    .select(['workspace_id', 'id', 'name', 'scope', 'created_at', 'last_used_at', 'revoked_at', 'scopes', 'expires_at'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at')
    .execute();
  return rows.map(toAdminToken);
}

export async function revokeAdminToken(db: Tx, workspaceId: string, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('admin_tokens').set({ revoked_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function touchAdminToken(db: Tx, workspaceId: string, id: string, now: number): Promise<void> {
  await db.updateTable('admin_tokens').set({ last_used_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}
