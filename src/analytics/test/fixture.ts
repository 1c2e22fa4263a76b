import path from 'node:path';
import type { TrackingMessage } from '../../ingest/message.js';
import { Processor } from '../../processor/processor.js';
import { manualClock } from '../../shared/clock.js';
import type { Database } from '../../storage/database.js';
import { appendEvents } from '../../log/store/event-log.js';

/*
 * A small shop whose every figure is worked out by hand in the tests (analytics.test.ts):
 * five visitors, one anonymous visitor merged into a known buyer, orders across three months.
 */

export const ws = 'w1';
export const T0 = Date.parse('2024-05-01T10:00:00.000Z');
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

type Fields = Partial<TrackingMessage> & { at: number };

let counter = 0;

function build(fields: Fields): TrackingMessage {
  counter += 1;
  const { at, ...rest } = fields;
  const iso = new Date(at).toISOString();
  return { type: 'track', messageId: `fx-${counter}`, context: {}, timestamp: iso, receivedAt: iso, ...rest };
}

const mobile = { device: { type: 'mobile' }, location: { country: 'fr' } };
const page = (url: string, extra: Record<string, unknown> = {}) => ({ page: { url, path: new URL(url).pathname }, ...extra });

/** The fixture's events, in the order they are appended. */
export function fixtureEvents(): TrackingMessage[] {
  const list: Fields[] = [
    // u3 bought in April as a known customer.
    { userId: 'u3', event: 'Order Completed', properties: { order_id: 'o-u3-1', revenue: 80 }, at: T0 - 30 * DAY },
    // u1: paid search, straight through the funnel on mobile.
    { type: 'page', userId: 'u1', name: 'Home', context: { ...mobile, ...page('https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=spring') }, at: T0 },
    { userId: 'u1', event: 'Product Viewed', properties: { product_id: 'p1', category: 'shoes', price: 100 }, context: mobile, at: T0 + 1 * MIN },
    { userId: 'u1', event: 'Product Added', properties: { product_id: 'p1', price: 100 }, context: mobile, at: T0 + 5 * MIN },
    { userId: 'u1', event: 'Checkout Started', properties: { revenue: 100 }, context: mobile, at: T0 + 10 * MIN },
    { userId: 'u1', event: 'Order Completed', properties: { order_id: 'o-u1-1', revenue: 100 }, context: mobile, at: T0 + 12 * MIN },
    // u2: social, adds to cart after browsing a page, never checks out.
    { type: 'page', userId: 'u2', name: 'Home', context: page('https://shop.example/', { referrer: { url: 'https://www.facebook.com/' } }), at: T0 },
    { userId: 'u2', event: 'Product Viewed', properties: { product_id: 'p2', category: 'bags', price: 40 }, at: T0 + 2 * MIN },
    { type: 'page', userId: 'u2', name: 'Bags', context: page('https://shop.example/bags'), at: T0 + 30 * MIN },
    { userId: 'u2', event: 'Product Added', properties: { product_id: 'p2', price: 40 }, at: T0 + 60 * MIN },
    // a3: anonymous visitor from the newsletter, identified as u3 (a merge), then buys.
    { type: 'page', anonymousId: 'a3', name: 'Home', context: page('https://shop.example/?utm_source=newsletter&utm_medium=email'), at: T0 },
    { anonymousId: 'a3', event: 'Product Viewed', properties: { product_id: 'p1', category: 'shoes', price: 50 }, at: T0 + 3 * MIN },
    { type: 'identify', anonymousId: 'a3', userId: 'u3', traits: { email: 'u3@example.com' }, at: T0 + 4 * MIN },
    { userId: 'u3', event: 'Product Added', properties: { product_id: 'p1', price: 50 }, at: T0 + 20 * MIN },
    { userId: 'u3', event: 'Checkout Started', properties: { revenue: 50 }, at: T0 + 30 * MIN },
    { userId: 'u3', event: 'Email Link Clicked', properties: { campaign_id: 'spring-mail' }, at: T0 + 35 * MIN },
    { userId: 'u3', event: 'Order Completed', properties: { order_id: 'o-u3-2', revenue: 50 }, at: T0 + 40 * MIN },
    // u4: views a day later, first buys in June.
    { userId: 'u4', event: 'Product Viewed', properties: { product_id: 'p3', category: 'shoes', price: 30 }, at: T0 + DAY },
    { userId: 'u4', event: 'Order Completed', properties: { order_id: 'o-u4-1', products: [{ product_id: 'p3', price: 15, quantity: 2 }] }, at: Date.parse('2024-06-15T12:00:00Z') },
    // u5: adds before viewing.
    { userId: 'u5', event: 'Product Added', properties: { product_id: 'p4' }, at: T0 + 1 * MIN },
    { userId: 'u5', event: 'Product Viewed', properties: { product_id: 'p4', category: 'hats' }, at: T0 + 2 * MIN },
    { userId: 'u5', event: 'Survey Responded', properties: { nps: 9 }, at: T0 + 3 * MIN },
    // u1 comes back in July.
    { userId: 'u1', event: 'Order Completed', properties: { order_id: 'o-u1-2', revenue: 70 }, at: Date.parse('2024-07-02T09:00:00Z') },
    { userId: 'u2', event: 'Survey Responded', properties: { nps: 3 }, at: T0 + 2 * HOUR },
  ];
  return list.map(build);
}

/** Appends messages to the log (one partition per dialect default) and runs the processor over them. */
export async function loadMessages(database: Database, messages: readonly TrackingMessage[], workspaceId = ws, partitions = 1): Promise<void> {
  await database.transaction((trx) =>
    appendEvents(
      trx,
      workspaceId,
      messages.map((message, index) => ({
        partition: index % partitions,
        messageId: message.messageId,
        type: message.type,
        event: message.event ?? null,
        userId: message.userId ?? null,
        anonymousId: message.anonymousId ?? null,
        timestamp: Date.parse(message.timestamp),
        receivedAt: Date.parse(message.receivedAt),
        sourceId: null,
        payload: JSON.stringify(message),
      })),
    ),
  );
  const processor = new Processor({ database, clock: manualClock(Date.now()), batchSize: 500, concurrency: 1 });
  await processor.drain();
  await processor.stop();
}

export function duckFile(dir: string): string {
  return path.join(dir, 'analytics.duckdb');
}
