import { sql, type Insertable } from 'kysely';
import type SqliteDatabase from 'better-sqlite3';
import { dialectOf, type Database, type Tx } from '../../storage/database.js';
import type { EventsTable } from './tables.js';
import type { TrackingMessage } from '../../ingest/index.js';
import { sliceYielder } from '../../shared/yield-slices.js';
import { compressPayload, payloadText, type PayloadColumns, type StoredPayload } from '../../storage/payload-codec.js';

/** One event ready to append; `payload` is the JSON of the normalized message. */
export interface AppendRow {
  partition: number;
  messageId: string;
  type: string;
  event: string | null;
  userId: string | null;
  anonymousId: string | null;
  timestamp: number;
  receivedAt: number;
  sourceId: string | null;
  payload: string;
}

export interface LogEntry {
  workspaceId: string;
  partition: number;
  seq: number;
  messageId: string;
  type: string;
  event: string | null;
  userId: string | null;
  anonymousId: string | null;
  timestamp: number;
  receivedAt: number;
  sourceId: string | null;
  message: TrackingMessage;
}

export interface AppendResult {
  inserted: number;
  /** messageIds stored by this call (the first occurrence of each). */
  insertedIds: Set<string>;
  /** messageIds that were already in the log (a retried batch), in input order. */
  duplicates: string[];
}

// 11 bound values a row; SQLite allows 32766 per statement and PostgreSQL 65535.
const INSERT_CHUNK = 2000;
// Building and sending one statement is synchronous work on the event loop (~25 µs a row):
// 500 rows keep each turn short, and the round trip between statements lets other requests in.
const APPEND_CHUNK = 500;

/**
 * Appends events to the log inside the caller's transaction. Duplicate messageIds (per
 * workspace) are skipped, so a retried batch stores nothing twice. A partition's positions
 * follow the order of `rows`.
 *
 * SQLite: each partition's head row is advanced in the transaction that inserts its rows.
 * PostgreSQL: positions come from the `events_position` sequence under a shared advisory lock
 * (no row that every writer updates), and a follower reads only up to the head published by
 * `publishLogHeads`, below which every position is settled, so it never skips a position that a
 * slower transaction commits later.
 * @example await appendEvents(trx, 'default', rows);
 */
export async function appendEvents(trx: Tx, workspaceId: string, rows: AppendRow[]): Promise<AppendResult> {
  if (rows.length === 0) return { inserted: 0, insertedIds: new Set(), duplicates: [] };
  if (dialectOf(trx) === 'postgres') return appendPostgres(trx, workspaceId, rows);
  // A message repeated inside one batch is a duplicate too; keep the first.
  const unique = new Map<string, AppendRow>();
  const duplicates: string[] = [];
  for (const row of rows) {
    if (unique.has(row.messageId)) duplicates.push(row.messageId);
    else unique.set(row.messageId, row);
  }
  const byPartition = new Map<number, AppendRow[]>();
  for (const row of unique.values()) {
    const list = byPartition.get(row.partition);
    if (list) list.push(row);
    else byPartition.set(row.partition, [row]);
  }
  // Ascending partition order: two writers never wait on each other's head rows in a cycle.
  const partitions = [...byPartition.keys()].sort((a, b) => a - b);
  const values: Insertable<EventsTable>[] = [];
  for (const partition of partitions) {
    const list = byPartition.get(partition) ?? [];
    const head = await advanceHead(trx, workspaceId, partition, list.length);
    let seq = head - list.length;
    for (const row of list) {
      seq += 1;
      values.push({
        workspace_id: workspaceId,
        partition,
        seq,
        message_id: row.messageId,
        type: row.type,
        event: row.event,
        user_id: row.userId,
        anonymous_id: row.anonymousId,
        timestamp: row.timestamp,
        received_at: row.receivedAt,
        source_id: row.sourceId,
        payload: row.payload,
      });
    }
  }
  let inserted = 0;
  const insertedIds = new Set<string>();
  for (let start = 0; start < values.length; start += APPEND_CHUNK) {
    const chunk = values.slice(start, start + APPEND_CHUNK);
    const result = await trx
      .insertInto('events')
      .values(chunk)
      .onConflict((conflict) => conflict.columns(['workspace_id', 'message_id']).doNothing())
      .returning('message_id')
      .execute();
    inserted += result.length;
    for (const { message_id } of result) insertedIds.add(message_id);
  }
  if (inserted < unique.size) {
    for (const id of unique.keys()) if (!insertedIds.has(id)) duplicates.push(id);
  }
  return { inserted, insertedIds, duplicates };
}

