import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestRapport, WORKSPACE, type TestRapport } from '../../test/helpers/server.js';
import { COMPACTION_JOB, EventCompaction } from './compaction.js';
import { systemClock } from '../shared/clock.js';
import { compressPayload, payloadText, type PayloadColumns } from '../storage/payload-codec.js';
import { readFeedEvents } from '../analytics/store/analytics-feed.js';
import { readCouponEvents } from '../coupons/store/coupons.js';
import { findEvents, readPartition } from '../log/store/event-log.js';
import { readMetricEvents } from '../experiments/store/experiments.js';
import { exportEvents, findSubject } from '../privacy/store/personal-data.js';
import { readTimeline, readTimelinePage } from '../profiles/store/profiles-timeline.js';
import { readProductEventPage, readRecentProductEvents } from '../recommendations/store/recommendations.js';
import { eventsOfProfiles } from '../profiles/store/profiles-timeline.js';

describe('payload codec', () => {
  const columnsOf = (message: Record<string, unknown>): PayloadColumns => ({
    type: String(message.type),
    message_id: String(message.messageId),
    user_id: typeof message.userId === 'string' ? message.userId : null,
    anonymous_id: typeof message.anonymousId === 'string' ? message.anonymousId : null,
    event: typeof message.event === 'string' ? message.event : typeof message.name === 'string' ? message.name : null,
    timestamp: Date.parse(String(message.timestamp)),
    received_at: Date.parse(String(message.receivedAt)),
  });

  it('gives back the same message for any payload, stripped or not', () => {
    const iso = fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toISOString());
    const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'type', 'messageId'));
    const message = fc.record(
      {
        type: fc.constantFrom('track', 'page', 'screen', 'identify', 'group', 'alias'),
        messageId: fc.string({ minLength: 1 }),
        timestamp: iso,
        receivedAt: iso,
        userId: fc.string(),
        anonymousId: fc.string(),
        event: fc.string(),
        name: fc.string(),
        originalTimestamp: iso,
        properties: fc.dictionary(key, fc.jsonValue()),
        context: fc.dictionary(key, fc.jsonValue()),
      },
      { requiredKeys: ['type', 'messageId', 'timestamp', 'receivedAt'] },
    );
    fc.assert(
      fc.property(message, fc.boolean(), (value, sameOriginal) => {
        const input: Record<string, unknown> = { ...value };
        if (sameOriginal) input.originalTimestamp = input.timestamp;
        const json = JSON.stringify(input);
        const columns = columnsOf(input);
        expect(payloadText(compressPayload(json, columns), columns)).toBe(json);
        expect(payloadText(compressPayload(json))).toBe(json);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves out what the columns hold when the text comes back identical', () => {
    const json = JSON.stringify({
      type: 'track',
      messageId: 'm-1',
      context: { locale: 'ja-JP' },
      timestamp: '2026-11-01T10:00:00.000Z',
      receivedAt: '2026-11-01T10:00:01.000Z',
      userId: 'u1',
      anonymousId: 'a1',
      event: 'Order Completed',
      properties: { revenue: 12.5 },
      originalTimestamp: '2026-11-01T10:00:00.000Z',
    });
    const columns = {
      type: 'track',
      message_id: 'm-1',
      user_id: 'u1',
      anonymous_id: 'a1',
      event: 'Order Completed',
      timestamp: Date.parse('2026-11-01T10:00:00Z'),
      received_at: Date.parse('2026-11-01T10:00:01Z'),
    };
    const stripped = compressPayload(json, columns);
    expect(stripped.length).toBeLessThan(compressPayload(json).length);
    expect(payloadText(stripped, columns)).toBe(json);
    // A column that disagrees with the payload keeps the whole text.
    const kept = compressPayload(json, { ...columns, event: 'Other' });
    expect(payloadText(kept, { ...columns, event: 'Other' })).toBe(json);
  });

  it('refuses bytes it does not know', () => {
    expect(() => payloadText(new Uint8Array([9, 1, 0]))).toThrow(/unknown format/);
    expect(() => payloadText(new Uint8Array([1, 200, 0]))).toThrow(/unknown dictionary/);
  });
});

