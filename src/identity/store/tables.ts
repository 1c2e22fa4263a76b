/* The identity module's tables (row types; see src/storage/schema.ts for the conventions). */

export interface IdentitiesTable {
  workspace_id: string;
  type: string;
  value: string;
  profile_id: string;
  created_at: number;
  /** The message that first linked this identifier (migration 0002); null for older rows. */
  message_id: string | null;
}

export interface WorkspaceSettingsTable {
  workspace_id: string;
  /** JSON of the workspace's IdentityRulesInput (overrides of the defaults). */
  identity_rules: string;
  updated_at: number;
}

/** The identity module's tables by name, part of the store's `Schema`. */
export interface IdentityTables {
  identities: IdentitiesTable;
  workspace_settings: WorkspaceSettingsTable;
}
