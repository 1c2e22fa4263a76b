import { randomUUID } from 'node:crypto';
import { fnv1a } from '../shared/ids.js';
import type { AppendRow } from '../log/store/event-log.js';
import { checkJsonLimits, type JsonProblem } from './json-limits.js';
import { isJsonObject, messageTypes, type JsonObject, type MessageType, type TrackingMessage } from './message.js';

/** Segment's per-message limit (32 KB), measured on the stored JSON. */
export const MAX_MESSAGE_BYTES = 32 * 1024;
/** Segment's messageId limit. */
export const MAX_MESSAGE_ID_LENGTH = 100;
const MAX_ID_LENGTH = 1024;
const MAX_EVENT_NAME_LENGTH = 1024;
// PostgreSQL text cannot hold U+0000: a NUL in a column value fails the whole batch's insert.
const NUL = '\u0000';

/** Why an item was dropped: a stable code, the field at fault, and what to do about it. */
export interface ItemProblem {
  code:
    | 'invalid_message'
    | 'invalid_type'
    | 'no_user_anon_id'
    | 'missing_event'
    | 'missing_previous_id'
    | 'missing_group_id'
    | 'invalid_field'
    | 'invalid_timestamp'
    | 'invalid_message_id'
    | 'message_too_large'
    | 'batch_too_many'
    /** The write key lacks the scope of the message's type (ingest-service.ts). */
    | 'scope_missing'
    | JsonProblem['code'];
  field: string;
  message: string;
}

export type NormalizeResult = { ok: true; message: TrackingMessage; row: AppendRow } | { ok: false; problem: ItemProblem };

/** What the request around an item contributes: batch-level fields and server facts. */
export interface NormalizeContext {
  receivedAt: number;
  partitions: number;
  sourceId: string | null;
  /** The type implied by the path (`/v1/track`, `/v1/t`); overrides the body's `type`. */
  pathType?: MessageType | undefined;
  batchSentAt?: unknown;
  batchContext?: unknown;
  batchIntegrations?: unknown;
  /** Client IP, filled into `context.ip` when the message asks for it or comes from a browser. */
  ip?: string | undefined;
  fillIp?: boolean;
}

const typeSet: ReadonlySet<string> = new Set(messageTypes);

/** Fields normalizeMessage sets itself; every other top-level field is kept as sent. */
const handledFields: ReadonlySet<string> = new Set([
  'type',
  'messageId',
  'userId',
  'anonymousId',
  'previousId',
  'groupId',
  'context',
  'integrations',
  'timestamp',
  'originalTimestamp',
  'sentAt',
  'receivedAt',
  'writeKey',
]);

function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && typeSet.has(value);
}

type Refused = { ok: false; problem: ItemProblem };

function fail(code: ItemProblem['code'], field: string, message: string): Refused {
  return { ok: false, problem: problemOf(code, field, message) };
}

type IdResult = { ok: true; value: string | undefined } | { ok: false };

/** Ids may arrive as strings or numbers; null, undefined and '' mean absent. */
function readId(value: unknown): IdResult {
  if (value === undefined || value === null || value === '') return { ok: true, value: undefined };
  if (typeof value === 'string') return value.length <= MAX_ID_LENGTH && !value.includes(NUL) ? { ok: true, value } : { ok: false };
  if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value: String(value) };
  return { ok: false };
}

type TimeResult = { ok: true; value: number | undefined } | { ok: false };

/** Event times must fall in years 1970-9999: `1e19` or `+275760-09-13` cannot be an ISO-8601 date-time we store. */
export const LATEST_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function inRange(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0 && ms <= LATEST_TIME;
}

function readTime(value: unknown): TimeResult {
  if (value === undefined || value === null || value === '') return { ok: true, value: undefined };
  let ms = Number.NaN;
  if (typeof value === 'string') ms = value.length <= 64 ? Date.parse(value) : Number.NaN;
  else if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number' && value > 0) ms = value;
  return inRange(ms) ? { ok: true, value: ms } : { ok: false };
}

/** Partition of an event: a hash of its first identifier, so one identity's events stay in order. */
export function partitionOf(message: Pick<TrackingMessage, 'userId' | 'anonymousId' | 'previousId'>, partitions: number): number {
  const key = message.userId ?? message.anonymousId ?? message.previousId;
  return key === undefined || partitions === 1 ? 0 : fnv1a(key) % partitions;
}

/**
 * Validates and normalizes one raw Segment message into what the log stores.
 * Event time follows Segment's clock-skew rule: timestamp = receivedAt − (sentAt − originalTimestamp).
 * @example const result = normalizeMessage({ type: 'track', event: 'X', userId: 'u' }, 0, ctx);
 */
