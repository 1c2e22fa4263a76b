/* The imports module's tables (row types; see src/storage/schema.ts for the conventions). */

export interface ImportJobsTable {
  workspace_id: string;
  id: string;
  kind: string;
  format: string;
  source: string;
  status: string;
  bytes_total: number | null;
  bytes_done: number;
  rows_ok: number;
  rows_failed: number;
  errors: string;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

/** The imports module's tables by name, part of the store's `Schema`. */
export interface ImportTables {
  import_jobs: ImportJobsTable;
}
