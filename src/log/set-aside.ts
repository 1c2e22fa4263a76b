import type { SetAsideRow } from './store/set-aside.js';

/** How one follower describes the events it sets aside (the codes are public: `GET /api/v1/events/rejected`). */
export interface SetAsidePolicy {
  /** Rejection code, e.g. `processing_failed`. */
  code: string;
  /** Prefix of the record's id, `<prefix>-<partition>-<seq>`. */
  idPrefix: string;
  /** What could not be done, after "could not be": `applied to a profile`. */
  failed: string;
  /** What happens to the event now, after "it stays in the log and": `a replay retries it`. */
  consequence: string;
}

/** The event a follower gives up on. */
export interface PoisonEvent {
  partition: number;
  seq: number;
  /** Absent where the follower's feed does not carry it (the replica reads columns, not messages). */
  messageId?: string;
  receivedAt: number;
  sourceId: string | null;
  payload: string;
}

/**
 * The record of one event set aside with the reason, the same shape for every follower.
 * @example setAsideRow(policy, { partition: 0, seq: 12, messageId: 'm1', receivedAt: 0, sourceId: null, payload: '{}' }, new Error('bad'));
 */
export function setAsideRow(policy: SetAsidePolicy, event: PoisonEvent, error: unknown): SetAsideRow {
  const name = event.messageId === undefined ? 'event' : `event ${event.messageId}`;
  return {
    id: `${policy.idPrefix}-${event.partition}-${event.seq}`,
    receivedAt: event.receivedAt,
    sourceId: event.sourceId,
    code: policy.code,
    message: `${name} (partition ${event.partition}, seq ${event.seq}) could not be ${policy.failed}: ${reasonOf(error)}; it stays in the log and ${policy.consequence}`,
    payload: event.payload,
  };
}

export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A message as JSON for the record; the event that failed may be the one that cannot be serialized. */
export function payloadText(message: unknown): string {
  try {
    return JSON.stringify(message) ?? 'null';
  } catch (error) {
    return JSON.stringify({ unserializable: reasonOf(error), note: 'the event stays in the log as it was sent' });
  }
}
