import type { Tx } from '../../storage/database.js';

export interface ConsentRecord {
  id: string;
  profileId: string;
  channel: string;
  topic: string;
  status: string;
  source: string;
  at: number;
}

export async function insertConsentRecord(db: Tx, workspaceId: string, record: ConsentRecord): Promise<void> {
  await db
    .insertInto('consent_records')
    .values({ workspace_id: workspaceId, id: record.id, profile_id: record.profileId, channel: record.channel, topic: record.topic, status: record.status, source: record.source, at: record.at })
    .execute();
}

/** Every consent change of some profiles, oldest first. */
export async function listConsentRecords(db: Tx, workspaceId: string, profileIds: readonly string[]): Promise<ConsentRecord[]> {
  if (profileIds.length === 0) return [];
  const rows = await db.selectFrom('consent_records').selectAll().where('workspace_id', '=', workspaceId).where('profile_id', 'in', profileIds).orderBy('at').orderBy('id').execute();
  return rows.map((row) => ({ id: row.id, profileId: row.profile_id, channel: row.channel, topic: row.topic, status: row.status, source: row.source, at: row.at }));
}

export interface Suppression {
  channel: string;
  address: string;
  reason: string;
  createdAt: number;
}

/** Adds an address to the suppression list (the first reason is kept). */
export async function addSuppression(db: Tx, workspaceId: string, suppression: Suppression): Promise<void> {
  await db
    .insertInto('suppressions')
    .values({ workspace_id: workspaceId, channel: suppression.channel, address: suppression.address, reason: suppression.reason, created_at: suppression.createdAt })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'channel', 'address']).doNothing())
    .execute();
}

export async function findSuppression(db: Tx, workspaceId: string, channel: string, address: string): Promise<Suppression | undefined> {
  const row = await db.selectFrom('suppressions').selectAll().where('workspace_id', '=', workspaceId).where('channel', '=', channel).where('address', '=', address).executeTakeFirst();
  return row === undefined ? undefined : { channel: row.channel, address: row.address, reason: row.reason, createdAt: row.created_at };
}

export async function removeSuppression(db: Tx, workspaceId: string, channel: string, address: string): Promise<boolean> {
  const result = await db.deleteFrom('suppressions').where('workspace_id', '=', workspaceId).where('channel', '=', channel).where('address', '=', address).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function listSuppressions(db: Tx, workspaceId: string, options: { channel?: string; limit: number }): Promise<Suppression[]> {
  let query = db.selectFrom('suppressions').selectAll().where('workspace_id', '=', workspaceId);
  if (options.channel !== undefined) query = query.where('channel', '=', options.channel);
  const rows = await query.orderBy('created_at', 'desc').limit(options.limit).execute();
  return rows.map((row) => ({ channel: row.channel, address: row.address, reason: row.reason, createdAt: row.created_at }));
}
