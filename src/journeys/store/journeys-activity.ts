import type { Tx } from '../../storage/database.js';
import { bulkInsert, type BulkTarget } from '../../storage/bulk.js';

/*
 * What journeys read and write around their runs: their own event-log cursor, product interest
 * (who viewed, carted or wish-listed a product, for catalog fan-out), the send ledger
 * (frequency caps, reports), conversions, static lists, the recording sender's log, workspace
 * journey settings, and the report queries.
 */

const CHUNK = 400;

export async function readJourneyCursor(db: Tx, workspaceId: string, partition: number): Promise<number> {
  const row = await db.selectFrom('journey_cursors').select('seq').where('workspace_id', '=', workspaceId).where('partition', '=', partition).executeTakeFirst();
  return row === undefined ? 0 : Number(row.seq);
}

/** Every stored journey cursor, keyed `<workspace>\u0000<partition>` (one query for the lag and each pass). */
export async function journeyCursors(db: Tx): Promise<Map<string, number>> {
  const rows = await db.selectFrom('journey_cursors').select(['workspace_id', 'partition', 'seq']).execute();
  return new Map(rows.map((row) => [`${row.workspace_id}\u0000${row.partition}`, Number(row.seq)]));
}

/** Moves the cursor from `from` to `to`; false when another worker moved it (roll back). */
export async function advanceJourneyCursor(db: Tx, workspaceId: string, partition: number, from: number, to: number, now: number): Promise<boolean> {
  if (from === 0) {
    const result = await db
      .insertInto('journey_cursors')
      .values({ workspace_id: workspaceId, partition, seq: to, updated_at: now })
      .onConflict((conflict) => conflict.columns(['workspace_id', 'partition']).doUpdateSet({ seq: to, updated_at: now }).where('journey_cursors.seq', '=', 0))
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }
  const result = await db
    .updateTable('journey_cursors')
    .set({ seq: to, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('partition', '=', partition)
    .where('seq', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export type InterestKind = 'viewed' | 'carted' | 'wishlisted';

export async function upsertInterest(db: Tx, workspaceId: string, rows: readonly { productId: string; profileId: string; kind: InterestKind; at: number }[]): Promise<void> {
  for (let start = 0; start < rows.length; start += CHUNK) {
    await db
      .insertInto('product_interest')
      .values(rows.slice(start, start + CHUNK).map((row) => ({ workspace_id: workspaceId, product_id: row.productId, profile_id: row.profileId, kind: row.kind, at: row.at })))
      .onConflict((conflict) => conflict.columns(['workspace_id', 'product_id', 'profile_id', 'kind']).doUpdateSet((eb) => ({ at: eb.ref('excluded.at') })))
      .execute();
  }
}

/** Profiles that showed one of `kinds` of interest in a product since `since`, in id order after `afterProfile`. */
export async function interestedProfiles(db: Tx, workspaceId: string, productId: string, kinds: readonly InterestKind[], since: number, afterProfile: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('product_interest')
    .select('profile_id')
    .distinct()
    .where('workspace_id', '=', workspaceId)
    .where('product_id', '=', productId)
    .where('kind', 'in', kinds)
    .where('at', '>=', since)
    .where('profile_id', '>', afterProfile)
    .orderBy('profile_id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.profile_id);
}

export interface SendRecord {
  idempotencyKey: string;
  profileId: string;
  channel: string;
  journeyId: string;
  runId: string;
  nodeId: string;
  status: string;
  sentAt: number;
}

export async function insertSends(db: Tx, target: BulkTarget, workspaceId: string, sends: readonly SendRecord[]): Promise<void> {
  await bulkInsert(
    db,
    target,
    'journey_sends',
    ['workspace_id', 'idempotency_key', 'profile_id', 'channel', 'journey_id', 'run_id', 'node_id', 'status', 'sent_at'],
    sends.map((send) => [workspaceId, send.idempotencyKey, send.profileId, send.channel, send.journeyId, send.runId, send.nodeId, send.status, send.sentAt]),
    'on conflict (workspace_id, idempotency_key) do update set status = excluded.status',
  );
}

/** Messages delivered or in flight (pending, sent, queued) to a profile on a channel since `since`, across journeys. */
/** Sends per profile on one channel since a time that count against a frequency cap (pending, sent, queued). */
export async function countSendsOf(db: Tx, workspaceId: string, profileIds: readonly string[], channel: string, since: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (profileIds.length === 0) return counts;
  const rows = await db
    .selectFrom('journey_sends')
    .select(['profile_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('profile_id', 'in', profileIds)
    .where('channel', '=', channel)
    .where('sent_at', '>=', since)
    .where('status', 'in', ['pending', 'sent', 'queued'])
    .groupBy('profile_id')
    .execute();
  for (const row of rows) counts.set(row.profile_id, Number(row.n));
  return counts;
}

export async function insertConversions(
  db: Tx,
  workspaceId: string,
  rows: readonly { runId: string; messageId: string; journeyId: string; kind: 'goal' | 'order'; revenue: number; at: number }[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += CHUNK) {
    await db
      .insertInto('journey_conversions')
      .values(
        rows
          .slice(start, start + CHUNK)
          .map((row) => ({ workspace_id: workspaceId, run_id: row.runId, message_id: row.messageId, journey_id: row.journeyId, kind: row.kind, revenue: row.revenue, at: row.at })),
      )
      .onConflict((conflict) => conflict.columns(['workspace_id', 'run_id', 'message_id', 'kind']).doNothing())
      .execute();
  }
}

export async function addListMember(db: Tx, workspaceId: string, listId: string, profileId: string, now: number): Promise<void> {
  await db
    .insertInto('list_members')
    .values({ workspace_id: workspaceId, list_id: listId, profile_id: profileId, added_at: now })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'list_id', 'profile_id']).doNothing())
    .execute();
}

export async function removeListMember(db: Tx, workspaceId: string, listId: string, profileId: string): Promise<void> {
  await db.deleteFrom('list_members').where('workspace_id', '=', workspaceId).where('list_id', '=', listId).where('profile_id', '=', profileId).execute();
}

export async function listMembers(db: Tx, workspaceId: string, listId: string, limit = 1000): Promise<string[]> {
  const rows = await db.selectFrom('list_members').select('profile_id').where('workspace_id', '=', workspaceId).where('list_id', '=', listId).orderBy('profile_id').limit(limit).execute();
  return rows.map((row) => row.profile_id);
}

export interface RecordedMessage {
  idempotencyKey: string;
  profileId: string;
  channel: string;
  templateId: string;
  /** JSON of the SendRequest */
  request: string;
  calls: number;
  sentAt: number;
}

/**
 * Records a message once per idempotency key; a repeated key only counts the call. Returns
 * whether this call was the first.
 */
export async function recordMessage(db: Tx, workspaceId: string, message: Omit<RecordedMessage, 'calls'>): Promise<boolean> {
  const inserted = await db
    .insertInto('recorded_messages')
    .values({
      workspace_id: workspaceId,
      idempotency_key: message.idempotencyKey,
      profile_id: message.profileId,
      channel: message.channel,
      template_id: message.templateId,
      request: message.request,
      calls: 1,
      sent_at: message.sentAt,
    })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'idempotency_key']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return true;
  await db
    .updateTable('recorded_messages')
    .set((eb) => ({ calls: eb('calls', '+', 1) }))
    .where('workspace_id', '=', workspaceId)
    .where('idempotency_key', '=', message.idempotencyKey)
    .execute();
  return false;
}

export async function listRecordedMessages(db: Tx, workspaceId: string, options: { profileId?: string; limit?: number } = {}): Promise<RecordedMessage[]> {
  let query = db.selectFrom('recorded_messages').selectAll().where('workspace_id', '=', workspaceId);
  if (options.profileId !== undefined) query = query.where('profile_id', '=', options.profileId);
  const rows = await query
    .orderBy('sent_at')
    .orderBy('idempotency_key')
    .limit(options.limit ?? 10_000)
    .execute();
  return rows.map((row) => ({
    idempotencyKey: row.idempotency_key,
    profileId: row.profile_id,
    channel: row.channel,
    templateId: row.template_id,
    request: row.request,
    calls: row.calls,
    sentAt: Number(row.sent_at),
  }));
}

export async function readJourneySettings(db: Tx, workspaceId: string): Promise<string | undefined> {
  const row = await db.selectFrom('journey_settings').select('settings').where('workspace_id', '=', workspaceId).executeTakeFirst();
  return row?.settings;
}

export async function writeJourneySettings(db: Tx, workspaceId: string, settings: string, now: number): Promise<void> {
  await db
    .insertInto('journey_settings')
    .values({ workspace_id: workspaceId, settings, updated_at: now })
    .onConflict((conflict) => conflict.column('workspace_id').doUpdateSet({ settings, updated_at: now }))
    .execute();
}

export interface JourneyCounts {
  byStatus: Record<string, number>;
  byExitReason: Record<string, number>;
  byArm: Record<string, number>;
}

export async function runCounts(db: Tx, workspaceId: string, journeyId: string): Promise<JourneyCounts> {
  const statusRows = await db
    .selectFrom('journey_runs')
    .select(['status', 'exit_reason', 'arm', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('journey_id', '=', journeyId)
    .groupBy(['status', 'exit_reason', 'arm'])
    .execute();
  const counts: JourneyCounts = { byStatus: {}, byExitReason: {}, byArm: {} };
  for (const row of statusRows) {
    const n = Number(row.n);
    counts.byStatus[row.status] = (counts.byStatus[row.status] ?? 0) + n;
    if (row.exit_reason !== null) counts.byExitReason[row.exit_reason] = (counts.byExitReason[row.exit_reason] ?? 0) + n;
    if (row.arm !== null) counts.byArm[row.arm] = (counts.byArm[row.arm] ?? 0) + n;
  }
  return counts;
}

/** Per node: runs that reached it (steps), and the outcomes of its sends. */
export async function nodeCounts(db: Tx, workspaceId: string, journeyId: string): Promise<{ nodeId: string; kind: string; reached: number }[]> {
  const rows = await db
    .selectFrom('journey_steps')
    .select(['node_id', 'kind', (eb) => eb.fn.count<number>('run_id').distinct().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('journey_id', '=', journeyId)
    .groupBy(['node_id', 'kind'])
    .execute();
  return rows.map((row) => ({ nodeId: row.node_id, kind: row.kind, reached: Number(row.n) }));
}

export async function sendCounts(db: Tx, workspaceId: string, journeyId: string): Promise<{ nodeId: string; status: string; n: number }[]> {
  const rows = await db
    .selectFrom('journey_sends')
    .select(['node_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('journey_id', '=', journeyId)
    .groupBy(['node_id', 'status'])
    .execute();
  return rows.map((row) => ({ nodeId: row.node_id, status: row.status, n: Number(row.n) }));
}

/**
 * Conversions per kind and arm, counting each run once per kind, with their revenue. With
 * `delivered`, only conversions after the run had a message actually go out (a send the
 * channels reported sent), so a journey is never credited for an email that failed.
 */
export async function conversionTotals(
  db: Tx,
  workspaceId: string,
  journeyId: string,
  windowMs?: number,
  options: { delivered?: boolean } = {},
): Promise<{ kind: string; arm: string | null; runs: number; conversions: number; revenue: number }[]> {
  let query = db
    .selectFrom('journey_conversions as c')
    .innerJoin('journey_runs as r', (join) => join.onRef('r.workspace_id', '=', 'c.workspace_id').onRef('r.id', '=', 'c.run_id'))
    .select(['c.kind', 'r.arm', (eb) => eb.fn.count<number>('c.run_id').distinct().as('runs'), (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('c.revenue').as('revenue')])
    .where('c.workspace_id', '=', workspaceId)
    .where('c.journey_id', '=', journeyId);
  if (windowMs !== undefined) query = query.where((eb) => eb(eb('c.at', '-', eb.ref('r.entered_at')), '<=', windowMs));
  if (options.delivered === true) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('journey_sends as s')
          .select('s.run_id')
          .whereRef('s.workspace_id', '=', 'c.workspace_id')
          .whereRef('s.run_id', '=', 'c.run_id')
          .where('s.status', '=', 'sent')
          .whereRef('s.sent_at', '<=', 'c.at'),
      ),
    );
  }
  const rows = await query.groupBy(['c.kind', 'r.arm']).execute();
  return rows.map((row) => ({ kind: row.kind, arm: row.arm, runs: Number(row.runs), conversions: Number(row.n), revenue: Number(row.revenue ?? 0) }));
}

/** Runs currently at each node (in progress). */
export async function runsAtNodes(db: Tx, workspaceId: string, journeyId: string): Promise<{ nodeId: string; n: number }[]> {
  const rows = await db
    .selectFrom('journey_runs')
    .select(['node_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('journey_id', '=', journeyId)
    .where('status', 'in', ['active', 'waiting', 'paused'])
    .groupBy('node_id')
    .execute();
  return rows.map((row) => ({ nodeId: row.node_id, n: Number(row.n) }));
}