// The advisory lock appends hold shared and `rapport_log_fence` takes exclusively (two-key form:
// never the same lock as a one-key `tryWithLock` name).
const FENCE_LOCK = sql`21057, 1`;
// Publishers of the heads take turns on this one (transaction-scoped).
const PUBLISH_LOCK = sql`21057, 2`;
// 12 arrays a statement whatever its size; a chunk bounds the synchronous encoding work.
const POSTGRES_CHUNK = 2000;

async function appendPostgres(trx: Tx, workspaceId: string, rows: AppendRow[]): Promise<AppendResult> {
  const unique = new Map<string, AppendRow>();
  const duplicates: string[] = [];
  for (const row of rows) {
    if (unique.has(row.messageId)) duplicates.push(row.messageId);
    else unique.set(row.messageId, row);
  }
  const list = [...unique.values()];
  const partitions = [...new Set(list.map((row) => row.partition))];
  // One round trip: the shared lock (held to commit), the head rows a follower publishes into
  // (only when missing: an insert that meets an existing key waits for whoever last wrote it),
  // and the positions. Values come back in any order; sorted, they follow `rows`.
  const allocated = await sql<{ seq: number }>`with l as (select pg_advisory_xact_lock_shared(${FENCE_LOCK})),
      h as (insert into log_heads (workspace_id, partition, head) select ${workspaceId}, p, 0 from l, unnest(${partitions}::int[]) p
        where not exists (select 1 from log_heads k where k.workspace_id = ${workspaceId} and k.partition = p) on conflict do nothing)
    select nextval('events_position') as seq from l, generate_series(1, ${list.length})`.execute(trx);
  const positions = allocated.rows.map((row) => Number(row.seq)).sort((a, b) => a - b);
  const insertedIds = new Set<string>();
  for (let start = 0; start < list.length; start += POSTGRES_CHUNK) {
    const chunk = list.slice(start, start + POSTGRES_CHUNK);
    const column = <T>(pick: (row: AppendRow) => T): T[] => chunk.map(pick);
    // The highest position written per partition is noted for `publishLogHeads` in the same statement.
    const result = await sql<{
      message_id: string;
    }>`with inserted as (insert into events (workspace_id, partition, seq, message_id, type, event, user_id, anonymous_id, timestamp, received_at, source_id, payload)
      select ${workspaceId}, * from unnest(${column((row) => row.partition)}::int[], ${positions.slice(start, start + chunk.length)}::bigint[], ${column((row) => row.messageId)}::text[],
        ${column((row) => row.type)}::text[], ${column((row) => row.event)}::text[], ${column((row) => row.userId)}::text[], ${column((row) => row.anonymousId)}::text[],
        ${column((row) => row.timestamp)}::bigint[], ${column((row) => row.receivedAt)}::bigint[], ${column((row) => row.sourceId)}::text[], ${column((row) => row.payload)}::text[])
      on conflict (workspace_id, message_id) do nothing returning workspace_id, partition, seq, message_id),
      noted as (insert into log_heads_pending (workspace_id, partition, seq) select workspace_id, partition, max(seq) from inserted where workspace_id = ${workspaceId} group by workspace_id, partition)
      select message_id from inserted`.execute(trx);
    for (const { message_id } of result.rows) insertedIds.add(message_id);
  }
  if (insertedIds.size < unique.size) {
    for (const id of unique.keys()) if (!insertedIds.has(id)) duplicates.push(id);
  }
  return { inserted: insertedIds.size, insertedIds, duplicates };
}

const publishedFences = new WeakMap<Tx, number>();

/**
 * PostgreSQL: moves the `log_heads` rows up to their last event at or below the settled fence
 * (see migration 0032), so readers of the heads see only positions that can no longer be filled
 * in by a transaction still in flight. Incremental: it takes the notes appends left at or below
 * the fence (migration 0047) and moves only those heads, so a pass costs what was appended since
 * the last one, not one probe per workspace and partition; a handle's first pass also
 * recomputes every head from the log (a store upgraded with events appended before the notes).
 * Publishers take turns on a transaction-scoped lock, so two never lock the same heads in
 * opposite orders. Returns false when appends in flight did not finish within `waitMs` (the
 * heads stay; the next call catches up). SQLite: nothing to do, its heads move with the appends.
 * @example if (database.dialect === 'postgres') await publishLogHeads(database.db);
 */
