import type { Tx } from '../../storage/database.js';

export interface PushSubscriptionRecord {
  endpoint: string;
  profileId: string;
  p256dh: string;
  auth: string;
  createdAt: number;
}

/** Registers (or moves to another profile) a browser's push subscription. */
export async function upsertPushSubscription(db: Tx, workspaceId: string, record: PushSubscriptionRecord): Promise<void> {
  await db
    .insertInto('push_subscriptions')
    .values({ workspace_id: workspaceId, endpoint: record.endpoint, profile_id: record.profileId, p256dh: record.p256dh, auth: record.auth, created_at: record.createdAt })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'endpoint']).doUpdateSet({ profile_id: record.profileId, p256dh: record.p256dh, auth: record.auth }))
    .execute();
}

export async function listPushSubscriptions(db: Tx, workspaceId: string, profileIds: readonly string[]): Promise<PushSubscriptionRecord[]> {
  if (profileIds.length === 0) return [];
  const rows = await db.selectFrom('push_subscriptions').selectAll().where('workspace_id', '=', workspaceId).where('profile_id', 'in', profileIds).orderBy('created_at').execute();
  return rows.map((row) => ({ endpoint: row.endpoint, profileId: row.profile_id, p256dh: row.p256dh, auth: row.auth, createdAt: row.created_at }));
}

export async function deletePushSubscription(db: Tx, workspaceId: string, endpoint: string): Promise<boolean> {
  const result = await db.deleteFrom('push_subscriptions').where('workspace_id', '=', workspaceId).where('endpoint', '=', endpoint).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface WebhookDestinationRecord {
  id: string;
  /** The URL, sealed when it carries credentials. */
  url: string;
  /** The sealed signing secret (plaintext in rows written before secrets were sealed). */
  secret: string;
  createdAt: number;
}

export async function insertWebhookDestination(db: Tx, workspaceId: string, record: WebhookDestinationRecord): Promise<void> {
  // allow_private is no longer read: only the operator's allow list opens private ranges.
  await db.insertInto('webhook_destinations').values({ workspace_id: workspaceId, id: record.id, url: record.url, secret: record.secret, allow_private: 0, created_at: record.createdAt }).execute();
}

export async function listWebhookDestinations(db: Tx, workspaceId: string): Promise<WebhookDestinationRecord[]> {
  const rows = await db.selectFrom('webhook_destinations').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').execute();
  return rows.map((row) => ({ id: row.id, url: row.url, secret: row.secret, createdAt: row.created_at }));
}

/** Every destination of every workspace (the re-seal pass after a key rotation). */
export async function allWebhookDestinations(db: Tx): Promise<(WebhookDestinationRecord & { workspaceId: string })[]> {
  const rows = await db.selectFrom('webhook_destinations').selectAll().orderBy('workspace_id').orderBy('id').execute();
  return rows.map((row) => ({ workspaceId: row.workspace_id, id: row.id, url: row.url, secret: row.secret, createdAt: row.created_at }));
}

/** Rewrites a destination's stored URL and secret (re-sealed under a new key). */
export async function updateWebhookDestinationSecrets(db: Tx, workspaceId: string, id: string, stored: { url: string; secret: string }): Promise<void> {
  await db.updateTable('webhook_destinations').set({ url: stored.url, secret: stored.secret }).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

export async function deleteWebhookDestination(db: Tx, workspaceId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_destinations').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
