/** The six Segment call types. */
export const messageTypes = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type MessageType = (typeof messageTypes)[number];

export type JsonObject = Record<string, unknown>;

/**
 * A message as stored in the event log: the client's fields, validated and normalized
 * (ids as strings, `timestamp` corrected for clock skew, `receivedAt` set by the server).
 * Unknown top-level fields (`channel`, `_metadata`, `version`) are kept as sent.
 */
export interface TrackingMessage {
  type: MessageType;
  messageId: string;
  userId?: string;
  anonymousId?: string;
  /** track: the event name. */
  event?: string;
  /** page / screen. */
  name?: string;
  category?: string;
  properties?: JsonObject;
  /** identify: user traits; group: group traits. */
  traits?: JsonObject;
  groupId?: string;
  /** alias: the identifier being linked to `userId`. */
  previousId?: string;
  context: JsonObject;
  integrations?: JsonObject;
  /** Event time (ISO-8601) after clock-skew correction. */
  timestamp: string;
  originalTimestamp?: string;
  sentAt?: string;
  receivedAt: string;
  [field: string]: unknown;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
