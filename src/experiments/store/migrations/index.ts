import type { Migration } from 'kysely';
import { experiments } from './0011-experiments.js';

/** Experiments: this module's migrations by their stable names (see src/storage/migrator.ts). */
export const experimentMigrations: Record<string, Migration> = {
  '0011-experiments': experiments,
};
