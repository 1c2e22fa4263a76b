import type { Migration } from 'kysely';
import { messageLogFilters } from './0025-message-log-filters.js';

/** The channels' migrations after the baseline, by their stable names (see src/storage/migrator.ts). */
export const channelMigrations: Record<string, Migration> = {
  '0025-message-log-filters': messageLogFilters,
};
