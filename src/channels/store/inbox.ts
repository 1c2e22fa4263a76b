import type { Tx } from '../../storage/database.js';

export interface InboxRecord {
  id: string;
  profileId: string;
  title: string;
  body: string;
  url: string | null;
  createdAt: number;
  readAt: number | null;
  dismissedAt: number | null;
}

/** @example await insertInboxMessage(db, 'ws', record); */
export async function insertInboxMessage(db: Tx, workspaceId: string, record: InboxRecord): Promise<void> {
  await db
    .insertInto('inbox_messages')
    .values({
      workspace_id: workspaceId,
      id: record.id,
      profile_id: record.profileId,
      title: record.title,
      body: record.body,
      url: record.url,
      created_at: record.createdAt,
      read_at: record.readAt,
      dismissed_at: record.dismissedAt,
    })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'id']).doNothing())
    .execute();
}

/** A person's inbox, newest first; dismissed messages left out unless asked for. */
export async function listInbox(db: Tx, workspaceId: string, profileIds: readonly string[], options: { limit: number; includeDismissed: boolean }): Promise<InboxRecord[]> {
  if (profileIds.length === 0) return [];
  let query = db.selectFrom('inbox_messages').selectAll().where('workspace_id', '=', workspaceId).where('profile_id', 'in', profileIds);
  if (!options.includeDismissed) query = query.where('dismissed_at', 'is', null);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id').limit(options.limit).execute();
  return rows.map((row) => ({
    id: row.id,
    profileId: row.profile_id,
    title: row.title,
    body: row.body,
    url: row.url,
    createdAt: row.created_at,
    readAt: row.read_at,
    dismissedAt: row.dismissed_at,
  }));
}

/** Marks one message read or dismissed; only the person's own message is touched. */
export async function markInbox(db: Tx, workspaceId: string, profileIds: readonly string[], id: string, field: 'read_at' | 'dismissed_at', at: number): Promise<boolean> {
  if (profileIds.length === 0) return false;
  const result = await db
    .updateTable('inbox_messages')
    .set(field === 'read_at' ? { read_at: at } : { dismissed_at: at })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('profile_id', 'in', profileIds)
    .where(field, 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
