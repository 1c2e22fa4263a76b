import type { ColumnType } from 'kysely';
import type { StoredPayload } from '../../storage/payload-codec.js';

/* The log module's tables (row types; see src/storage/schema.ts for the conventions). */

export interface LogHeadsTable {
  workspace_id: string;
  partition: number;
  head: number;
}

/** PostgreSQL: an append's highest position per partition, until a publish moves the head past it (migration 0047). */
export interface LogHeadsPendingTable {
  workspace_id: string;
  partition: number;
  seq: number;
}

export interface EventsTable {
  workspace_id: string;
  partition: number;
  seq: number;
  message_id: string;
  type: string;
  event: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  timestamp: number;
  received_at: number;
  source_id: string | null;
  /** JSON text when new; compacted bytes later (see payload-codec.ts): read it with `payloadText`. */
  payload: ColumnType<StoredPayload, string, StoredPayload>;
}

export interface RejectedEventsTable {
  workspace_id: string;
  id: string;
  received_at: number;
  source_id: string | null;
  code: string;
  message: string;
  payload: string;
}

/** How far payload compaction has reached in each partition (payloads at or before `seq` are compact). */
export interface EventCompactionTable {
  workspace_id: string;
  partition: number;
  seq: number;
}

/** Who owns a log partition until when (PostgreSQL workers; see leases.ts). */
export interface LogLeasesTable {
  partition: number;
  owner: string | null;
  expires_at: number;
  renewed_at: number;
}

/** A worker's heartbeat: the live ones share the partitions. */
export interface LogWorkersTable {
  owner: string;
  /** Alive until then unless renewed. */
  expires_at: number;
}

/** The log module's tables by name, part of the store's `Schema`. */
export interface LogTables {
  log_heads: LogHeadsTable;
  log_heads_pending: LogHeadsPendingTable;
  events: EventsTable;
  rejected_events: RejectedEventsTable;
  event_compaction: EventCompactionTable;
  log_leases: LogLeasesTable;
  log_workers: LogWorkersTable;
}
