import type { Migration } from 'kysely';
import { usersSessions } from './0024-users-sessions.js';

/** Users, memberships, sessions and invitations: this module's migrations by their stable names (see src/storage/migrator.ts). */
export const userMigrations: Record<string, Migration> = {
  '0024-users-sessions': usersSessions,
};
