import type { Clock } from '../shared/clock.js';
import { randomId } from '../shared/ids.js';
import { Tally } from '../shared/tally.js';
import { sliceYielder } from '../shared/yield-slices.js';
import type { Database, Tx } from '../storage/database.js';
import { appendEvents, createEventAppender, quarantine, type AppendRow, type EventAppender, type RejectedRow } from '../log/store/event-log.js';
import type { MessageType } from './message.js';
import { normalizeMessage, partitionOf, type ItemProblem } from './normalize.js';

/** Segment drops events past 2,500 in one batch. */
export const MAX_BATCH_ITEMS = 2500;
const MAX_QUARANTINE_PAYLOAD = 64 * 1024;

export interface IngestContext {
  workspaceId: string;
  /** The write key (source) the events came through; null for imports and system events. */
  sourceId: string | null;
  receivedAt: number;
  ip?: string | undefined;
  /** Browser endpoints: fill `context.ip` from the connection, as Segment does for client-side events. */
  fillIp?: boolean;
  /**
   * Why a message of this type may not come through this source (its write key lacks the
   * scope), or undefined when it may. Such an item is rejected alone; its siblings are stored.
   */
  refuseType?: (type: string) => string | undefined;
}

export interface ItemRejection extends ItemProblem {
  index: number;
}

export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  rejected: ItemRejection[];
}

export interface IngestBatch {
  items: unknown[];
  sentAt?: unknown;
  context?: unknown;
  integrations?: unknown;
  /** Set by single-message paths (`/v1/track`, `/v1/t`): the path decides the type. */
  pathType?: MessageType | undefined;
}

/** A message the server itself emits (catalog changes); it needs no user identifier. */
export interface SystemMessage {
  type: 'track';
  event: string;
  messageId: string;
  properties: Record<string, unknown>;
  timestamp?: string;
}

export type AppendListener = (workspaceId: string) => void;

/** Filters rows before they are appended; returns the rows to keep. */
export type IngestGate = (workspaceId: string, rows: AppendRow[]) => Promise<AppendRow[]>;

/** One request's share of a group commit. */
interface PendingAppend {
  workspaceId: string;
  rows: AppendRow[];
  rejected: RejectedRow[];
  resolve(duplicates: number): void;
  reject(error: unknown): void;
}

/** Rows one group commit may carry; bigger groups add latency without adding throughput. */
const MAX_GROUP_ROWS = 5000;

/**
 * Validates, normalizes and durably appends Segment messages. The returned promise resolves
 * only after the transaction holding the events has committed, so an HTTP 2xx built on it
 * never acknowledges an event a crash could lose.
 * @example const outcome = await ingest.ingest({ workspaceId, sourceId, receivedAt: Date.now() }, { items });
 */
export class IngestService {
  private readonly listeners: AppendListener[] = [];
  private readonly queue: PendingAppend[] = [];
  private flushing = false;
  private readonly append: EventAppender;
  private gate: IngestGate | undefined;
  /** Events by outcome (`accepted`, `duplicate`, `rejected`) since this process started: /metrics reads it. */
  readonly outcomes = new Tally();

  constructor(private readonly deps: { database: Database; partitions: number; clock: Clock }) {
    this.append = createEventAppender(deps.database);
  }

  /** Called after every commit that appended events (the processor wakes on it). */
  onAppend(listener: AppendListener): void {
    this.listeners.push(listener);
  }

  /**
   * Sets a gate that may drop valid rows before they are stored (privacy tombstones: events of
   * an erased person are acknowledged but not kept). Dropped rows still count as accepted.
   */
  setGate(gate: IngestGate): void {
    this.gate = gate;
  }

