/* The segments module's tables (row types; see src/storage/schema.ts for the conventions). */

// Segments (issue 3): definitions, membership, history, per-profile condition state, expiries, webhook outbox.
export interface SegmentsTable {
  workspace_id: string;
  id: string;
  name: string;
  description: string;
  kind: string;
  condition: string | null;
  version: number;
  status: string;
  backfill_cursor: string;
  backfill_total: number;
  backfill_done: number;
  backfill_error: string | null;
  backfill_started_at: number | null;
  backfill_finished_at: number | null;
  destination: string | null;
  created_at: number;
  updated_at: number;
}

export interface SegmentMembersTable {
  workspace_id: string;
  segment_id: string;
  profile_id: string;
  entered_at: number;
}

export interface SegmentHistoryTable {
  workspace_id: string;
  id: string;
  segment_id: string;
  profile_id: string;
  kind: string;
  at: number;
}

export interface SegmentProfileStateTable {
  workspace_id: string;
  profile_id: string;
  stats: string;
}

export interface SegmentDueTable {
  workspace_id: string;
  segment_id: string;
  profile_id: string;
  due_at: number;
}

export interface SegmentDeliveriesTable {
  workspace_id: string;
  id: string;
  segment_id: string;
  payload: string;
  attempts: number;
  next_attempt_at: number;
  delivered_at: number | null;
  last_error: string | null;
  created_at: number;
}

/** The segments module's tables by name, part of the store's `Schema`. */
export interface SegmentTables {
  segments: SegmentsTable;
  segment_members: SegmentMembersTable;
  segment_history: SegmentHistoryTable;
  segment_profile_state: SegmentProfileStateTable;
  segment_due: SegmentDueTable;
  segment_deliveries: SegmentDeliveriesTable;
}
