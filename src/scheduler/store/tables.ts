/* The scheduler module's tables (row types; see src/storage/schema.ts for the conventions). */

export interface JobsTable {
  workspace_id: string;
  key: string;
  kind: string;
  payload: string;
  due_at: number;
  priority: number;
  status: string;
  attempts: number;
  max_attempts: number;
  version: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  dead_reason: string | null;
  created_at: number;
  updated_at: number;
}

/** The scheduler module's tables by name, part of the store's `Schema`. */
export interface SchedulerTables {
  jobs: JobsTable;
}
