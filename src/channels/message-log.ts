import { Tally } from '../shared/tally.js';
import type { Profile } from '../profiles/index.js';
import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import type { Database, Tx } from '../storage/database.js';
import { GroupCommit } from './group-commit.js';
import type { ProfileEvents } from './profile-events.js';
import { reasonOf, reasonText, type SendFailure, type SendReasonCode } from './send-failure.js';
import type { ChannelName, SendResult } from './sender.js';
import { claimMessages, findMessage, findMessageByProviderId, listMessages, takeOverMessage, updateMessage, type MessageChanges, type MessageRecord } from './store/messages.js';

/** Where a message stands. Later states never move back (an open after a click stays clicked). */
export const messageStatuses = ['queued', 'sent', 'delivered', 'opened', 'clicked', 'failed', 'bounced', 'complained', 'suppressed'] as const;
export type MessageStatus = (typeof messageStatuses)[number];

const rank: Record<MessageStatus, number> = { queued: 0, sent: 1, delivered: 2, opened: 3, clicked: 4, failed: 5, bounced: 5, complained: 6, suppressed: 5 };

/** Event names in the log per channel and lifecycle step (Segment's names where one exists). */
const eventNames: Record<ChannelName, Partial<Record<MessageStatus, string>>> = {
  email: {
    sent: 'Email Sent',
    delivered: 'Email Delivered',
    opened: 'Email Opened',
    clicked: 'Email Link Clicked',
    failed: 'Email Failed',
    bounced: 'Email Bounced',
    complained: 'Email Marked as Spam',
    suppressed: 'Email Suppressed',
  },
  sms: { sent: 'SMS Sent', delivered: 'SMS Delivered', clicked: 'SMS Link Clicked', failed: 'SMS Failed', bounced: 'SMS Undelivered', suppressed: 'SMS Suppressed' },
  push: {
    sent: 'Push Notification Sent',
    delivered: 'Push Notification Delivered',
    opened: 'Push Notification Opened',
    clicked: 'Push Notification Tapped',
    failed: 'Push Notification Failed',
    suppressed: 'Push Notification Suppressed',
  },
  webhook: { sent: 'Webhook Sent', delivered: 'Webhook Delivered', failed: 'Webhook Failed', suppressed: 'Webhook Suppressed' },
  inbox: { sent: 'Inbox Message Sent', opened: 'Inbox Message Read', clicked: 'Inbox Message Clicked', failed: 'Inbox Message Failed', suppressed: 'Inbox Message Suppressed' },
};

