/* The predictive module's tables (row types; see src/storage/schema.ts for the conventions). */

export interface PredictiveReportsTable {
  workspace_id: string;
  id: string;
  status: string;
  trigger: string;
  started_at: number;
  finished_at: number | null;
  report: string;
  error: string | null;
}

/** The predictive module's tables by name, part of the store's `Schema`. */
export interface PredictiveTables {
  predictive_reports: PredictiveReportsTable;
}
