/* The journeys module's tables (row types; see src/storage/schema.ts for the conventions). */

export interface JourneysTable {
  workspace_id: string;
  id: string;
  name: string;
  status: string;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface JourneyVersionsTable {
  workspace_id: string;
  journey_id: string;
  version: number;
  definition: string;
  created_at: number;
}

export interface JourneyRunsTable {
  workspace_id: string;
  id: string;
  journey_id: string;
  version: number;
  profile_id: string;
  entry_key: string;
  status: string;
  node_id: string;
  step: number;
  wake_at: number | null;
  wait_event: string | null;
  wait_match: string | null;
  context: string;
  arm: string | null;
  entered_at: number;
  updated_at: number;
  exited_at: number | null;
  exit_reason: string | null;
}

export interface JourneyEntriesTable {
  workspace_id: string;
  journey_id: string;
  profile_id: string;
  entry_key: string;
  count: number;
  last_entered_at: number;
}

export interface JourneyStepsTable {
  workspace_id: string;
  run_id: string;
  step: number;
  journey_id: string;
  node_id: string;
  kind: string;
  status: string;
  idempotency_key: string;
  outcome: string | null;
  at: number;
}

export interface JourneyCursorsTable {
  workspace_id: string;
  partition: number;
  seq: number;
  updated_at: number;
}

export interface JourneySendsTable {
  workspace_id: string;
  idempotency_key: string;
  profile_id: string;
  channel: string;
  journey_id: string;
  run_id: string;
  node_id: string;
  status: string;
  sent_at: number;
}

export interface JourneyConversionsTable {
  workspace_id: string;
  run_id: string;
  message_id: string;
  journey_id: string;
  kind: string;
  revenue: number;
  at: number;
}

export interface ProductInterestTable {
  workspace_id: string;
  product_id: string;
  profile_id: string;
  kind: string;
  at: number;
}

export interface ListMembersTable {
  workspace_id: string;
  list_id: string;
  profile_id: string;
  added_at: number;
}

export interface RecordedMessagesTable {
  workspace_id: string;
  idempotency_key: string;
  profile_id: string;
  channel: string;
  template_id: string;
  request: string;
  calls: number;
  sent_at: number;
}

export interface JourneySettingsTable {
  workspace_id: string;
  settings: string;
  updated_at: number;
}

/** The journeys module's tables by name, part of the store's `Schema`. */
export interface JourneyTables {
  journeys: JourneysTable;
  journey_versions: JourneyVersionsTable;
  journey_runs: JourneyRunsTable;
  journey_entries: JourneyEntriesTable;
  journey_steps: JourneyStepsTable;
  journey_cursors: JourneyCursorsTable;
  journey_sends: JourneySendsTable;
  journey_conversions: JourneyConversionsTable;
  product_interest: ProductInterestTable;
  list_members: ListMembersTable;
  recorded_messages: RecordedMessagesTable;
  journey_settings: JourneySettingsTable;
}
