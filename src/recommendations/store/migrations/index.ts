import type { Migration } from 'kysely';
import { recommendations } from './0010-recommendations.js';
import { recommendationModels } from './0032-recommendation-models.js';

/** Recommendations: this module's migrations by their stable names (see src/storage/migrator.ts). */
export const recommendationMigrations: Record<string, Migration> = {
  '0010-recommendations': recommendations,
  '0032-recommendation-models': recommendationModels,
};
