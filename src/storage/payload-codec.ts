import zlib from 'node:zlib';

/**
 * How the event log keeps payloads small. A payload is written as the JSON text the ingest path
 * made (fast to write, fast for the processor and the analytics replica to read while the event
 * is new); once every hot reader is past it, compaction rewrites it as a deflate stream primed
 * with a dictionary of the Segment spec's keys and common values. On the demo shop that turns
 * 1,092 bytes of JSON into about 190 (see docs/footprint.md).
 *
 * Stored form: JSON text as a SQL text value, or bytes: [FORMAT_DEFLATE][dictionary id][raw
 * deflate]. The dictionary id keeps old rows readable when a better dictionary ships.
 */
export type StoredPayload = string | Uint8Array;

const FORMAT_DEFLATE = 1;
const CURRENT_DICTIONARY = 1;

/*
 * Deflate looks back at most 32 KB, and nearer matches cost fewer bits, so the most common
 * fragments come last. Drawn from the Segment spec (common fields, e-commerce v2) and the user
 * agents of current browsers; nothing in it is specific to one shop.
 */
const dictionaries = new Map<number, Buffer>([
  [
    CURRENT_DICTIONARY,
    Buffer.from(
      [
        '"integrations":{},"context":{"app":{"name":"","version":"","build":""},"os":{"name":"iOS","version":""},"screen":{"width":,"height":,"density":2},',
        '"network":{"wifi":true,"cellular":false},"timezone":"Europe/","groupId":"","previousId":"","channel":"browser","sentAt":"',
        '"location":{"country":"","city":"","region":""},"ip":"","library":{"name":"analytics.js","version":"next-1.' + '"},"library":{"name":"@segment/analytics-node","version":"2.',
        '"traits":{"email":"","first_name":"","last_name":"","firstName":"","lastName":"","phone":"+","birthday":"","gender":"","address":{"city":"","country":""},"created_at":"',
        '"order_id":"","checkout_id":"","affiliation":"","subtotal":,"tax":,"discount":,"shipping":,"coupon":"","total":,"revenue":,"value":,"currency":"EUR","currency":"USD",',
        '"cart_id":"","list_id":"","query":"","variant":"","quantity":1,"position":1,"image_url":"https://","url":"https://","category":"","brand":"","name":"","sku":"","price":',
        '"Order Completed","Checkout Started","Product Added","Product Removed","Cart Viewed","Product List Viewed","Products Searched","Product Viewed","Product Clicked",',
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
        'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
        '"campaign":{"source":"google","medium":"cpc","name":"","term":"","content":""},"referrer":{"type":""},',
        '"page":{"path":"/","url":"https://","title":"","referrer":"https://","search":""}},"userAgent":"Mozilla/5.0 (',
        '"device":{"type":"mobile","id":"","manufacturer":"Apple","model":""},"locale":"en-US"',
        '{"type":"track","messageId":"","context":{"device":{"type":"desktop"},"userAgent":"Mozilla/5.0 (',
        '"timestamp":"2026-01-01T00:00:00.000Z","receivedAt":"2026-01-01T00:00:00.000Z","userId":"","anonymousId":"","event":"","properties":{"product_id":"',
        '","products":[{"product_id":"","sku":"","name":"","brand":"","category":"","price":,"quantity":1,"url":"https://","image_url":"https://","position":1},{"product_id":"',
        '"},"originalTimestamp":"2026-',
        // What a compacted payload looks like: the columns' fields are gone, the rest keeps ingest's order.
        '{"context":{"device":{"type":"desktop"},"userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36","locale":"en-GB",',
        '"campaign":{"source":"newsletter","medium":"email","name":"","content":""},"page":{"path":"/collections/","url":"https://","title":"","referrer":"https://www.google.com/","search":""}},',
        '"properties":{"query":""}},"properties":{"product_id":"","sku":"","name":"","brand":"","category":"","price":,"url":"https://","image_url":"https://"},',
        '{"context":{"device":{"type":"mobile"},"userAgent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1","locale":"en-US","page":{"path":"/products/","url":"https://","title":"","referrer":"https://","search":""}},"properties":{"path":"/products/","title":""},"originalTimestamp":0}',
      ].join(''),
      'utf8',
    ),
  ],
]);

/** The columns an event row keeps beside its payload: a compacted payload leaves them out. */
export interface PayloadColumns {
  type: string;
  message_id: string;
  user_id: string | null;
  anonymous_id: string | null;
  event: string | null;
  timestamp: number;
  received_at: number;
}

/** The column names of `PayloadColumns`, for selects that read payloads. */
export const payloadColumns = ['type', 'message_id', 'user_id', 'anonymous_id', 'event', 'timestamp', 'received_at', 'payload'] as const;

/** Flag bit: the fields the row's columns hold were left out and are put back on read. */
const STRIPPED = 0x80;

