/* The recommendations module's tables (row types; see src/storage/schema.ts for the conventions). */

export interface RecommendationTrainingsTable {
  workspace_id: string;
  id: string;
  status: string;
  stage: string;
  progress: number;
  trigger: string;
  /** JSON of the model report. */
  report: string;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface RecommendationRulesTable {
  workspace_id: string;
  strategy: string;
  /** JSON of BusinessRules. */
  rules: string;
  updated_at: number;
}

/** Migration 0032: the latest trained models of each workspace. */
export interface RecommendationModelsTable {
  workspace_id: string;
  version: number;
  training_id: string;
  trained_at: number;
  /** JSON array of log positions per partition. */
  cursors: string;
  model: Buffer;
  bytes: number;
  created_at: number;
}

/** The recommendations module's tables by name, part of the store's `Schema`. */
export interface RecommendationTables {
  recommendation_trainings: RecommendationTrainingsTable;
  recommendation_rules: RecommendationRulesTable;
  recommendation_models: RecommendationModelsTable;
}
