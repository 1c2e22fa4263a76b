import type { Migration } from 'kysely';
import { segments } from './0005-segments.js';

/** Segments: this module's migrations by their stable names (see src/storage/migrator.ts). */
export const segmentMigrations: Record<string, Migration> = {
  '0005-segments': segments,
};
