import type { Migration } from 'kysely';
import { consentTopics } from './0026-consent-topics.js';

/** The privacy module's migrations after the baseline, by their stable names (see src/storage/migrator.ts). */
export const privacyMigrations: Record<string, Migration> = {
  '0026-consent-topics': consentTopics,
};
