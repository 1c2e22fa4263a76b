import type { Tx } from '../../storage/database.js';
import type { MessagesTable } from './tables.js';

export interface MessageRecord {
  id: string;
  idempotencyKey: string;
  profileId: string;
  channel: string;
  templateId: string;
  templateVersion: number | null;
  purpose: string;
  status: string;
  reason: string | null;
  address: string | null;
  couponCode: string | null;
  providerId: string | null;
  /** JSON text of the attribution (`SendRequest.source`). */
  source: string | null;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
  deliveredAt: number | null;
  openedAt: number | null;
  clickedAt: number | null;
}

function toRecord(row: MessagesTable): MessageRecord {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    profileId: row.profile_id,
    channel: row.channel,
    templateId: row.template_id,
    templateVersion: row.template_version,
    purpose: row.purpose,
    status: row.status,
    reason: row.reason,
    address: row.address,
    couponCode: row.coupon_code,
    providerId: row.provider_id,
    source: row.source,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sentAt: row.sent_at,
    deliveredAt: row.delivered_at,
    openedAt: row.opened_at,
    clickedAt: row.clicked_at,
  };
}

/**
 * Inserts a message unless its idempotency key exists; returns the stored row either way and
 * whether this call created it.
 * @example const { record, created } = await claimMessage(trx, 'ws', record);
 */
export async function claimMessage(db: Tx, workspaceId: string, record: MessageRecord): Promise<{ record: MessageRecord; created: boolean }> {
  const result = await db
    .insertInto('messages')
    .values(toRow(workspaceId, record))
    .onConflict((conflict) => conflict.columns(['workspace_id', 'idempotency_key']).doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0n) > 0) return { record, created: true };
  const existing = await findMessageByKey(db, workspaceId, record.idempotencyKey);
  if (existing === undefined) throw new Error(`message ${record.idempotencyKey} vanished`);
  return { record: existing, created: false };
}

/**
 * Claims several messages with one multi-row insert (ON CONFLICT DO NOTHING ... RETURNING),
 * then reads back the rows whose idempotency key already existed. Outcomes are in input order.
 * Callers keep a batch small (each row binds 21 values).
 * @example const outcomes = await claimMessages(trx, 'ws', [first, second]);
 */
export async function claimMessages(db: Tx, workspaceId: string, records: readonly MessageRecord[]): Promise<{ record: MessageRecord; created: boolean }[]> {
  if (records.length === 0) return [];
  const inserted = await db
    .insertInto('messages')
    .values(records.map((record) => toRow(workspaceId, record)))
    .onConflict((conflict) => conflict.columns(['workspace_id', 'idempotency_key']).doNothing())
    .returning('idempotency_key')
    .execute();
  const created = new Set(inserted.map((row) => row.idempotency_key));
  const missing = records.filter((record) => !created.has(record.idempotencyKey)).map((record) => record.idempotencyKey);
  const existing = new Map<string, MessageRecord>();
  if (missing.length > 0) {
    const rows = await db.selectFrom('messages').selectAll().where('workspace_id', '=', workspaceId).where('idempotency_key', 'in', missing).execute();
    for (const row of rows) existing.set(row.idempotency_key, toRecord(row));
  }
  return records.map((record) => {
    // Two records with one key in a batch: the first inserted it, the second finds it.
    if (created.delete(record.idempotencyKey)) return { record, created: true };
    const found = existing.get(record.idempotencyKey) ?? records.find((other) => other !== record && other.idempotencyKey === record.idempotencyKey);
    if (found === undefined) throw new Error(`message ${record.idempotencyKey} vanished`);
    return { record: found, created: false };
  });
}

function toRow(workspaceId: string, record: MessageRecord): MessagesTable {
  return {
    workspace_id: workspaceId,
    id: record.id,
    idempotency_key: record.idempotencyKey,
    profile_id: record.profileId,
    channel: record.channel,
    template_id: record.templateId,
    template_version: record.templateVersion,
    purpose: record.purpose,
    status: record.status,
    reason: record.reason,
    address: record.address,
    coupon_code: record.couponCode,
    provider_id: record.providerId,
    source: record.source,
    attempts: record.attempts,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    sent_at: record.sentAt,
    delivered_at: record.deliveredAt,
    opened_at: record.openedAt,
    clicked_at: record.clickedAt,
  };
}