// Compaction is SQLite's: PostgreSQL keeps JSON text, so there is nothing to compare there.
describe('event payload compaction (sqlite)', () => {
  let test: TestRapport;
  beforeEach(async () => {
    test = await startTestRapport('sqlite');
  });
  afterEach(async () => {
    await test.stop();
  });

  const product = (id: number) => ({ product_id: `p${id}`, sku: `SKU-${id}`, name: `Linen shirt ${id} – 日本語 قميص`, price: 19.5 + id, quantity: 1, url: `https://shop.test/p/${id}` });

  async function fill(): Promise<void> {
    const items: Record<string, unknown>[] = [];
    const base = Date.parse('2026-11-01T10:00:00Z');
    for (let i = 0; i < 40; i++) {
      const at = (offset: number) => new Date(base + i * 3_600_000 + offset * 1000).toISOString();
      const who = i % 3 === 0 ? { anonymousId: `anon-${i}` } : { userId: `u${i % 7}`, anonymousId: `anon-${i}` };
      items.push({ type: 'identify', messageId: `id-${i}`, timestamp: at(0), ...who, traits: { email: `u${i % 7}@shop.test`, first_name: 'Aiko', constructor: 'x' } });
      items.push({ type: 'page', messageId: `pg-${i}`, timestamp: at(1), ...who, name: `Page ${i}`, properties: { path: `/p/${i}`, __proto__: { polluted: true } } });
      items.push({
        type: 'track',
        messageId: `pv-${i}`,
        timestamp: at(2),
        ...who,
        event: 'Product Viewed',
        properties: product(i),
        context: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', locale: 'ar-EG' },
      });
      items.push({ type: 'track', messageId: `ca-${i}`, timestamp: at(3), ...who, event: 'Coupon Applied', properties: { coupon: `C${i}` } });
      if (i % 2 === 0)
        items.push({
          type: 'track',
          messageId: `oc-${i}`,
          timestamp: at(4),
          ...who,
          event: 'Order Completed',
          properties: { order_id: `o${i}`, revenue: 41.5, currency: 'JPY', products: [product(i), product(i + 1)] },
        });
    }
    // A message whose originalTimestamp differs (clock skew) and one sent without a timestamp.
    items.push({ type: 'track', messageId: 'skew', event: 'Product Viewed', userId: 'u1', timestamp: '2026-11-02T10:00:00Z', sentAt: '2026-11-02T10:05:00Z', properties: product(99) });
    items.push({ type: 'track', messageId: 'now', event: 'Product Viewed', userId: 'u2', properties: product(98) });
    const outcome = await test.rapport.ingest.ingest({ workspaceId: WORKSPACE, sourceId: null, receivedAt: Date.now() - 3_600_000 }, { items });
    expect(outcome.rejected).toEqual([]);
    await test.rapport.processor.drain();
  }

  async function snapshot(): Promise<unknown> {
    const { db } = test.store.database;
    const profileIds = [...new Set((await readTimelinePage(db, WORKSPACE, undefined, 10_000)).rows.map((row) => row.profileId))].sort();
    const subject = await findSubject(db, WORKSPACE, profileIds[0] ?? '');
    return {
      partition: await readPartition(db, WORKSPACE, 0, 0, 10_000),
      find: await findEvents(db, WORKSPACE, { userId: 'u1' }),
      timelines: await Promise.all(profileIds.map((id) => readTimeline(db, WORKSPACE, id, 1000))),
      page: await readTimelinePage(db, WORKSPACE, undefined, 10_000),
      feed: (await readFeedEvents(db, WORKSPACE, 0, 0, 10_000, 10_000)).map((row) => ({ ...row, payload: JSON.parse(row.payload) as unknown })),
      coupons: (await readCouponEvents(db, WORKSPACE, 0, 0, 10_000)).map((row) => JSON.parse(row.payload) as unknown),
      metrics: (await readMetricEvents(db, WORKSPACE, ['Order Completed'], 0, Date.now() + 1, null, 10_000)).map((row) => ({ ...row, payload: JSON.parse(row.payload) as unknown })),
      productPage: (await readProductEventPage(db, WORKSPACE, undefined, 10_000)).rows.map((row) => ({ ...row, payload: JSON.parse(row.payload) as unknown })),
      recent: await Promise.all(profileIds.map(async (id) => (await readRecentProductEvents(db, WORKSPACE, id, 100)).map((row) => ({ ...row, payload: JSON.parse(row.payload) as unknown })))),
      export: subject === undefined ? [] : await exportEvents(db, subject),
      segments: [...(await eventsOfProfiles(db, WORKSPACE, profileIds, undefined))],
      segmentsNamed: [...(await eventsOfProfiles(db, WORKSPACE, profileIds, ['Order Completed', 'identify'], { propertiesOf: ['Order Completed'] }))],
    };
  }

  it('rewrites processed payloads smaller and every reader sees the same events', async () => {
    await fill();
    const before = await snapshot();
    const bytes = () => test.store.database.sqlite?.prepare<[], { n: number; text: number }>("select sum(length(payload)) as n, sum(typeof(payload) = 'text') as text from events").get();
    const sizeBefore = bytes();
    // Received an hour ago: a 90-minute threshold leaves everything alone, a 10-minute one does not.
    expect((await test.rapport.compaction.runOnce({ afterMinutes: 90 })).compacted).toBe(0);
    const pass = await test.rapport.compaction.runOnce({ afterMinutes: 10 });
    expect(pass.compacted).toBe(182);
    const sizeAfter = bytes();
    expect(sizeAfter?.text).toBe(0);
    expect(sizeAfter?.n ?? Infinity).toBeLessThan((sizeBefore?.n ?? 0) / 2);
    expect(await snapshot()).toEqual(before);
    // Nothing left to do, and new events after the compacted ones are still read as they are.
    expect((await test.rapport.compaction.runOnce({ afterMinutes: 0 })).compacted).toBe(0);
  });

  it('runs as a chore per workspace, compacting that workspace only', async () => {
    await fill();
    const compaction = new EventCompaction({ database: test.store.database, clock: systemClock, afterMinutes: 10 });
    const chore = compaction.chore();
    expect([chore?.kind, chore?.everyMs]).toEqual([COMPACTION_JOB, 60_000]);
    const plain = () => test.store.database.sqlite?.prepare<[], { text: number }>("select count(*) as text from events where typeof(payload) = 'text'").get()?.text;
    const before = plain() ?? 0;
    await chore?.run('another-workspace');
    expect(plain()).toBe(before);
    expect((await compaction.compactWorkspace(WORKSPACE)).compacted).toBe(182);
    expect(plain()).toBe(before - 182);
    expect(new EventCompaction({ database: test.store.database, clock: systemClock, afterMinutes: 0 }).chore()).toBeUndefined();
  });

  it('leaves events the processor has not applied', async () => {
    const outcome = await test.rapport.ingest.ingest(
      { workspaceId: WORKSPACE, sourceId: null, receivedAt: Date.now() - 3_600_000 },
      { items: [{ type: 'track', messageId: 'x', event: 'Product Viewed', userId: 'u9', properties: product(1) }] },
    );
    expect(outcome.accepted).toBe(1);
    expect((await test.rapport.compaction.runOnce({ afterMinutes: 0 })).compacted).toBe(0);
  });
});
