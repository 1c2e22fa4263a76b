import type { Migration } from 'kysely';
import { compactLog } from './0020-compact-log.js';
import { logPositions } from './0032-log-positions.js';
import { partitionLeases } from './0033-partition-leases.js';
import { logHeadsPending } from './0047-log-heads-pending.js';

/** The event log: this module's migrations by their stable names (see src/storage/migrator.ts). */
export const logMigrations: Record<string, Migration> = {
  '0020-compact-log': compactLog,
  '0032-log-positions': logPositions,
  '0033-partition-leases': partitionLeases,
  '0047-log-heads-pending': logHeadsPending,
};
