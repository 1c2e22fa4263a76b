import type { ColumnType } from 'kysely';
import type { StoredPayload } from './payload-codec.js';


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
  /** Migration 0013: NULL means the key never expires. */
  expires_at: number | null;
  /** Migration 0021: JSON array of write-key scopes; NULL means every scope. */
  scopes: string | null;
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
  /** Migration 0013: JSON array of TokenPermission; NULL means all of them. */
  scopes: string | null;
  expires_at: number | null;
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

// --- issue 5: channels, templates, coupons, consent, privacy ---
export interface TemplatesTable {
  workspace_id: string;
  id: string;
  name: string;
  channel: string;
  published_version: number | null;
  latest_version: number;
  created_at: number;
  updated_at: number;
}

export interface TemplateVersionsTable {
  workspace_id: string;
  template_id: string;
  version: number;
  content: string;
  compiled: string;
  created_at: number;
}

// --- issue 12: snippets (reusable Liquid blocks), versioned ---
export interface SnippetsTable {
  workspace_id: string;
  name: string;
  description: string;
  current_version: number;
  created_at: number;
  updated_at: number;
}

export interface SnippetVersionsTable {
  workspace_id: string;
  name: string;
  version: number;
  source: string;
  description: string;
  restored_from: number | null;
  created_at: number;
}

export interface MessagesTable {
  workspace_id: string;
  id: string;
  idempotency_key: string;
  profile_id: string;
  channel: string;
  template_id: string;
  template_version: number | null;
  purpose: string;
  status: string;
  reason: string | null;
  address: string | null;
  coupon_code: string | null;
  provider_id: string | null;
  source: string | null;
  attempts: number;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
  delivered_at: number | null;
  opened_at: number | null;
  clicked_at: number | null;
}

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

export interface PushSubscriptionsTable {
  workspace_id: string;
  endpoint: string;
  profile_id: string;
  p256dh: string;
  auth: string;
  created_at: number;
}

export interface InboxMessagesTable {
  workspace_id: string;
  id: string;
  profile_id: string;
  title: string;
  body: string;
  url: string | null;
  created_at: number;
  read_at: number | null;
  dismissed_at: number | null;
}

export interface WebhookDestinationsTable {
  workspace_id: string;
  id: string;
  url: string;
  secret: string;
  allow_private: number;
  created_at: number;
}

export interface CouponPoolsTable {
  workspace_id: string;
  id: string;
  name: string;
  prefix: string;
  offer: string;
  expires_after_days: number | null;
  expires_at: number | null;
  created_at: number;
}

export interface CouponsTable {
  workspace_id: string;
  code: string;
  pool_id: string;
  offer: string | null;
  profile_id: string | null;
  message_id: string | null;
  created_at: number;
  issued_at: number | null;
  expires_at: number | null;
  redeemed_at: number | null;
  order_id: string | null;
  revenue: number | null;
}

export interface CouponCursorsTable {
  workspace_id: string;
  partition: number;
  seq: number;
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
// --- end issue 5 ---

// --- issue 4: scheduler and journeys ---
export interface JobsTable {
  workspace_id: string;
  key: string;
  kind: string;
  payload: string;
  due_at: number;
  priority: number;
  status: string;
  attempts: number;
  max_attempts: number;
  version: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  dead_reason: string | null;
  created_at: number;
  updated_at: number;
}

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

/* Analytics (issue 6): ad spend, report schedules, analysis usage. */
export interface AnalyticsAdSpendTable {
  workspace_id: string;
  source: string;
  campaign: string;
  day: string;
  amount: number;
  updated_at: number;
}

export interface AnalyticsReportSchedulesTable {
  workspace_id: string;
  id: string;
  frequency: string;
  recipients: string;
  next_run_at: number;
  last_run_at: number | null;
  last_error: string | null;
  created_at: number;
}

export interface AnalyticsUsageTable {
  workspace_id: string;
  analysis: string;
  runs: number;
  last_run_at: number;
}

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

// --- issue 8: recommendations ---
export interface RecommendationTrainingsTable {
  workspace_id: string;
  id: string;
  status: string;
  stage: string;
  progress: number;
  trigger: string;
  /** JSON of the model report. */
  report: string;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface RecommendationRulesTable {
  workspace_id: string;
  strategy: string;
  /** JSON of BusinessRules. */
  rules: string;
  updated_at: number;
}

// Experiments (issue 9, migration 0011).
export interface ExperimentsTable {
  workspace_id: string;
  id: string;
  key: string;
  name: string;
  /** draft | running | stopped | completed */
  status: string;
  /** JSON of the validated definition. */
  definition: string;
  winner: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  stopped_at: number | null;
}

export interface ExperimentExposuresTable {
  workspace_id: string;
  experiment_id: string;
  unit_id: string;
  variant: string;
  exposed_at: number;
}

// --- issue 7: predictive models ---
export interface PredictiveReportsTable {
  workspace_id: string;
  id: string;
  status: string;
  trigger: string;
  started_at: number;
  finished_at: number | null;
  report: string;
  error: string | null;
}

export interface OutboxMessagesTable {
  workspace_id: string;
  id: string;
  profile_id: string;
  to_address: string;
  from_address: string;
  subject: string;
  html: string | null;
  text: string;
  /** JSON object of header name to value. */
  headers: string;
  created_at: number;
}

export interface WorkspaceBrandTable {
  workspace_id: string;
  /** JSON of the Brand schema. */
  brand: string;
  updated_at: number;
}

export interface Schema {
  event_compaction: EventCompactionTable;
  recommendation_trainings: RecommendationTrainingsTable;
  recommendation_rules: RecommendationRulesTable;
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
  predictive_reports: PredictiveReportsTable;
  segments: SegmentsTable;
  segment_members: SegmentMembersTable;
  segment_history: SegmentHistoryTable;
  segment_profile_state: SegmentProfileStateTable;
  segment_due: SegmentDueTable;
  segment_deliveries: SegmentDeliveriesTable;
  jobs: JobsTable;
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
  templates: TemplatesTable;
  template_versions: TemplateVersionsTable;
  messages: MessagesTable;
  consent_records: ConsentRecordsTable;
  suppressions: SuppressionsTable;
  push_subscriptions: PushSubscriptionsTable;
  inbox_messages: InboxMessagesTable;
  webhook_destinations: WebhookDestinationsTable;
  coupon_pools: CouponPoolsTable;
  coupons: CouponsTable;
  coupon_cursors: CouponCursorsTable;
  privacy_jobs: PrivacyJobsTable;
  privacy_tombstones: PrivacyTombstonesTable;
  analytics_ad_spend: AnalyticsAdSpendTable;
  analytics_report_schedules: AnalyticsReportSchedulesTable;
  analytics_usage: AnalyticsUsageTable;
  experiments: ExperimentsTable;
  experiment_exposures: ExperimentExposuresTable;
  snippets: SnippetsTable;
  snippet_versions: SnippetVersionsTable;
  outbox_messages: OutboxMessagesTable;
  workspace_brand: WorkspaceBrandTable;
  audit_log: AuditLogTable;
}

// --- issue 12: audit log of admin changes ---
export interface AuditLogTable {
  workspace_id: string;
  id: string;
  at: number;
  token_id: string;
  method: string;
  /** The route pattern (`/api/v1/segments/:id`), never the raw URL with its query. */
  route: string;
  /** JSON object of the route's path parameters. */
  resource_ids: string;
  status: number;
  ip: string;
}
