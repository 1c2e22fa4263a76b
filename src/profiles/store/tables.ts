/* The profiles module's tables (row types; see src/storage/schema.ts for the conventions). */

export interface ProfilesTable {
  workspace_id: string;
  id: string;
  merged_into: string | null;
  created_at: number;
  updated_at: number;
  state: string;
}

export interface ProfileMergesTable {
  workspace_id: string;
  id: string;
  into_profile_id: string;
  from_profile_id: string;
  reason: string;
  identifier_type: string;
  identifier_value: string;
  message_id: string;
  merged_at: number;
}

export interface ProfileEventsTable {
  workspace_id: string;
  profile_id: string;
  timestamp: number;
  partition: number;
  seq: number;
}

export interface ProfileScoresTable {
  workspace_id: string;
  profile_id: string;
  key: string;
  /** JSON of a number, string, boolean or null. */
  value: string;
  /** What wrote it, e.g. `predictive:bgnbd` or `analytics:rfm`. */
  source: string;
  computed_at: number;
}

/** The profiles module's tables by name, part of the store's `Schema`. */
export interface ProfileTables {
  profiles: ProfilesTable;
  profile_merges: ProfileMergesTable;
  profile_events: ProfileEventsTable;
  profile_scores: ProfileScoresTable;
}