/**
 * The compact stored form of a payload's JSON text. Fields the row's columns already hold
 * (type, messageId, userId, anonymousId, the event name, timestamp, receivedAt; originalTimestamp
 * and sentAt become offsets from them) are left out when putting them back gives the same
 * message; otherwise the whole text is kept.
 * @example const bytes = compressPayload(row.payload, row);
 */
export function compressPayload(json: string, columns?: PayloadColumns): Uint8Array {
  let text = json;
  let flags = 0;
  if (columns !== undefined) {
    const stripped = strip(json, columns);
    if (stripped !== undefined) {
      text = stripped;
      flags = STRIPPED;
    }
  }
  const dictionary = dictionaries.get(CURRENT_DICTIONARY);
  const body = zlib.deflateRawSync(text, { level: 9, memLevel: 9, ...(dictionary === undefined ? {} : { dictionary }) });
  const stored = Buffer.allocUnsafe(body.length + 2);
  stored[0] = FORMAT_DEFLATE | flags;
  stored[1] = CURRENT_DICTIONARY;
  body.copy(stored, 2);
  return stored;
}

/**
 * The JSON text of a stored payload, whichever form it is in. A stripped payload needs its row's
 * columns to be whole; without them (SQL helpers that read only properties or traits) the text
 * lacks the fields the columns hold.
 * @example const message: unknown = JSON.parse(payloadText(row.payload, row));
 */
export function payloadText(stored: StoredPayload, columns?: PayloadColumns): string {
  if (typeof stored === 'string') return stored;
  const head = stored[0] ?? 0;
  if (stored.length < 2 || (head & ~STRIPPED) !== FORMAT_DEFLATE) throw new Error(`stored payload has an unknown format (first byte ${head})`);
  const id = stored[1] ?? -1;
  const dictionary = dictionaries.get(id);
  if (dictionary === undefined) throw new Error(`stored payload uses unknown dictionary ${id}`);
  const text = zlib.inflateRawSync(stored.subarray(2), { dictionary }).toString('utf8');
  if ((head & STRIPPED) === 0 || columns === undefined) return text;
  return restore(text, columns);
}

function nameKey(type: string): 'event' | 'name' | undefined {
  if (type === 'track') return 'event';
  if (type === 'page' || type === 'screen') return 'name';
  return undefined;
}

function strip(json: string, columns: PayloadColumns): string | undefined {
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  // A null-prototype copy: payload keys are user input.
  const message: Record<string, unknown> = Object.assign(Object.create(null), parsed);
  const rest: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(message)) rest[key] = value;
  delete rest.type;
  delete rest.messageId;
  delete rest.userId;
  delete rest.anonymousId;
  delete rest.timestamp;
  delete rest.receivedAt;
  const key = nameKey(columns.type);
  if (key !== undefined) delete rest[key];
  // originalTimestamp and sentAt stay in their places as milliseconds before timestamp / receivedAt.
  if (typeof message.originalTimestamp === 'string') rest.originalTimestamp = columns.timestamp - Date.parse(message.originalTimestamp);
  if (typeof message.sentAt === 'string') rest.sentAt = columns.received_at - Date.parse(message.sentAt);
  const stripped = JSON.stringify(rest);
  // Only when putting the columns back gives the very same text.
  try {
    return restore(stripped, columns) === json ? stripped : undefined;
  } catch {
    // e.g. an offset that lands outside the dates JavaScript can write: keep the whole text.
    return undefined;
  }
}

/** Puts the columns back in the order ingest writes a message, so the text comes back identical. */
function restore(text: string, columns: PayloadColumns): string {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('stored payload is not a JSON object');
  const rest = new Map<string, unknown>(Object.entries(parsed));
  const timestamp = new Date(columns.timestamp).toISOString();
  const message: Record<string, unknown> = Object.create(null);
  message.type = columns.type;
  message.messageId = columns.message_id;
  if (rest.has('context')) message.context = rest.get('context');
  message.timestamp = timestamp;
  message.receivedAt = new Date(columns.received_at).toISOString();
  if (columns.user_id !== null) message.userId = columns.user_id;
  if (columns.anonymous_id !== null) message.anonymousId = columns.anonymous_id;
  const key = nameKey(columns.type);
  if (key !== undefined && columns.event !== null) message[key] = columns.event;
  for (const [field, value] of rest) {
    if (field === 'originalTimestamp' && typeof value === 'number') message.originalTimestamp = new Date(columns.timestamp - value).toISOString();
    else if (field === 'sentAt' && typeof value === 'number') message.sentAt = new Date(columns.received_at - value).toISOString();
    else if (field !== 'context') message[field] = value;
  }
  return JSON.stringify(message);
}

/** The SQL function that reads a stored payload as JSON text, so SQL can apply json_extract. */
export const PAYLOAD_JSON_FUNCTION = 'payload_json';
