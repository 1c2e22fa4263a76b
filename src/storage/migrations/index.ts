import type { Migration } from 'kysely';
import { core } from './0001-core.js';
import { schedulerJourneys } from './0006-scheduler-journeys.js';
import { channels } from './0007-channels.js';
import { outboxBrand } from './0015-outbox-brand.js';
import { sharedSettings } from './0031-shared-settings.js';
import { namedLeases } from './0048-named-leases.js';

/**
 * The baseline: history migrations that created tables of several modules in one step. They
 * stay here because a migration is applied whole and its name is its identity; splitting one
 * across modules would rename it, and a store that applied it would run the parts again.
 */
export const baselineMigrations: Record<string, Migration> = {
  '0001-core': core,
  '0006-scheduler-journeys': schedulerJourneys,
  '0007-channels': channels,
  '0015-outbox-brand': outboxBrand,
  '0031-shared-settings': sharedSettings,
  '0048-named-leases': namedLeases,
};
