/* The workspaces module's tables (row types; see src/storage/schema.ts for the conventions). */

export interface WorkspacesTable {
  id: string;
  name: string;
  created_at: number;
}

export interface WriteKeysTable {
  workspace_id: string;
  id: string;
  key: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
  /** Migration 0013: NULL means the key never expires. */
  expires_at: number | null;
  /** Migration 0021: JSON array of write-key scopes; NULL means every scope. */
  scopes: string | null;
}

export interface AdminTokensTable {
  workspace_id: string;
  id: string;
  token_hash: string;
  name: string;
  /** `workspace`: this workspace only; `instance`: may also manage every workspace. */
  scope: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  /** Migration 0013: JSON array of TokenPermission; NULL means all of them. */
  scopes: string | null;
  expires_at: number | null;
}

export interface AuditLogTable {
  workspace_id: string;
  id: string;
  at: number;
  token_id: string;
  method: string;
  /** The route pattern (`/api/v1/segments/:id`), never the raw URL with its query. */
  route: string;
  /** JSON object of the route's path parameters. */
  resource_ids: string;
  status: number;
  ip: string;
}

export interface WorkspaceBrandTable {
  workspace_id: string;
  /** JSON of the Brand schema. */
  brand: string;
  updated_at: number;
}

/** The workspaces module's tables by name, part of the store's `Schema`. */
export interface WorkspaceTables {
  workspaces: WorkspacesTable;
  write_keys: WriteKeysTable;
  admin_tokens: AdminTokensTable;
  audit_log: AuditLogTable;
  workspace_brand: WorkspaceBrandTable;
}
