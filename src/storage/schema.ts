

/*
 * Row types of the state store. They never leave `src/storage/`: repositories turn them into
 * domain objects. Times are integer milliseconds since the epoch; JSON columns are text so the
 * two dialects store identical bytes.
 */

export interface WorkspacesTable {
  id: string;
  name: string;
  created_at: number;
}

export interface WriteKeysTable {
  workspace_id: string;
  id: string;
  key: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
}

export interface AdminTokensTable {
  workspace_id: string;
  id: string;
  token_hash: string;
  name: string;
  /** `workspace`: this workspace only; `instance`: may also manage every workspace. */
  scope: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface LogHeadsTable {
  workspace_id: string;
  partition: number;
  head: number;
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
  payload: string;
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

export interface ProcessorCursorsTable {
  workspace_id: string;
  partition: number;
  seq: number;
  updated_at: number;
}

export interface IdentitiesTable {
  workspace_id: string;
  type: string;
  value: string;
  profile_id: string;
  created_at: number;
  /** The message that first linked this identifier (migration 0002); null for older rows. */
  message_id: string | null;
}

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

export interface ProductsTable {
  workspace_id: string;
  id: string;
  sku: string | null;
  name: string;
  url: string | null;
  image_url: string | null;
  category: string | null;
  brand: string | null;
  price: number | null;
  currency: string | null;
  inventory: number | null;
  attributes: string;
  created_at: number;
  updated_at: number;
}

export interface ImportJobsTable {
  workspace_id: string;
  id: string;
  kind: string;
  format: string;
  source: string;
  status: string;
  bytes_total: number | null;
  bytes_done: number;
  rows_ok: number;
  rows_failed: number;
  errors: string;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}


export interface WorkspaceSettingsTable {
  workspace_id: string;
  /** JSON of the workspace's IdentityRulesInput (overrides of the defaults). */
  identity_rules: string;
  updated_at: number;
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

export interface Schema {
  workspace_settings: WorkspaceSettingsTable;
  workspaces: WorkspacesTable;
  write_keys: WriteKeysTable;
  admin_tokens: AdminTokensTable;
  log_heads: LogHeadsTable;
  events: EventsTable;
  rejected_events: RejectedEventsTable;
  processor_cursors: ProcessorCursorsTable;
  identities: IdentitiesTable;
  profiles: ProfilesTable;
  profile_merges: ProfileMergesTable;
  profile_events: ProfileEventsTable;
  products: ProductsTable;
  import_jobs: ImportJobsTable;
  profile_scores: ProfileScoresTable;
}
