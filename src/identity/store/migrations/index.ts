import type { Migration } from 'kysely';
import { identityProvenance } from './0002-identity-provenance.js';
import { workspaceSettings } from './0003-workspace-settings.js';

/** The identity graph: this module's migrations by their stable names (see src/storage/migrator.ts). */
export const identityMigrations: Record<string, Migration> = {
  '0002-identity-provenance': identityProvenance,
  '0003-workspace-settings': workspaceSettings,
};
