/*
 * The on-site module's tables (migration 0023). They join the store's Schema by declaration
 * merging, so the Database's Kysely instance types them without the storage folder knowing the
 * module. Times are integer milliseconds; JSON columns are text so both dialects store the same bytes.
 */

export interface OnsiteCampaignsTable {
  workspace_id: string;
  id: string;
  name: string;
  type: string;
  /** draft | active | paused | ended; scheduled/live follow from an active campaign's schedule. */
  state: string;
  priority: number;
  /** JSON of CampaignInput (src/onsite/campaign.ts). */
  definition: string;
  created_at: number;
  updated_at: number;
}

export interface OnsiteSettingsTable {
  workspace_id: string;
  /** JSON of OnsiteSettings. */
  settings: string;
  /** The identity-verification secret, sealed with the SecretBox; null until first read. */
  secret: string | null;
  /** Bumped by every change of a campaign or the settings: the config cache compares it. */
  revision: number;
  updated_at: number;
}

export interface OnsiteQueueTable {
  workspace_id: string;
  /** Idempotency key of the journey step that queued it. */
  key: string;
  profile_id: string;
  campaign_id: string;
  journey_id: string | null;
  created_at: number;
  expires_at: number;
}

export interface OnsiteVisitsTable {
  workspace_id: string;
  /** `p:<profileId>` or `a:<anonymousId>`. */
  visitor: string;
  /** Days since the epoch (UTC). */
  day: number;
}

export interface OnsiteConversionsTable {
  workspace_id: string;
  profile_id: string;
  campaign_id: string;
  /** reveal | submit */
  kind: string;
  at: number;
}

declare module '../../storage/schema.js' {
  interface Schema {
    onsite_campaigns: OnsiteCampaignsTable;
    onsite_settings: OnsiteSettingsTable;
    onsite_queue: OnsiteQueueTable;
    onsite_visits: OnsiteVisitsTable;
    onsite_conversions: OnsiteConversionsTable;
  }
}
