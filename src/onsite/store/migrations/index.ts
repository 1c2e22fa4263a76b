import type { Migration } from 'kysely';
import { onsite } from './0023-onsite.js';

/** On-site campaigns, their revisions, queue, reveals and visits: this module's migrations by their stable names (see src/storage/migrator.ts). */
export const onsiteMigrations: Record<string, Migration> = {
  '0023-onsite': onsite,
};