  async ingest(ctx: IngestContext, batch: IngestBatch): Promise<IngestOutcome> {
    const rows: AppendRow[] = [];
    const rejected: ItemRejection[] = [];
    const rejectedRows: RejectedRow[] = [];
    const single = batch.pathType !== undefined;
    const slice = sliceYielder();
    for (let index = 0; index < batch.items.length; index += 1) {
      const item = batch.items[index];
      if (index >= MAX_BATCH_ITEMS) {
        const problem: ItemProblem = {
          code: 'batch_too_many',
          field: `batch[${index}]`,
          message: `a batch may hold at most ${MAX_BATCH_ITEMS} messages; send the rest in another request`,
        };
        rejected.push({ index, ...problem });
        // One quarantine row for the whole overflow: a copy per item would let one request
        // write thousands of rows it was never allowed to send.
        if (index === MAX_BATCH_ITEMS) {
          const overflow = batch.items.length - MAX_BATCH_ITEMS;
          rejectedRows.push(this.rejectedRow(ctx, { ...problem, message: `${overflow} messages past the first ${MAX_BATCH_ITEMS} were dropped` }, { overflow }));
        }
        continue;
      }
      // Validation and normalization of a big batch run in slices, so the event loop keeps serving.
      const pause = slice();
      if (pause !== undefined) await pause;
      const result = normalizeMessage(item, single ? undefined : index, {
        receivedAt: ctx.receivedAt,
        partitions: this.deps.partitions,
        sourceId: ctx.sourceId,
        pathType: batch.pathType,
        batchSentAt: batch.sentAt,
        batchContext: batch.context,
        batchIntegrations: batch.integrations,
        ip: ctx.ip,
        fillIp: ctx.fillIp,
      });
      const refusal = result.ok ? ctx.refuseType?.(result.row.type) : undefined;
      if (result.ok && refusal === undefined) rows.push(result.row);
      else if (result.ok) {
        const problem: ItemProblem = { code: 'scope_missing', field: single ? 'type' : `batch[${index}].type`, message: refusal ?? '' };
        rejected.push({ index, ...problem });
        rejectedRows.push(this.rejectedRow(ctx, problem, item));
      } else {
        rejected.push({ index, ...result.problem });
        rejectedRows.push(this.rejectedRow(ctx, result.problem, item));
      }
    }
    const stored = this.gate === undefined || rows.length === 0 ? rows : await this.gate(ctx.workspaceId, rows);
    if (stored.length === 0 && rejectedRows.length === 0) return this.counted({ accepted: rows.length, duplicates: 0, rejected });
    const duplicates = await new Promise<number>((resolve, reject) => {
      this.queue.push({ workspaceId: ctx.workspaceId, rows: stored, rejected: rejectedRows, resolve, reject });
      if (!this.flushing) void this.flush();
    });
    return this.counted({ accepted: rows.length, duplicates, rejected });
  }

  private counted(outcome: IngestOutcome): IngestOutcome {
    this.outcomes.add(['accepted'], outcome.accepted - outcome.duplicates);
    this.outcomes.add(['duplicate'], outcome.duplicates);
    this.outcomes.add(['rejected'], outcome.rejected.length);
    return outcome;
  }

