import type { Tx } from '../../storage/database.js';

/** One email kept by the built-in outbox, as rendered for its recipient. */
export interface OutboxRecord {
  id: string;
  profileId: string;
  to: string;
  from: string;
  subject: string;
  html: string | null;
  text: string;
  headers: Record<string, string>;
  createdAt: number;
}

type Row = { id: string; profile_id: string; to_address: string; from_address: string; subject: string; html: string | null; text: string; headers: string; created_at: number | string };

function toRecord(row: Row): OutboxRecord {
  const parsed: unknown = JSON.parse(row.headers);
  // fromEntries defines own properties, so a header named `__proto__` stays a plain key.
  const headers: Record<string, string> =
    typeof parsed === 'object' && parsed !== null ? Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : {};
  return { id: row.id, profileId: row.profile_id, to: row.to_address, from: row.from_address, subject: row.subject, html: row.html, text: row.text, headers, createdAt: Number(row.created_at) };
}

/** Stores a message once per id (a retried send keeps the first). */
export async function insertOutboxMessage(db: Tx, workspaceId: string, record: OutboxRecord): Promise<void> {
  await db
    .insertInto('outbox_messages')
    .values({
      workspace_id: workspaceId,
      id: record.id,
      profile_id: record.profileId,
      to_address: record.to,
      from_address: record.from,
      subject: record.subject,
      html: record.html,
      text: record.text,
      headers: JSON.stringify(record.headers),
      created_at: record.createdAt,
    })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'id']).doNothing())
    .execute();
}

const summaryColumns = ['id', 'profile_id', 'to_address', 'from_address', 'subject', 'html', 'text', 'headers', 'created_at'] as const;

/** Newest first; `before` pages on (created_at, id) of the last row seen. */
export async function listOutboxMessages(
  db: Tx,
  workspaceId: string,
  filter: { profileIds?: readonly string[]; to?: string; limit: number; before?: { createdAt: number; id: string } },
): Promise<OutboxRecord[]> {
  let query = db
    .selectFrom('outbox_messages')
    .select([...summaryColumns])
    .where('workspace_id', '=', workspaceId);
  if (filter.profileIds !== undefined) query = filter.profileIds.length === 0 ? query.where('id', '=', '') : query.where('profile_id', 'in', [...filter.profileIds]);
  if (filter.to !== undefined) query = query.where('to_address', '=', filter.to);
  const before = filter.before;
  if (before !== undefined) query = query.where((eb) => eb.or([eb('created_at', '<', before.createdAt), eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]));
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map(toRecord);
}

export async function findOutboxMessage(db: Tx, workspaceId: string, id: string): Promise<OutboxRecord | undefined> {
  const row = await db
    .selectFrom('outbox_messages')
    .select([...summaryColumns])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

/**
 * Keeps the outbox bounded: drops messages older than `olderThan` and, past the newest
 * `keep` of the workspace, the rest. Returns how many rows went.
 */
export async function pruneOutbox(db: Tx, workspaceId: string, keep: number, olderThan: number): Promise<number> {
  const aged = await db.deleteFrom('outbox_messages').where('workspace_id', '=', workspaceId).where('created_at', '<', olderThan).executeTakeFirst();
  let removed = Number(aged.numDeletedRows);
  const boundary = await db
    .selectFrom('outbox_messages')
    .select(['created_at', 'id'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(keep)
    .limit(1)
    .executeTakeFirst();
  if (boundary !== undefined) {
    const at = Number(boundary.created_at);
    const over = await db
      .deleteFrom('outbox_messages')
      .where('workspace_id', '=', workspaceId)
      .where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<=', boundary.id)])]))
      .executeTakeFirst();
    removed += Number(over.numDeletedRows);
  }
  return removed;
}

/** Messages to some profiles or addresses (erasure). */
export async function deleteOutboxOf(db: Tx, workspaceId: string, profileIds: readonly string[], addresses: readonly string[]): Promise<number> {
  if (profileIds.length === 0 && addresses.length === 0) return 0;
  const result = await db
    .deleteFrom('outbox_messages')
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([...(profileIds.length === 0 ? [] : [eb('profile_id', 'in', [...profileIds])]), ...(addresses.length === 0 ? [] : [eb('to_address', 'in', [...addresses])])]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Messages to some profiles or addresses, oldest first (export). */
export async function outboxOf(db: Tx, workspaceId: string, profileIds: readonly string[], addresses: readonly string[]): Promise<OutboxRecord[]> {
  if (profileIds.length === 0 && addresses.length === 0) return [];
  const rows = await db
    .selectFrom('outbox_messages')
    .select([...summaryColumns])
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([...(profileIds.length === 0 ? [] : [eb('profile_id', 'in', [...profileIds])]), ...(addresses.length === 0 ? [] : [eb('to_address', 'in', [...addresses])])]))
    .orderBy('created_at')
    .execute();
  return rows.map(toRecord);
}