export function normalizeMessage(raw: unknown, index: number | undefined, ctx: NormalizeContext): NormalizeResult {
  const at = index === undefined ? '' : `batch[${index}].`;
  if (!isJsonObject(raw)) return fail('invalid_message', at.slice(0, -1) || 'body', 'each message must be a JSON object');

  const type = ctx.pathType ?? raw.type;
  if (!isMessageType(type)) {
    return fail('invalid_type', `${at}type`, `type must be one of ${messageTypes.join(', ')}; got ${JSON.stringify(raw.type ?? null)}`);
  }

  const userId = readId(raw.userId);
  if (!userId.ok) return fail('invalid_field', `${at}userId`, 'userId must be a string or number of at most 1024 characters, without NUL (U+0000)');
  const anonymousId = readId(raw.anonymousId);
  if (!anonymousId.ok) return fail('invalid_field', `${at}anonymousId`, 'anonymousId must be a string or number of at most 1024 characters, without NUL (U+0000)');

  // Built field by field rather than spread-and-delete: `delete` drops V8 objects into
  // dictionary mode, which makes the JSON.stringify below several times slower.
  const message: TrackingMessage = { type, messageId: '', context: {}, timestamp: '', receivedAt: '' };
  if (userId.value !== undefined) message.userId = userId.value;
  if (anonymousId.value !== undefined) message.anonymousId = anonymousId.value;
  for (const key in raw) {
    if (!handledFields.has(key)) message[key] = raw[key];
  }

  const problem = typeFieldsProblem(raw, message, at) ?? objectFieldsProblem(raw, at);
  if (problem !== undefined) return { ok: false, problem };
  mergeBatchFields(raw, message, ctx);

  const messageId = readMessageId(raw.messageId, at);
  if (!messageId.ok) return messageId;
  message.messageId = messageId.value;

  const eventTime = stampTimes(raw, message, ctx, at);
  if (typeof eventTime !== 'number') return eventTime;

  // Before the first recursion into client data: depth, sizes and unstorable characters.
  const shape = checkJsonLimits(message, at.slice(0, -1));
  if (shape !== undefined) return { ok: false, problem: shape };
  const payload = JSON.stringify(message);
  // JSON is mostly ASCII; only when the character count is close do we pay for the byte count.
  if (payload.length > MAX_MESSAGE_BYTES / 4 && Buffer.byteLength(payload) > MAX_MESSAGE_BYTES) {
    return fail('message_too_large', at.slice(0, -1) || 'body', `a message may be at most 32 KB of JSON; this one is ${Buffer.byteLength(payload)} bytes`);
  }

  const event = type === 'track' ? (message.event ?? null) : type === 'page' || type === 'screen' ? (typeof message.name === 'string' ? message.name : null) : null;
  return {
    ok: true,
    message,
    row: {
      partition: partitionOf(message, ctx.partitions),
      messageId: messageId.value,
      type,
      event,
      userId: message.userId ?? null,
      anonymousId: message.anonymousId ?? null,
      timestamp: eventTime,
      receivedAt: ctx.receivedAt,
      sourceId: ctx.sourceId,
      payload,
    },
  };
}

function problemOf(code: ItemProblem['code'], field: string, message: string): ItemProblem {
  return { code, field, message };
}

/** What each message type needs beyond ids: alias previousId, track event, group groupId, page/screen name. */
function typeFieldsProblem(raw: JsonObject, message: TrackingMessage, at: string): ItemProblem | undefined {
  const { type } = message;
  if (type === 'alias') {
    const previousId = readId(raw.previousId);
    if (!previousId.ok || previousId.value === undefined) {
      return problemOf('missing_previous_id', `${at}previousId`, 'alias needs previousId: the anonymousId or old userId to link to userId');
    }
    if (message.userId === undefined) return problemOf('no_user_anon_id', `${at}userId`, 'alias needs userId: the identity previousId becomes');
    message.previousId = previousId.value;
  } else if (message.userId === undefined && message.anonymousId === undefined) {
    return problemOf('no_user_anon_id', `${at}userId`, 'every message needs userId or anonymousId (null counts as absent)');
  }

  if (type === 'track') {
    if (typeof raw.event !== 'string' || raw.event.trim() === '') {
      return problemOf('missing_event', `${at}event`, 'track needs event: a non-empty string such as "Order Completed"');
    }
    if (raw.event.length > MAX_EVENT_NAME_LENGTH) return problemOf('invalid_field', `${at}event`, 'event must be at most 1024 characters');
    if (raw.event.includes(NUL)) return problemOf('invalid_field', `${at}event`, 'event must not contain NUL (U+0000)');
  }
  if (type === 'group') {
    const groupId = readId(raw.groupId);
    if (!groupId.ok || groupId.value === undefined) return problemOf('missing_group_id', `${at}groupId`, 'group needs groupId: a string or number');
    message.groupId = groupId.value;
  }
  if ((type === 'page' || type === 'screen') && raw.name !== undefined && raw.name !== null && (typeof raw.name !== 'string' || raw.name.includes(NUL))) {
    return problemOf('invalid_field', `${at}name`, 'name must be a string without NUL (U+0000)');
  }
  return undefined;
}

