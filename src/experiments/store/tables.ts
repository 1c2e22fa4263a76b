/* The experiments module's tables (row types; see src/storage/schema.ts for the conventions). */

// Experiments (issue 9, migration 0011).
export interface ExperimentsTable {
  workspace_id: string;
  id: string;
  key: string;
  name: string;
  /** draft | running | stopped | completed */
  status: string;
  /** JSON of the validated definition. */
  definition: string;
  winner: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  stopped_at: number | null;
}

export interface ExperimentExposuresTable {
  workspace_id: string;
  experiment_id: string;
  unit_id: string;
  variant: string;
  exposed_at: number;
}

/** The experiments module's tables by name, part of the store's `Schema`. */
export interface ExperimentTables {
  experiments: ExperimentsTable;
  experiment_exposures: ExperimentExposuresTable;
}
