import type { Tx } from '../../storage/database.js';

export interface ConsentTopicRecord {
  key: string;
  label: string;
  createdAt: number;
  updatedAt: number;
}

/** The workspace's stored topics, by key. */
export async function listConsentTopics(db: Tx, workspaceId: string): Promise<ConsentTopicRecord[]> {
  const rows = await db.selectFrom('consent_topics').selectAll().where('workspace_id', '=', workspaceId).orderBy('key').execute();
  return rows.map((row) => ({ key: row.key, label: row.label, createdAt: Number(row.created_at), updatedAt: Number(row.updated_at) }));
}

/** Adds a topic; false when the key is taken. */
export async function insertConsentTopic(db: Tx, workspaceId: string, record: ConsentTopicRecord): Promise<boolean> {
  const rows = await db
    .insertInto('consent_topics')
    .values({ workspace_id: workspaceId, key: record.key, label: record.label, created_at: record.createdAt, updated_at: record.updatedAt })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'key']).doNothing())
    .returning('key')
    .execute();
  return rows.length > 0;
}

/**
 * Relabels a stored topic; false when there is none with that key or, with `expected` (the
 * updated_at the editor read), when it was saved at another time since (a compare-and-set).
 */
export async function updateConsentTopic(db: Tx, workspaceId: string, key: string, label: string, at: number, expected?: number): Promise<boolean> {
  let update = db.updateTable('consent_topics').set({ label, updated_at: at }).where('workspace_id', '=', workspaceId).where('key', '=', key);
  if (expected !== undefined) update = update.where('updated_at', '=', expected);
  const result = await update.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** When a stored topic was last saved (epoch ms); undefined when it is not stored. */
export async function consentTopicSavedAt(db: Tx, workspaceId: string, key: string): Promise<number | undefined> {
  const row = await db.selectFrom('consent_topics').select('updated_at').where('workspace_id', '=', workspaceId).where('key', '=', key).executeTakeFirst();
  return row === undefined ? undefined : Number(row.updated_at);
}