export async function publishLogHeads(db: Tx, waitMs = 200): Promise<boolean> {
  if (dialectOf(db) !== 'postgres') return true;
  const { rows } = await sql<{ fence: number | null }>`select rapport_log_fence(${waitMs}) as fence`.execute(db);
  const fence = rows[0]?.fence;
  if (fence === null || fence === undefined) return false;
  const published = publishedFences.get(db);
  if (published === Number(fence)) return true;
  const inTransaction = (fn: (trx: Tx) => Promise<void>): Promise<void> => (db.isTransaction ? fn(db) : db.transaction().execute(fn));
  await inTransaction(async (trx) => {
    await sql`select pg_advisory_xact_lock(${PUBLISH_LOCK})`.execute(trx);
    if (published === undefined) {
      await sql`update log_heads h set head = m.top
        from (select k.workspace_id, k.partition,
                (select max(e.seq) from events e where e.workspace_id = k.workspace_id and e.partition = k.partition and e.seq <= ${fence}) as top
              from log_heads k) m
        where h.workspace_id = m.workspace_id and h.partition = m.partition and m.top > h.head`.execute(trx);
    }
    await sql`with taken as (delete from log_heads_pending where seq <= ${fence} returning workspace_id, partition, seq),
        top as (select workspace_id, partition, max(seq) as top from taken group by workspace_id, partition)
      update log_heads h set head = top.top from top
      where h.workspace_id = top.workspace_id and h.partition = top.partition and top.top > h.head`.execute(trx);
  });
  publishedFences.set(db, Number(fence));
  return true;
}

export type EventAppender = (trx: Tx, workspaceId: string, rows: AppendRow[]) => Promise<AppendResult>;

/**
 * The fastest append the store offers: on SQLite, prepared statements run synchronously on the
 * raw handle (the transaction holds the connection, so nothing else can interleave), which
 * measured about twice the rate of the query-builder path; elsewhere `appendEvents`.
 */
export function createEventAppender(database: Database): EventAppender {
  const handle = database.sqlite;
  return handle === undefined ? appendEvents : sqliteAppender(handle);
}

function sqliteAppender(handle: SqliteDatabase.Database): EventAppender {
  const advance = handle.prepare<[number, string, number], { head: number }>('update log_heads set head = head + ? where workspace_id = ? and partition = ? returning head');
  const createHead = handle.prepare('insert into log_heads (workspace_id, partition, head) values (?, ?, 0) on conflict do nothing');
  const insert = handle.prepare(
    'insert into events (workspace_id, partition, seq, message_id, type, event, user_id, anonymous_id, timestamp, received_at, source_id, payload) ' +
      'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (workspace_id, message_id) do nothing',
  );
  return async (_trx, workspaceId, rows) => {
    const byPartition = new Map<number, AppendRow[]>();
    for (const row of rows) {
      const list = byPartition.get(row.partition);
      if (list) list.push(row);
      else byPartition.set(row.partition, [row]);
    }
    const insertedIds = new Set<string>();
    const duplicates: string[] = [];
    const slice = sliceYielder();
    for (const [partition, list] of byPartition) {
      let head = advance.get(list.length, workspaceId, partition)?.head;
      if (head === undefined) {
        createHead.run(workspaceId, partition);
        head = advance.get(list.length, workspaceId, partition)?.head ?? list.length;
      }
      let seq = head - list.length;
      for (const row of list) {
        // Thousands of synchronous inserts would hold the event loop; the transaction keeps the
        // connection meanwhile, so nothing else writes between slices.
        const pause = slice();
        if (pause !== undefined) await pause;
        seq += 1;
        const { changes } = insert.run(workspaceId, partition, seq, row.messageId, row.type, row.event, row.userId, row.anonymousId, row.timestamp, row.receivedAt, row.sourceId, row.payload);
        if (changes > 0) insertedIds.add(row.messageId);
        else duplicates.push(row.messageId);
      }
    }
    return { inserted: insertedIds.size, insertedIds, duplicates };
  };
}

