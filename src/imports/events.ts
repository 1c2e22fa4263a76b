import { contentHash } from './row.js';

/**
 * An NDJSON line of the `events` kind is a raw Segment message. One without a messageId gets
 * one derived from its content: ingest would otherwise assign a random one and a re-run would
 * store it twice.
 */
export function mapEventLine(fields: Record<string, unknown>): Record<string, unknown> {
  if (fields.messageId !== undefined && fields.messageId !== null && fields.messageId !== '') return fields;
  return { ...fields, messageId: `import-event-${contentHash(fields)}` };
}