export async function findMessageByKey(db: Tx, workspaceId: string, idempotencyKey: string): Promise<MessageRecord | undefined> {
  const row = await db.selectFrom('messages').selectAll().where('workspace_id', '=', workspaceId).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

export async function findMessage(db: Tx, workspaceId: string, id: string): Promise<MessageRecord | undefined> {
  const row = await db.selectFrom('messages').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

/** The message a provider knows by its own id (SMS sid, SMTP Message-ID). */
export async function findMessageByProviderId(db: Tx, workspaceId: string, providerId: string): Promise<MessageRecord | undefined> {
  const row = await db.selectFrom('messages').selectAll().where('workspace_id', '=', workspaceId).where('provider_id', '=', providerId).executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

/**
 * Takes over a message another call claimed (or deferred after its provider could not take it)
 * and has not touched since: true when this call now holds it (its `updated_at` moved on), false
 * when the row was finished or taken over meanwhile. Only a row still queued can be taken over.
 */
export async function takeOverMessage(db: Tx, workspaceId: string, id: string, claimed: { updatedAt: number; attempts: number }, now: number): Promise<boolean> {
  const result = await db
    .updateTable('messages')
    // Always a new value, even within the same millisecond: of two takers, only one matches.
    .set({ updated_at: Math.max(now, claimed.updatedAt + 1) })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .where('attempts', '=', claimed.attempts)
    .where('updated_at', '=', claimed.updatedAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export type MessageChanges = Partial<
  Pick<MessageRecord, 'status' | 'reason' | 'address' | 'couponCode' | 'providerId' | 'attempts' | 'templateVersion' | 'sentAt' | 'deliveredAt' | 'openedAt' | 'clickedAt'>
> & { updatedAt: number };

export async function updateMessage(db: Tx, workspaceId: string, id: string, changes: MessageChanges): Promise<void> {
  const set: Partial<MessagesTable> = { updated_at: changes.updatedAt };
  if (changes.status !== undefined) set.status = changes.status;
  if (changes.reason !== undefined) set.reason = changes.reason;
  if (changes.address !== undefined) set.address = changes.address;
  if (changes.couponCode !== undefined) set.coupon_code = changes.couponCode;
  if (changes.providerId !== undefined) set.provider_id = changes.providerId;
  if (changes.attempts !== undefined) set.attempts = changes.attempts;
  if (changes.templateVersion !== undefined) set.template_version = changes.templateVersion;
  if (changes.sentAt !== undefined) set.sent_at = changes.sentAt;
  if (changes.deliveredAt !== undefined) set.delivered_at = changes.deliveredAt;
  if (changes.openedAt !== undefined) set.opened_at = changes.openedAt;
  if (changes.clickedAt !== undefined) set.clicked_at = changes.clickedAt;
  await db.updateTable('messages').set(set).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

/** What the message log can be narrowed to; the parts combine with AND. */
export interface MessageFilter {
  profileIds?: readonly string[];
  status?: string;
  channel?: string;
  /** Created at or after (epoch ms). */
  from?: number;
  /** Created before (epoch ms). */
  to?: number;
  /** Keyset: only messages after this one in newest-first order. */
  before?: { createdAt: number; id: string };
  limit: number;
}

/**
 * Messages, newest first (ties by id, descending), narrowed by `filter`. Reads walk
 * (workspace, created_at, id), or (workspace, status, created_at, id) when a status is given,
 * backwards; the channel is checked on the rows the walk finds.
 */
export async function listMessages(db: Tx, workspaceId: string, filter: MessageFilter): Promise<MessageRecord[]> {
  let query = db.selectFrom('messages').selectAll().where('workspace_id', '=', workspaceId);
  if (filter.profileIds !== undefined) {
    if (filter.profileIds.length === 0) return [];
    query = query.where('profile_id', 'in', filter.profileIds);
  }
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.channel !== undefined) query = query.where('channel', '=', filter.channel);
  if (filter.from !== undefined) query = query.where('created_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('created_at', '<', filter.to);
  const before = filter.before;
  if (before !== undefined) {
    query = query.where((eb) => eb.or([eb('created_at', '<', before.createdAt), eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]));
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map(toRecord);
}

/** Messages sent from any of these template versions. */
export async function countSentWithTemplateVersions(db: Tx, workspaceId: string, versions: readonly { templateId: string; version: number }[]): Promise<number> {
  let total = 0;
  // Two bound values a version; far below both dialects' limits per statement.
  for (let start = 0; start < versions.length; start += 500) {
    const chunk = versions.slice(start, start + 500);
    const row = await db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('workspace_id', '=', workspaceId)
      .where('sent_at', 'is not', null)
      .where((eb) =>
        eb(
          eb.refTuple('template_id', 'template_version'),
          'in',
          chunk.map((key) => eb.tuple(key.templateId, key.version)),
        ),
      )
      .executeTakeFirst();
    total += Number(row?.n ?? 0);
  }
  return total;
}