/** A message as the API shows it. */
export interface MessageView {
  id: string;
  profileId: string;
  channel: string;
  templateId: string;
  templateVersion: number | null;
  purpose: string;
  status: string;
  /** Why it was suppressed, failed or bounced, readable (`no_consent:email`, `provider_error: ...`). */
  reason: string | null;
  /** The send failure code of `reason` when the send pipeline wrote it, else null (a provider's bounce code stays in `reason`). */
  reasonCode: SendReasonCode | null;
  couponCode: string | null;
  attempts: number;
  source: unknown;
  createdAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  openedAt: string | null;
  clickedAt: string | null;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

export function messageView(record: MessageRecord): MessageView {
  return {
    id: record.id,
    profileId: record.profileId,
    channel: record.channel,
    templateId: record.templateId,
    templateVersion: record.templateVersion,
    purpose: record.purpose,
    status: record.status,
    reason: record.reason,
    reasonCode: record.reason === null ? null : (reasonOf(record.reason)?.code ?? null),
    couponCode: record.couponCode,
    attempts: record.attempts,
    source: record.source === null ? null : (JSON.parse(record.source) as unknown),
    createdAt: new Date(record.createdAt).toISOString(),
    sentAt: iso(record.sentAt),
    deliveredAt: iso(record.deliveredAt),
    openedAt: iso(record.openedAt),
    clickedAt: iso(record.clickedAt),
  };
}

/** What `send` answers for a row of the log. */
export function resultOf(record: MessageRecord): SendResult {
  const status = record.status;
  const mapped = status === 'suppressed' ? 'suppressed' : status === 'failed' ? 'failed' : status === 'queued' ? 'queued' : 'sent';
  const result: SendResult = { status: mapped, messageId: record.id };
  if (record.reason !== null) {
    result.reason = record.reason;
    const failure = reasonOf(record.reason);
    if (failure !== undefined) result.reasonCode = failure.code;
  }
  if (record.couponCode !== null) result.couponCode = record.couponCode;
  return result;
}

function isStatus(value: string): value is MessageStatus {
  return (messageStatuses as readonly string[]).includes(value);
}

/** One write to the message log, as the group commit carries it. */
type LogWrite = { kind: 'claim'; workspaceId: string; record: MessageRecord } | { kind: 'outcome'; workspaceId: string; id: string; changes: MessageChanges };
export type Claimed = { record: MessageRecord; created: boolean };

/** An outcome to record: the new status, its failure if any, and the row's other changes. */
export type Outcome = Partial<Omit<MessageChanges, 'reason'>> & { status: MessageStatus; failure?: SendFailure };

export interface MessageLogDeps {
  database: Database;
  clock: Clock;
  events: ProfileEvents;
  logger?: { warn(object: object, message: string): void };
}

/**
 * The message log: one row per intended send, claimed before any side effect and moved along
 * its lifecycle after, each step also appended as an event on the person's profile.
 */
export class MessageLog {
  /**
   * The writes (claims before any side effect, outcomes after) of concurrent sends, one
   * transaction per group: claims and outcomes share it, so they share a commit.
   */
  private readonly writes: GroupCommit<LogWrite, Claimed | undefined>;
  /** Finished sends by channel and status since this process started: /metrics reads it. */
  readonly outcomes = new Tally();

  constructor(private readonly deps: MessageLogDeps) {
    // A claim binds 21 values: 200 rows stay far below both stores' parameter limits.
    this.writes = new GroupCommit((writes) => deps.database.transaction((trx) => this.commit(trx, writes)), 200);
  }

  private async commit(trx: Tx, writes: LogWrite[]): Promise<(Claimed | undefined)[]> {
    const claimed = new Map<MessageRecord, Claimed>();
    const claims = writes.filter((write): write is Extract<LogWrite, { kind: 'claim' }> => write.kind === 'claim');
    for (const workspaceId of new Set(claims.map((write) => write.workspaceId))) {
      const records = claims.filter((write) => write.workspaceId === workspaceId).map((write) => write.record);
      const outcomes = await claimMessages(trx, workspaceId, records);
      records.forEach((record, index) => {
        const outcome = outcomes[index];
        if (outcome !== undefined) claimed.set(record, outcome);
      });
    }
    for (const write of writes) if (write.kind === 'outcome') await updateMessage(trx, write.workspaceId, write.id, write.changes);
    return writes.map((write) => {
      if (write.kind === 'outcome') return undefined;
      const outcome = claimed.get(write.record);
      if (outcome === undefined) throw new Error(`message ${write.record.idempotencyKey} was not claimed`);
      return outcome;
    });
  }

  /** Claims the row of an idempotency key (committed with concurrent claims); `created` false when it existed. */
  async claim(workspaceId: string, record: MessageRecord): Promise<Claimed> {
    const outcome = await this.writes.submit({ kind: 'claim', workspaceId, record });
    if (outcome === undefined) throw new Error(`message ${record.idempotencyKey} was not claimed`);
    return outcome;
  }

  /**
   * Whether this call may carry on a message another call claimed and left queued (with no
   * attempt, or deferred: then `staleMs` is 0). SQLite: one process owns the store and this process's own calls with the same key
   * share one send (the pipeline's in-flight map), so such a row was left by a process that died
   * before sending: carry it on. PostgreSQL: another server may be sending it this very moment,
   * so the row is taken over only once its claim is older than `staleMs` (and atomically, so of
   * two servers that try at once one wins).
   */
  async mayCarryOn(workspaceId: string, record: MessageRecord, staleMs: number): Promise<boolean> {
    const { database, clock } = this.deps;
    if (database.dialect === 'sqlite') return true;
    const now = clock.now();
    if (now - record.updatedAt < staleMs) return false;
    return takeOverMessage(database.db, workspaceId, record.id, record, now);
  }

