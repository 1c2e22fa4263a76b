/* The users module's tables (row types; see src/storage/schema.ts for the conventions). */

/** People who sign in; one row per person for the whole instance (they may belong to several workspaces). */
export interface UsersTable {
  id: string;
  /** Lower-cased, so one address is one person whatever its case. */
  email: string;
  display_name: string;
  locale: string;
  /** `scrypt$...` (see src/users/password.ts); NULL until the person sets one through an invitation. */
  password_hash: string | null;
  created_at: number;
}

/** A person's role in one workspace. */
export interface MembershipsTable {
  workspace_id: string;
  user_id: string;
  role: string;
  created_at: number;
}

/** A signed-in browser; only the SHA-256 of the cookie's token is stored. */
export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  /** The workspace the session currently acts on (the workspace switcher). */
  workspace_id: string;
  /** Sent back in X-CSRF-Token on every unsafe request made with the cookie. */
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  /** Absolute end, whatever the activity. */
  expires_at: number;
  revoked_at: number | null;
}

export interface InvitationsTable {
  workspace_id: string;
  id: string;
  token_hash: string;
  email: string;
  role: string;
  /** Who invited: a user id or an admin token id. */
  invited_by: string;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
}

/** The users module's tables by name, part of the store's `Schema`. */
export interface UserTables {
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  invitations: InvitationsTable;
}
