import type { Migration } from 'kysely';
import { predictive } from './0009-predictive.js';

/** Predictive reports: this module's migrations by their stable names (see src/storage/migrator.ts). */
export const predictiveMigrations: Record<string, Migration> = {
  '0009-predictive': predictive,
};
