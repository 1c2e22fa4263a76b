import { Migrator, type Kysely, type Migration } from 'kysely';
import { core } from './migrations/0001-core.js';
import { identityProvenance } from './migrations/0002-identity-provenance.js';
import { workspaceSettings } from './migrations/0003-workspace-settings.js';
import { profileScores } from './migrations/0004-profile-scores.js';
import { segments } from './migrations/0005-segments.js';
import { schedulerJourneys } from './migrations/0006-scheduler-journeys.js';
import { channels } from './migrations/0007-channels.js';
import { analytics } from './migrations/0008-analytics.js';
import { predictive } from './migrations/0009-predictive.js';
import { recommendations } from './migrations/0010-recommendations.js';
import { experiments } from './migrations/0011-experiments.js';
import { snippets } from './migrations/0012-snippets.js';
import { credentialScopesAudit } from './migrations/0013-credential-scopes-audit.js';
import { outboxBrand } from './migrations/0015-outbox-brand.js';
import { compactLog } from './migrations/0020-compact-log.js';
import { onsite } from '../onsite/store/migrations/0023-onsite.js';

/** Every migration, in order. Names are stable forever: they are the version history. */
const migrations: Record<string, Migration> = {
  '0001-core': core,
  '0002-identity-provenance': identityProvenance,
  '0003-workspace-settings': workspaceSettings,
  '0004-profile-scores': profileScores,
  '0005-segments': segments,
  '0006-scheduler-journeys': schedulerJourneys,
  '0007-channels': channels,
  '0008-analytics': analytics,
  '0009-predictive': predictive,
  '0010-recommendations': recommendations,
  '0011-experiments': experiments,
  '0012-snippets': snippets,
  '0013-credential-scopes-audit': credentialScopesAudit,
  '0015-outbox-brand': outboxBrand,
  '0020-compact-log': compactLog,
  '0023-onsite': onsite,
};

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Applies pending migrations; returns the names applied in this call.
 * @example const applied = await migrateToLatest(db);
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's Migrator is schema-agnostic
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new MigrationError(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${String(error)}`);
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
