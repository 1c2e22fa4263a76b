import type { Migration } from 'kysely';
import { credentialScopesAudit } from './0013-credential-scopes-audit.js';
import { writeKeyScopes } from './0021-write-key-scopes.js';

/** Workspaces and their credentials: this module's migrations by their stable names (see src/storage/migrator.ts). */
export const workspaceMigrations: Record<string, Migration> = {
  '0013-credential-scopes-audit': credentialScopesAudit,
  '0021-write-key-scopes': writeKeyScopes,
};