async function advanceHead(trx: Tx, workspaceId: string, partition: number, count: number): Promise<number> {
  const updated = await trx
    .updateTable('log_heads')
    .set((eb) => ({ head: eb('head', '+', count) }))
    .where('workspace_id', '=', workspaceId)
    .where('partition', '=', partition)
    .returning('head')
    .executeTakeFirst();
  if (updated) return updated.head;
  // First event of this partition: create its head. A concurrent creator makes the insert a
  // no-op and the retried update then takes the lock.
  await trx
    .insertInto('log_heads')
    .values({ workspace_id: workspaceId, partition, head: 0 })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'partition']).doNothing())
    .execute();
  return advanceHead(trx, workspaceId, partition, count);
}

function toEntry(row: {
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
  payload: StoredPayload;
}): LogEntry {
  return {
    workspaceId: row.workspace_id,
    partition: row.partition,
    seq: row.seq,
    messageId: row.message_id,
    type: row.type,
    event: row.event,
    userId: row.user_id,
    anonymousId: row.anonymous_id,
    timestamp: row.timestamp,
    receivedAt: row.received_at,
    sourceId: row.source_id,
    message: JSON.parse(payloadText(row.payload, row)) as TrackingMessage,
  };
}

/**
 * Events of one partition in (afterSeq, upToSeq], in sequence order. A follower passes its head
 * as `upToSeq`: on PostgreSQL a row above the published head may have a position below it still
 * being filled in by a transaction in flight.
 */
export async function readPartition(db: Tx, workspaceId: string, partition: number, afterSeq: number, limit: number, upToSeq = Number.MAX_SAFE_INTEGER): Promise<LogEntry[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('partition', '=', partition)
    .where('seq', '>', afterSeq)
    .where('seq', '<=', upToSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toEntry);
}

/**
 * Events of one partition in (afterSeq, upToSeq] whose name is in `names`, where a track event's
 * name is its `event` and any other message's name is its type (`identify`, `page`...). The
 * other events are skipped inside the store, so their payloads are never read or parsed.
 * @example await readPartitionNamed(db, 'ws', 0, 100, 5000, ['Order Completed', 'identify'], 1000)
 */
export async function readPartitionNamed(db: Tx, workspaceId: string, partition: number, afterSeq: number, upToSeq: number, names: readonly string[], limit: number): Promise<LogEntry[]> {
  const trackNames = names.filter((name) => name !== '');
  const typeNames = names.filter((name) => name !== 'track' && name !== '');
  if (trackNames.length === 0 || afterSeq >= upToSeq) return [];
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('partition', '=', partition)
    .where('seq', '>', afterSeq)
    .where('seq', '<=', upToSeq)
    .where((eb) => eb.or([eb.and([eb('type', '=', 'track'), eb('event', 'in', trackNames)]), ...(typeNames.length === 0 ? [] : [eb('type', 'in', typeNames)])]))
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toEntry);
}

export interface EventQuery {
  messageId?: string;
  userId?: string;
  anonymousId?: string;
  type?: string;
  event?: string;
  limit?: number;
}

/** Events matching simple equality filters, in log order (for the API and tests). */
export async function findEvents(db: Tx, workspaceId: string, query: EventQuery = {}): Promise<LogEntry[]> {
  let select = db.selectFrom('events').selectAll().where('workspace_id', '=', workspaceId);
  if (query.messageId !== undefined) select = select.where('message_id', '=', query.messageId);
  if (query.userId !== undefined) select = select.where('user_id', '=', query.userId);
  if (query.anonymousId !== undefined) select = select.where('anonymous_id', '=', query.anonymousId);
  if (query.type !== undefined) select = select.where('type', '=', query.type);
  if (query.event !== undefined) select = select.where('event', '=', query.event);
  const rows = await select
    .orderBy('partition')
    .orderBy('seq')
    .limit(query.limit ?? 10000)
    .execute();
  return rows.map(toEntry);
}

