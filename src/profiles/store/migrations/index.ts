import type { Migration } from 'kysely';
import { profileScores } from './0004-profile-scores.js';
import { profilesUpdatePosition } from './0045-profiles-update-position.js';

/** Profiles: this module's migrations by their stable names (see src/storage/migrator.ts). */
export const profileMigrations: Record<string, Migration> = {
  '0004-profile-scores': profileScores,
  '0045-profiles-update-position': profilesUpdatePosition,
};
