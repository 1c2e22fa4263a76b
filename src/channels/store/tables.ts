/* The channels module's tables (row types; see src/storage/schema.ts for the conventions). */

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

/** The channels module's tables by name, part of the store's `Schema`. */
export interface ChannelTables {
  messages: MessagesTable;
  push_subscriptions: PushSubscriptionsTable;
  inbox_messages: InboxMessagesTable;
  webhook_destinations: WebhookDestinationsTable;
  outbox_messages: OutboxMessagesTable;
}