export async function countEvents(db: Tx, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Events still in the log per source (the write key id; null for imports and server calls): how many and the last received. */
export interface SourceActivity {
  sourceId: string | null;
  lastReceivedAt: number;
  events: number;
}

/** Per source: the last event received and the count, newest source first (the settings screen's install check). */
export async function sourceActivity(db: Tx, workspaceId: string): Promise<SourceActivity[]> {
  const rows = await db
    .selectFrom('events')
    .select((eb) => ['source_id', eb.fn.max('received_at').as('last'), eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .groupBy('source_id')
    .execute();
  return rows.map((row) => ({ sourceId: row.source_id, lastReceivedAt: Number(row.last), events: Number(row.n) })).sort((a, b) => b.lastReceivedAt - a.lastReceivedAt);
}

/** Events of one partition in (afterSeq, upToSeq]. */
export async function countEventsBetween(db: Tx, workspaceId: string, partition: number, afterSeq: number, upToSeq: number): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('partition', '=', partition)
    .where('seq', '>', afterSeq)
    .where('seq', '<=', upToSeq)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Events received at or after `since` (ms), e.g. today's. */
export async function countEventsSince(db: Tx, workspaceId: string, since: number): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('received_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The names a workspace tracks (track events, pages, screens), most frequent first, for pickers. */
export async function listEventNames(db: Tx, workspaceId: string, limit: number): Promise<{ type: string; event: string; count: number }[]> {
  const rows = await db
    .selectFrom('events')
    .select((eb) => ['type', 'event', eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('event', 'is not', null)
    .where('type', 'in', ['track', 'page', 'screen'])
    .groupBy(['type', 'event'])
    .orderBy('n', 'desc')
    .orderBy('event')
    .limit(limit)
    .execute();
  return rows.flatMap((row) => (row.event === null ? [] : [{ type: row.type, event: row.event, count: Number(row.n) }]));
}

/**
 * The committed head of a partition. Every row up to it is committed and visible to a read that
 * starts afterwards: the head moves in the transaction that inserts its rows.
 */
export async function readHead(db: Tx, workspaceId: string, partition: number): Promise<number> {
  const row = await db.selectFrom('log_heads').select('head').where('workspace_id', '=', workspaceId).where('partition', '=', partition).executeTakeFirst();
  return row?.head ?? 0;
}

export interface RejectedRow {
  id: string;
  receivedAt: number;
  sourceId: string | null;
  code: string;
  message: string;
  payload: string;
}

/** Keeps a rejected item (quarantine) so nothing a client sent is silently lost. */
export async function quarantine(trx: Tx, workspaceId: string, rows: RejectedRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows.slice(start, start + INSERT_CHUNK).map((row) => ({
      workspace_id: workspaceId,
      id: row.id,
      received_at: row.receivedAt,
      source_id: row.sourceId,
      code: row.code,
      message: row.message,
      payload: row.payload,
    }));
    await trx.insertInto('rejected_events').values(chunk).execute();
  }
}

export async function listRejected(db: Tx, workspaceId: string, limit = 100): Promise<RejectedRow[]> {
  const rows = await db.selectFrom('rejected_events').selectAll().where('workspace_id', '=', workspaceId).orderBy('received_at', 'desc').limit(limit).execute();
  return rows.map((row) => ({
    id: row.id,
    receivedAt: row.received_at,
    sourceId: row.source_id,
    code: row.code,
    message: row.message,
    payload: row.payload,
  }));
}

/** How many items ingest set aside for a workspace (the quarantine's size). */
export async function countRejected(db: Tx, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('rejected_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Retention: deletes events received before `before` that the processor has already applied
 * (an unprocessed event is never dropped). Derived state (profiles, aggregates) is kept; the
 * timeline and a later replay see only the events that remain.
 */
export async function deleteProcessedEventsBefore(trx: Tx, workspaceId: string, before: number): Promise<number> {
  const result = await trx
    .deleteFrom('events')
    .where('workspace_id', '=', workspaceId)
    .where('received_at', '<', before)
    .where(({ eb, selectFrom }) =>
      eb('seq', '<=', selectFrom('processor_cursors as c').select('c.seq').whereRef('c.workspace_id', '=', 'events.workspace_id').whereRef('c.partition', '=', 'events.partition')),
    )
    // Journeys read the log with their own cursor, behind the processor: keep what they have not read.
    .where(({ eb, selectFrom, not, exists }) =>
      not(
        exists(
          selectFrom('journey_cursors as j')
            .select('j.seq')
            .whereRef('j.workspace_id', '=', 'events.workspace_id')
            .whereRef('j.partition', '=', 'events.partition')
            .where('j.seq', '<', eb.ref('events.seq')),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface CompactionPass {
  /** Payloads rewritten in compact form. */
  compacted: number;
  /** Their JSON text bytes before, and stored bytes after. */
  bytesBefore: number;
  bytesAfter: number;
  /** True when a partition still has events to compact (call again). */
  more: boolean;
}

/**
 * Rewrites, in one transaction, up to `limit` payloads per partition in compact form (see
 * payload-codec.ts): only events the processor has applied and that were received before
 * `before`, so the hot readers (processor, analytics replica) keep reading plain JSON. SQLite
 * only: PostgreSQL keeps JSON text (its `jsonb` readers and TOAST stay as they are).
 * `workspaceId` limits the pass to one workspace (its chore); absent, every workspace.
 * @example while ((await compactEventPayloads(database, Date.now() - 600_000)).more);
 */
export async function compactEventPayloads(database: Database, before: number, limit = 500, workspaceId?: string): Promise<CompactionPass> {
  const handle = database.sqlite;
  const pass: CompactionPass = { compacted: 0, bytesBefore: 0, bytesAfter: 0, more: false };
  if (handle === undefined) return pass;
  await database.transaction(async () => {
    const partitions = handle
      .prepare<[string | null, string | null], { workspace_id: string; partition: number; cursor: number; compacted: number | null }>(
        `select c.workspace_id, c.partition, c.seq as cursor, k.seq as compacted from processor_cursors c
         left join event_compaction k on k.workspace_id = c.workspace_id and k.partition = c.partition
         where c.seq > coalesce(k.seq, 0) and (? is null or c.workspace_id = ?)`,
      )
      .all(workspaceId ?? null, workspaceId ?? null);
    const read = handle.prepare<[string, number, number, number, number], PayloadRow>(
      `select seq, type, message_id, user_id, anonymous_id, event, timestamp, received_at, source_id, payload from events
       where workspace_id = ? and partition = ? and seq > ? and seq <= ? order by seq limit ?`,
    );
    // Replaced, not updated: a row shrunk in place leaves its page as sparse as before (SQLite
    // rebalances pages on delete, not on update), while a new row goes to the table's end and
    // the old pages empty out onto the free list for later inserts.
    const write = handle.prepare(
      'insert or replace into events (workspace_id, partition, seq, message_id, type, event, user_id, anonymous_id, timestamp, received_at, source_id, payload) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const mark = handle.prepare<[string, number, number]>(
      'insert into event_compaction (workspace_id, partition, seq) values (?, ?, ?) on conflict (workspace_id, partition) do update set seq = excluded.seq',
    );
    for (const { workspace_id: workspaceId, partition, cursor, compacted } of partitions) {
      const rows = read.all(workspaceId, partition, compacted ?? 0, cursor, limit);
      let reached: number | undefined;
      for (const row of rows) {
        // Log order follows receive order closely; stop at the first event that is still new.
        if (row.received_at >= before) break;
        if (typeof row.payload === 'string') {
          const stored = compressPayload(row.payload, row);
          if (stored.length < Buffer.byteLength(row.payload)) {
            write.run(workspaceId, partition, row.seq, row.message_id, row.type, row.event, row.user_id, row.anonymous_id, row.timestamp, row.received_at, row.source_id, stored);
            pass.compacted += 1;
            pass.bytesBefore += Buffer.byteLength(row.payload);
            pass.bytesAfter += stored.length;
          }
        }
        reached = row.seq;
      }
      if (reached !== undefined) mark.run(workspaceId, partition, reached);
      if (reached !== undefined && rows.length === limit && reached === rows.at(-1)?.seq) pass.more = true;
    }
  });
  return pass;
}

interface PayloadRow extends PayloadColumns {
  seq: number;
  source_id: string | null;
  payload: StoredPayload;
}

/**
 * SQLite: rewrites the store file without its free pages (VACUUM), so a store that just shrank
 * also takes less disk. It blocks the store while it runs: for one-off moments (after a demo or
 * an import), not for a running server, whose free pages are reused by new events.
 */
export async function reclaimFreePages(database: Database): Promise<void> {
  if (database.sqlite === undefined) return;
  await sql`vacuum`.execute(database.db);
}