function objectFieldsProblem(raw: JsonObject, at: string): ItemProblem | undefined {
  for (const field of ['properties', 'traits', 'context', 'integrations'] as const) {
    const value = raw[field];
    if (value !== undefined && value !== null && !isJsonObject(value)) return problemOf('invalid_field', `${at}${field}`, `${field} must be a JSON object`);
  }
  return undefined;
}

/** The batch's context and integrations under the message's own, and the request's IP where asked for. */
function mergeBatchFields(raw: JsonObject, message: TrackingMessage, ctx: NormalizeContext): void {
  const context: JsonObject = isJsonObject(ctx.batchContext) ? { ...ctx.batchContext } : {};
  if (isJsonObject(raw.context)) Object.assign(context, raw.context);
  if (ctx.ip !== undefined && context.ip === undefined && (ctx.fillIp === true || context.direct === true)) context.ip = ctx.ip;
  message.context = context;
  if (isJsonObject(ctx.batchIntegrations)) {
    message.integrations = { ...ctx.batchIntegrations, ...(isJsonObject(raw.integrations) ? raw.integrations : {}) };
  } else if (isJsonObject(raw.integrations)) {
    message.integrations = raw.integrations;
  }
}

function readMessageId(value: unknown, at: string): { ok: true; value: string } | Refused {
  // Segment assigns one at ingestion; without a client id a retry cannot be recognized.
  if (value === undefined || value === null || value === '') return { ok: true, value: `rapport-${randomUUID()}` };
  if (typeof value !== 'string' && typeof value !== 'number') return fail('invalid_message_id', `${at}messageId`, 'messageId must be a string');
  const messageId = String(value);
  if (messageId.length > MAX_MESSAGE_ID_LENGTH) return fail('invalid_message_id', `${at}messageId`, `messageId must be at most ${MAX_MESSAGE_ID_LENGTH} characters`);
  if (messageId.includes(NUL)) return fail('invalid_message_id', `${at}messageId`, 'messageId must not contain NUL (U+0000)');
  return { ok: true, value: messageId };
}

/** Sets the message's timestamps and answers the event time (or why the times are refused). */
function stampTimes(raw: JsonObject, message: TrackingMessage, ctx: NormalizeContext, at: string): number | Refused {
  const explicit = readTime(raw.timestamp);
  if (!explicit.ok) return fail('invalid_timestamp', `${at}timestamp`, 'timestamp must be an ISO-8601 date-time in years 1970-9999');
  const original = readTime(raw.originalTimestamp);
  if (!original.ok) return fail('invalid_timestamp', `${at}originalTimestamp`, 'originalTimestamp must be an ISO-8601 date-time in years 1970-9999');
  const sentAt = readTime(raw.sentAt ?? ctx.batchSentAt);
  if (!sentAt.ok) return fail('invalid_timestamp', `${at}sentAt`, 'sentAt must be an ISO-8601 date-time in years 1970-9999');

  let eventTime: number;
  if (explicit.value !== undefined && original.value !== undefined) {
    // A caller-set timestamp next to the library's originalTimestamp (rudder): a historical
    // import, so the explicit time is kept as sent.
    eventTime = explicit.value;
  } else {
    const originalTime = original.value ?? explicit.value;
    if (originalTime === undefined) eventTime = ctx.receivedAt;
    else if (sentAt.value === undefined) eventTime = originalTime;
    else eventTime = ctx.receivedAt - (sentAt.value - originalTime);
  }
  // The skew rule can push a valid pair of times out of range (sentAt in year 9999).
  if (!inRange(eventTime)) {
    return fail('invalid_timestamp', `${at}sentAt`, 'sentAt and timestamp are so far apart that the corrected event time is not a date in years 1970-9999');
  }
  const originalTime = original.value ?? explicit.value;
  if (originalTime !== undefined) message.originalTimestamp = new Date(originalTime).toISOString();
  if (sentAt.value !== undefined) message.sentAt = new Date(sentAt.value).toISOString();
  message.timestamp = new Date(eventTime).toISOString();
  message.receivedAt = new Date(ctx.receivedAt).toISOString();
  return eventTime;
}
