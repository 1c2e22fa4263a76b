import type { Migration } from 'kysely';
import { analytics } from './0008-analytics.js';
import { analyticsReplicaLease } from './0046-analytics-replica-lease.js';
import { dropReplicaLease } from './0049-drop-replica-lease.js';

/** Analytics: this module's migrations by their stable names (see src/storage/migrator.ts). */
export const analyticsMigrations: Record<string, Migration> = {
  '0008-analytics': analytics,
  '0046-analytics-replica-lease': analyticsReplicaLease,
  '0049-drop-replica-lease': dropReplicaLease,
};
