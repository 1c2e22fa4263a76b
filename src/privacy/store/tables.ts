/* The privacy module's tables (row types; see src/storage/schema.ts for the conventions). */

export interface ConsentRecordsTable {
  workspace_id: string;
  id: string;
  profile_id: string;
  channel: string;
  topic: string;
  status: string;
  source: string;
  at: number;
}

export interface SuppressionsTable {
  workspace_id: string;
  channel: string;
  address: string;
  reason: string;
  created_at: number;
}

export interface PrivacyJobsTable {
  workspace_id: string;
  id: string;
  kind: string;
  profile_id: string;
  status: string;
  requested_by: string;
  reason: string | null;
  result: string | null;
  error: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface PrivacyTombstonesTable {
  workspace_id: string;
  identifier_hash: string;
  job_id: string;
  created_at: number;
}

/** A workspace's consent topic: what preference pages offer and sends may name. */
export interface ConsentTopicsTable {
  workspace_id: string;
  key: string;
  label: string;
  created_at: number;
  updated_at: number;
}

/** The privacy module's tables by name, part of the store's `Schema`. */
export interface PrivacyTables {
  consent_records: ConsentRecordsTable;
  consent_topics: ConsentTopicsTable;
  suppressions: SuppressionsTable;
  privacy_jobs: PrivacyJobsTable;
  privacy_tombstones: PrivacyTombstonesTable;
}