  /**
   * Group commit: requests that arrive together, or while a transaction is in flight, are
   * appended in one transaction. Every request resolves only after its own rows have committed;
   * when a group fails, its requests are retried one by one, so only a request the store
   * refuses is failed (and, unacknowledged, retried by its client).
   */
  private async flush(): Promise<void> {
    this.flushing = true;
    // On SQLite a transaction completes without ever yielding to the event loop, so without
    // this pause each request would commit alone. One turn lets the requests that arrived
    // together be parsed and join the group (measured: 1,000 commits per 1,000 requests before).
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const group: PendingAppend[] = [];
        let size = 0;
        while (this.queue.length > 0 && (group.length === 0 || size + (this.queue[0]?.rows.length ?? 0) <= MAX_GROUP_ROWS)) {
          const next = this.queue.shift();
          if (next === undefined) break;
          group.push(next);
          size += next.rows.length;
        }
        try {
          await this.commitGroup(group);
        } catch (error) {
          if (group.length === 1) group[0]?.reject(error);
          else {
            // One request's data may be what the store refused; commit each on its own so
            // only that request fails and its neighbours are still acknowledged.
            for (const pending of group) await this.commitGroup([pending]).catch((single: unknown) => pending.reject(single));
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Appends server-generated messages, inside the caller's transaction when one is given so
   * the event commits with the change that caused it.
   */
  async appendSystem(ctx: IngestContext, messages: SystemMessage[], trx?: Tx): Promise<IngestOutcome> {
    const rows = messages.map((system): AppendRow => {
      const timestamp = system.timestamp === undefined ? ctx.receivedAt : Date.parse(system.timestamp);
      const time = Number.isNaN(timestamp) ? ctx.receivedAt : timestamp;
      const message = {
        type: system.type,
        event: system.event,
        messageId: system.messageId,
        properties: system.properties,
        context: { library: { name: 'rapport', version: '0.1.0' } },
        timestamp: new Date(time).toISOString(),
        receivedAt: new Date(ctx.receivedAt).toISOString(),
      };
      return {
        partition: partitionOf({}, this.deps.partitions),
        messageId: system.messageId,
        type: system.type,
        event: system.event,
        userId: null,
        anonymousId: null,
        timestamp: time,
        receivedAt: ctx.receivedAt,
        sourceId: ctx.sourceId,
        payload: JSON.stringify(message),
      };
    });
    const append = (tx: Tx) => appendEvents(tx, ctx.workspaceId, rows);
    const result = trx === undefined ? await this.deps.database.transaction(append) : await append(trx);
    // With a caller's transaction the commit happens later; waking the processor early is
    // harmless (it finds nothing new and the next wake-up or poll catches the events).
    if (result.inserted > 0) this.notify(ctx.workspaceId);
    return { accepted: rows.length, duplicates: result.duplicates.length, rejected: [] };
  }

  /** Appends a group in one transaction and resolves each member with its duplicate count. */
  private async commitGroup(group: PendingAppend[]): Promise<void> {
    const stored = await this.deps.database.transaction(async (trx) => {
      const inserted = new Map<string, Set<string>>();
      for (const workspaceId of new Set(group.map((pending) => pending.workspaceId))) {
        const members = group.filter((pending) => pending.workspaceId === workspaceId);
        const result = await this.append(
          trx,
          workspaceId,
          members.flatMap((pending) => pending.rows),
        );
        inserted.set(workspaceId, result.insertedIds);
        const rejected = members.flatMap((pending) => pending.rejected);
        if (rejected.length > 0) await quarantine(trx, workspaceId, rejected);
      }
      return inserted;
    });
    for (const pending of group) {
      // Claim each stored id once, so of two requests carrying the same messageId in one
      // group exactly one counts it as new.
      const ids = stored.get(pending.workspaceId) ?? new Set<string>();
      let duplicates = 0;
      for (const row of pending.rows) {
        if (ids.delete(row.messageId)) continue;
        duplicates += 1;
      }
      pending.resolve(duplicates);
    }
    for (const workspaceId of stored.keys()) this.notify(workspaceId);
  }

  private notify(workspaceId: string): void {
    for (const listener of this.listeners) listener(workspaceId);
  }

  private rejectedRow(ctx: IngestContext, problem: ItemProblem, item: unknown): RejectedRow {
    let payload: string;
    try {
      // Serializing a value thousands of levels deep held the loop ~8 ms per item and can
      // overflow the stack; the reason and field say all that the quarantine needs.
      if (problem.code === 'value_too_deep') throw new RangeError(problem.code);
      payload = JSON.stringify(item) ?? 'null';
    } catch {
      // Too deep to serialize (the reason it was rejected): keep the reason, not the item.
      payload = JSON.stringify({ unserializable: problem.code });
    }
    if (payload.length > MAX_QUARANTINE_PAYLOAD) payload = payload.slice(0, MAX_QUARANTINE_PAYLOAD);
    return {
      id: randomId('rej', 12),
      receivedAt: ctx.receivedAt,
      sourceId: ctx.sourceId,
      code: problem.code,
      message: `${problem.field}: ${problem.message}`,
      payload,
    };
  }
}
