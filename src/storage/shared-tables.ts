/* Tables of the store itself, shared by every module (row types; see schema.ts for the conventions). */

/**
 * Migration 0031: one row per (topic, workspace) whose settings changed, with a counter bumped
 * in the change's own transaction; the row `('*', '')` counts every change, so a process checks
 * one row to learn whether anything changed anywhere.
 */
export interface SettingChangesTable {
  topic: string;
  workspace_id: string;
  version: number;
  changed_at: number;
}

/** Migration 0031: secrets every process of one store must share (link HMAC key, VAPID keys), created once. */
export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: number;
}

/** Migration 0048: named leases (long tasks one process at a time), held while renewed, taken over once expired. */
export interface NamedLeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

/** The store's own tables by name, part of the `Schema`. */
export interface StorageTables {
  setting_changes: SettingChangesTable;
  server_secrets: ServerSecretsTable;
  named_leases: NamedLeasesTable;
}
