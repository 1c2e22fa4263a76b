import type { Migration } from 'kysely';
import { snippets } from './0012-snippets.js';

/** Templates and snippets: this module's migrations by their stable names (see src/storage/migrator.ts). */
export const templateMigrations: Record<string, Migration> = {
  '0012-snippets': snippets,
};