  /**
   * Leaves a message queued after the provider could not take it (an SMTP server down past the
   * in-process attempts): the row keeps the attempts made and the reason, and a later call with
   * the same idempotency key carries it on (`mayCarryOn` with no wait: nobody is sending it).
   */
  async defer(
    workspaceId: string,
    record: MessageRecord,
    changes: { attempts: number; reason: string; address: string | null; templateVersion: number | null; couponCode: string | null },
  ): Promise<void> {
    await this.writes.submit({ kind: 'outcome', workspaceId, id: record.id, changes: { ...changes, status: 'queued', updatedAt: this.deps.clock.now() } });
    this.outcomes.add([record.channel, 'deferred']);
  }

  /** Records a send's outcome on its row and, with a profile, as an event. */
  async finish(workspaceId: string, record: MessageRecord, profile: Profile | undefined, outcome: Outcome): Promise<SendResult> {
    const { failure, ...changes } = outcome;
    const update: MessageChanges = { ...changes, ...(failure === undefined ? {} : { reason: reasonText(failure) }), updatedAt: this.deps.clock.now() };
    await this.writes.submit({ kind: 'outcome', workspaceId, id: record.id, changes: update });
    this.outcomes.add([record.channel, outcome.status]);
    const next: MessageRecord = { ...record, ...Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined)) };
    if (profile !== undefined) await this.emit(workspaceId, profile, next, outcome.status, {});
    return resultOf(next);
  }

  private async emit(workspaceId: string, profile: Profile | string, record: MessageRecord, status: MessageStatus, extra: Record<string, unknown>): Promise<void> {
    const channel = record.channel;
    if (channel !== 'email' && channel !== 'sms' && channel !== 'push' && channel !== 'webhook' && channel !== 'inbox') return;
    const name = eventNames[channel][status];
    if (name === undefined) return;
    const source: unknown = record.source === null ? undefined : JSON.parse(record.source);
    const sourceField = (key: string): unknown => (typeof source === 'object' && source !== null ? Reflect.get(source, key) : undefined);
    const properties: Record<string, unknown> = {
      message_id: record.id,
      channel,
      template_id: record.templateId,
      template_version: record.templateVersion,
      purpose: record.purpose,
      ...(source === undefined ? {} : { source_kind: sourceField('kind'), source_id: sourceField('id'), node_id: sourceField('nodeId'), variant: sourceField('variant') }),
      ...(record.reason === null ? {} : { reason: record.reason }),
      ...(record.couponCode === null ? {} : { coupon: record.couponCode }),
      ...extra,
    };
    const suffix = typeof extra.url === 'string' ? `:${extra.url}` : '';
    try {
      await this.deps.events.track(workspaceId, profile, name, properties, `${record.id}:${status}${suffix}`);
    } catch (error) {
      // The message row is the record of truth; a lost engagement event must not fail a send.
      this.deps.logger?.warn({ err: error, messageId: record.id }, 'could not append the message event');
    }
  }

  /**
   * Moves a message along its lifecycle (delivered, opened, clicked, bounced, complained) from
   * a tracking hit or a provider callback; never backwards. Returns the message, if known.
   */
  async advance(workspaceId: string, messageId: string, status: MessageStatus, extra: { url?: string; reason?: string } = {}): Promise<MessageRecord | undefined> {
    const record = await findMessage(this.deps.database.db, workspaceId, messageId);
    if (record === undefined) return undefined;
    const current = isStatus(record.status) ? record.status : 'queued';
    const now = this.deps.clock.now();
    const changes: MessageChanges = { updatedAt: now };
    if (rank[status] > rank[current] || (status === 'clicked' && current === 'clicked')) changes.status = status;
    if (status === 'delivered' && record.deliveredAt === null) changes.deliveredAt = now;
    const firstOpen = (status === 'opened' || status === 'clicked') && record.openedAt === null;
    // A click proves an open (images may be blocked): both are recorded.
    if (firstOpen) changes.openedAt = now;
    if (status === 'clicked' && record.clickedAt === null) changes.clickedAt = now;
    if (extra.reason !== undefined) changes.reason = extra.reason;
    await this.deps.database.transaction((trx) => updateMessage(trx, workspaceId, messageId, changes));
    const updated = { ...record, ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) };
    if (status === 'opened' && !firstOpen) return updated;
    if (status === 'clicked' && firstOpen) await this.emit(workspaceId, record.profileId, updated, 'opened', {});
    await this.emit(workspaceId, record.profileId, updated, status, extra.url === undefined ? {} : { url: extra.url });
    return updated;
  }

  /** A provider callback naming its own id (SMS sid): advances that message. */
  async advanceByProviderId(workspaceId: string, providerId: string, status: MessageStatus, reason?: string): Promise<MessageRecord | undefined> {
    const record = await findMessageByProviderId(this.deps.database.db, workspaceId, providerId);
    if (record === undefined) return undefined;
    return this.advance(workspaceId, record.id, status, reason === undefined ? {} : { reason });
  }

  /** Messages, newest first, of some profiles and/or one status. */
  async list(workspaceId: string, filter: { profileIds?: string[]; status?: string; limit?: number }): Promise<MessageView[]> {
    const rows = await listMessages(this.deps.database.db, workspaceId, { ...filter, limit: Math.min(filter.limit ?? 50, 500) });
    return rows.map(messageView);
  }

  /**
   * A page of the log, newest first, narrowed by profile, channel, status and creation dates
   * (`from` inclusive, `to` exclusive, ISO); `nextCursor` continues it with the same filter.
   * Throws `channels.range_invalid` for a date it cannot read and `channels.cursor_invalid` for a
   * cursor no page gave.
   */
  async page(workspaceId: string, filter: MessageLogQuery): Promise<{ messages: MessageView[]; nextCursor: string | null }> {
    const limit = Math.min(filter.limit ?? 50, 500);
    const from = filter.from === undefined ? undefined : dateOf('from', filter.from);
    const to = filter.to === undefined ? undefined : dateOf('to', filter.to);
    if (from !== undefined && to !== undefined && from >= to)
      throw new RapportError('channels.range_invalid', 'from must be before to', [{ field: 'to', rule: 'range', message: 'pick a date after from' }]);
    const rows = await listMessages(this.deps.database.db, workspaceId, {
      ...(filter.profileId === undefined ? {} : { profileIds: [filter.profileId] }),
      ...(filter.status === undefined ? {} : { status: filter.status }),
      ...(filter.channel === undefined ? {} : { channel: filter.channel }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(filter.cursor === undefined ? {} : { before: decodeLogCursor(filter.cursor) }),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      messages: page.map(messageView),
      nextCursor: rows.length > limit && last !== undefined ? Buffer.from(JSON.stringify([last.createdAt, last.id])).toString('base64url') : null,
    };
  }

  async get(workspaceId: string, id: string): Promise<MessageRecord | undefined> {
    return findMessage(this.deps.database.db, workspaceId, id);
  }
}

/** The message log screen's question: every part optional, combined with AND. */
export interface MessageLogQuery {
  profileId?: string;
  status?: string;
  channel?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

function dateOf(field: 'from' | 'to', value: string): number {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new RapportError('channels.range_invalid', `${field} is not a date`, [{ field, rule: 'format', message: 'an ISO 8601 date or date-time, e.g. 2026-01-31' }]);
  return time;
}

function decodeLogCursor(cursor: string): { createdAt: number; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') return { createdAt: Number(value[0]), id: value[1] };
  } catch {
    // Falls through to the error below.
  }
  throw new RapportError('channels.cursor_invalid', 'cursor is not a message log cursor', [{ field: 'cursor', rule: 'format', message: 'pass the nextCursor of a previous page' }]);
}
