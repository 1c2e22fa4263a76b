import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { verifyWebhook } from '../channels/standard-webhooks.js';
import { OutboundHttp } from '../channels/outbound/outbound-http.js';
import type { TrackingMessage } from '../ingest/message.js';
import { Processor } from '../processor/processor.js';
import { ProfileScores } from '../profiles/profile-scores.js';
import { manualClock } from '../shared/clock.js';
import { SecretBox } from '../shared/secret-box.js';
import { RapportError } from '../shared/errors.js';
import { appendEvents } from '../log/store/event-log.js';
import { SegmentBackfiller } from './backfill.js';
import { SegmentEngine } from './engine.js';
import { evaluateCondition } from './evaluate.js';
import { SegmentService } from './segment-service.js';
import { WebhookDeliverer } from './webhook.js';
import { payloadColumns, payloadText } from '../storage/payload-codec.js';

const ws = 'w1';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T10:00:00.000Z');

let counter = 0;
type Fields = Partial<TrackingMessage> & { at: number };

function build(fields: Fields): TrackingMessage {
  counter += 1;
  const { at, ...rest } = fields;
  const iso = new Date(at).toISOString();
  return { type: 'track', messageId: `m-${counter}`, context: {}, timestamp: iso, receivedAt: iso, ...rest };
}

describe.each(dialects)('segments engine (%s)', (dialect) => {
  let store: TestStore;
  let clock: ReturnType<typeof manualClock>;
  let engine: SegmentEngine;
  let processor: Processor;
  let service: SegmentService;
  const secrets = SecretBox.ephemeral();
  let backfiller: SegmentBackfiller;
  let scores: ProfileScores;

  async function append(list: Fields[]): Promise<void> {
    const messages = list.map(build);
    await store.database.transaction((trx) =>
      appendEvents(
        trx,
        ws,
        messages.map((message) => ({
          partition: 0,
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
  }

  async function ingest(list: Fields[]): Promise<void> {
    await append(list);
    await processor.drain();
  }

  async function profileOf(userId: string): Promise<string> {
    const row = await store.database.db
      .selectFrom('identities')
      .select('profile_id')
      .where('workspace_id', '=', ws)
      .where('type', '=', 'user_id')
      .where('value', '=', userId)
      .executeTakeFirstOrThrow();
    return row.profile_id;
  }

  async function members(segmentId: string): Promise<string[]> {
    const rows = await store.database.db.selectFrom('segment_members').select('profile_id').where('workspace_id', '=', ws).where('segment_id', '=', segmentId).orderBy('profile_id').execute();
    return rows.map((row) => row.profile_id);
  }

  async function logged(segmentId: string): Promise<{ event: string; profileId: string; at: number }[]> {
    const rows = await store.database.db
      .selectFrom('events')
      .select([...payloadColumns])
      .where('workspace_id', '=', ws)
      .where('event', 'in', ['Segment Entered', 'Segment Exited'])
      .orderBy('seq')
      .execute();
    return rows
      .map((row) => {
        const payload: { properties: { segment_id: string; profile_id: string } } = JSON.parse(payloadText(row.payload, row));
        return { event: row.event ?? '', segmentId: payload.properties.segment_id, profileId: payload.properties.profile_id, at: Number(row.timestamp) };
      })
      .filter((row) => row.segmentId === segmentId)
      .map(({ event, profileId, at }) => ({ event, profileId, at }));
  }

  async function createLive(condition: unknown, name = 'segment'): Promise<string> {
    const segment = await service.create(ws, { name, condition });
    await backfiller.drain();
    return segment.id;
  }

  beforeEach(async () => {
    store = await createTestStore(dialect);
    clock = manualClock(T0);
    engine = new SegmentEngine({ database: store.database, clock });
    processor = new Processor({ database: store.database, clock, extensions: [engine.extension()] });
    backfiller = new SegmentBackfiller({ database: store.database, engine, chunk: 7 });
    service = new SegmentService({ database: store.database, engine, clock, secrets, guard: new OutboundHttp({ allow: ['127.0.0.1/32'] }).guard });
    scores = new ProfileScores({ database: store.database, clock });
    scores.subscribe(async (workspaceId, changes) => {
      await engine.reevaluate(workspaceId, [...new Set(changes.map((change) => change.profileId))]);
    });
  });

  afterEach(async () => {
    await engine.stop();
    await store.drop();
  });

  it('keeps every condition type live through the processor', async () => {
    const window = { type: 'last', amount: 30, unit: 'days' } as const;
    const definitions: Record<string, unknown> = {
      trait: { type: 'trait', key: 'plan', op: 'equals', value: 'gold' },
      birthday: { type: 'trait', key: 'birthday', op: 'anniversary', withinDays: 7 },
      event: { type: 'event', event: 'Order Completed', where: [{ property: 'products[].category', op: 'equals', value: 'Shoes' }], count: { op: 'at_least', value: 2 }, window },
      aggregate: { type: 'event', event: 'Order Completed', aggregate: { fn: 'sum', property: 'revenue', op: 'gte', value: 100 } },
      first: { type: 'event', event: 'Order Completed', occurrence: 'first', window: { type: 'since', from: '2026-01-01' } },
      notPerformed: { type: 'event', event: 'Order Refunded', performed: false },
      computed: { type: 'computed', key: 'averageOrderValue', op: 'gt', value: 40 },
      lifecycle: { type: 'lifecycle', stages: ['repeat_buyer'] },
      channel: { type: 'preferred_channel', channels: ['web'] },
      reachable: { type: 'reachable', channel: 'email' },
      location: { type: 'location', countries: ['FR'] },
      device: { type: 'device', devices: ['mobile'] },
      source: { type: 'traffic_source', touch: 'first', field: 'campaign', values: ['spring'] },
      score: { type: 'score', key: 'churn_risk', op: 'gt', value: 0.5 },
      bucket: { type: 'random_bucket', from: 0, to: 100 },
    };
    const ids: Record<string, string> = {};
    for (const [name, condition] of Object.entries(definitions)) ids[name] = await createLive(condition, name);
    ids.member = await createLive(
      {
        type: 'and',
        conditions: [
          { type: 'segment', segmentId: ids.trait },
          { type: 'not', condition: { type: 'segment', segmentId: ids.location } },
        ],
      },
      'member',
    );

    const mobile = { userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile' };
    await ingest([
      { at: T0 - 3 * DAY, type: 'identify', userId: 'ann', traits: { email: 'ann@example.com', plan: 'gold', birthday: '1990-03-05', address: { country: 'FR' } } },
      { at: T0 - 3 * DAY, type: 'page', userId: 'ann', context: { ...mobile, campaign: { name: 'spring', source: 'google', medium: 'cpc' } } },
      { at: T0 - 2 * DAY, event: 'Order Completed', userId: 'ann', properties: { revenue: 60, products: [{ product_id: 'a', category: 'Shoes' }] } },
      { at: T0 - DAY, event: 'Order Completed', userId: 'ann', properties: { revenue: 50, products: [{ product_id: 'b', category: 'Shoes' }] } },
      { at: T0 - DAY, type: 'identify', userId: 'bob', traits: { plan: 'gold', birthday: '1990-08-01' } },
      { at: T0 - DAY, event: 'Order Completed', userId: 'bob', properties: { revenue: 20, products: [{ product_id: 'c', category: 'Hats' }] } },
      { at: T0 - HOUR, event: 'Order Refunded', userId: 'bob', properties: { total: 20 } },
    ]);
    await scores.write(ws, [{ profileId: await profileOf('bob'), key: 'churn_risk', value: 0.9 }], 'test');
    const ann = await profileOf('ann');
    const bob = await profileOf('bob');
    const expected: Record<string, string[]> = {
      trait: [ann, bob],
      birthday: [ann],
      event: [ann],
      aggregate: [ann],
      first: [ann, bob],
      notPerformed: [ann],
      computed: [ann],
      lifecycle: [ann],
      channel: [ann, bob],
      reachable: [ann],
      location: [ann],
      device: [ann],
      source: [ann],
      score: [bob],
      bucket: [ann, bob],
      member: [bob],
    };
    for (const [name, profiles] of Object.entries(expected)) {
      expect({ name, members: await members(ids[name] ?? '') }).toEqual({ name, members: [...profiles].sort() });
    }
    // One Segment Entered per membership, in the log, with the segment and time.
    expect(await logged(ids.event ?? '')).toEqual([{ event: 'Segment Entered', profileId: ann, at: T0 }]);
  });

  it('exits a time window at the exact moment, with an injected clock', async () => {
    const id = await createLive({ type: 'event', event: 'Product Viewed', window: { type: 'last', amount: 2, unit: 'days' } });
    const viewedAt = T0 - HOUR;
    await ingest([{ at: viewedAt, event: 'Product Viewed', userId: 'u1', properties: { product_id: 'p' } }]);
    const profile = await profileOf('u1');
    expect(await members(id)).toEqual([profile]);

    clock.set(viewedAt + 2 * DAY - 1);
    expect(await engine.runDue()).toBe(0);
    expect(await members(id)).toEqual([profile]);

    clock.set(viewedAt + 2 * DAY);
    expect(await engine.runDue()).toBe(1);
    expect(await members(id)).toEqual([]);
    expect(await logged(id)).toEqual([
      { event: 'Segment Entered', profileId: profile, at: T0 },
      { event: 'Segment Exited', profileId: profile, at: viewedAt + 2 * DAY },
    ]);
    // Nothing more is scheduled for it.
    expect(await store.database.db.selectFrom('segment_due').selectAll().execute()).toEqual([]);

    // A new view re-enters, and the next expiry follows the newest view.
    clock.set(viewedAt + 3 * DAY);
    await ingest([{ at: viewedAt + 3 * DAY, event: 'Product Viewed', userId: 'u1', properties: { product_id: 'q' } }]);
    expect(await members(id)).toEqual([profile]);
    const due = await store.database.db.selectFrom('segment_due').select('due_at').executeTakeFirstOrThrow();
    expect(Number(due.due_at)).toBe(viewedAt + 5 * DAY);
  });

  it('cuts over from backfill to live with no gap and no double events', async () => {
    const users = Array.from({ length: 60 }, (_, index) => `u${index}`);
    await ingest(users.map((userId, index) => ({ at: T0 - DAY + index, event: 'Order Completed', userId, properties: { revenue: index } })));
    const condition = { type: 'event', event: 'Order Completed', count: { op: 'at_least', value: 2 } };
    const segment = await service.create(ws, { name: 'repeat', condition });
    expect(segment.status).toBe('backfilling');
    expect(segment.backfill.total).toBe(60);

    // Interleave: a chunk of backfill, then more events for everyone, until the backfill ends.
    let round = 0;
    for (;;) {
      const { processed } = await engine.backfillStep(ws, segment.id, segment.version, 7);
      round += 1;
      const batch = users.filter((_, index) => index % 4 === round % 4);
      await ingest(batch.map((userId) => ({ at: T0 + round, event: 'Order Completed', userId, properties: { revenue: 1 } })));
      if (processed === 0) break;
    }
    const after = await service.get(ws, segment.id);
    expect(after.status).toBe('live');
    expect(after.backfill.percent).toBe(100);

    // Membership equals a from-scratch evaluation of every profile.
    const truth = await service.estimate(ws, condition, { scan: 1000, sampleSize: 100 });
    expect(truth.exact).toBe(true);
    expect(await members(segment.id)).toEqual([...truth.sample].sort());
    // Each member entered exactly once; nobody exited.
    const events = await logged(segment.id);
    expect(events.every((event) => event.event === 'Segment Entered')).toBe(true);
    expect(events.map((event) => event.profileId).sort()).toEqual(await members(segment.id));
  });

  it('backfills among live segments reading only its own events, with the stats live folding builds', async () => {
    // Live segments on other events: a backfill must not need (nor parse) their events.
    await createLive({ type: 'event', event: 'page', where: [{ property: 'path', op: 'starts_with', value: '/sale' }] }, 'pages');
    await createLive({ type: 'event', event: 'Product Added', count: { op: 'at_least', value: 2 } }, 'adders');
    const condition = {
      type: 'and',
      conditions: [
        { type: 'event', event: 'Order Completed', window: { type: 'last', amount: 10, unit: 'days' } },
        { type: 'event', event: 'Product Viewed', where: [{ property: 'category', op: 'contains', value: 'Apparel' }], window: { type: 'last', amount: 5, unit: 'days' } },
        { type: 'event', event: 'Order Completed', aggregate: { fn: 'sum', property: 'revenue', op: 'gte', value: 50 } },
        { type: 'event', event: 'Cart Viewed', performed: false },
      ],
    };
    // The same condition live from the start: its stats are folded event by event.
    const live = await createLive(condition, 'live from the start');
    const events: Fields[] = [];
    for (let index = 0; index < 30; index++) {
      const userId = `b${index}`;
      events.push({ at: T0 - (index % 12) * DAY, event: 'Order Completed', userId, properties: { revenue: 10 + index * 3 } });
      events.push({ at: T0 - (index % 7) * DAY - HOUR, event: 'Product Viewed', userId, properties: { category: index % 3 === 0 ? 'Shoes' : 'Apparel > Shirts' } });
      events.push({ at: T0 - 2 * DAY, type: 'page', userId, properties: { path: index % 2 === 0 ? '/sale/x' : '/home' } });
      events.push({ at: T0 - 3 * DAY, event: 'Product Added', userId, properties: { sku: `s${index}` } });
      if (index % 5 === 0) events.push({ at: T0 - DAY, event: 'Cart Viewed', userId, properties: { value: index } });
      if (index % 4 === 0) events.push({ at: T0 - 20 * DAY, event: 'Order Completed', userId, properties: { revenue: 40 } });
    }
    await ingest(events);
    const statsBefore = await store.database.db.selectFrom('segment_profile_state').select(['profile_id', 'stats']).where('workspace_id', '=', ws).orderBy('profile_id').execute();

    const backfilled = await createLive(condition, 'backfilled');
    const expected = await members(live);
    expect(expected.length).toBeGreaterThan(3);
    expect(expected.length).toBeLessThan(30);
    expect(await members(backfilled)).toEqual(expected);
    const truth = await service.estimate(ws, condition, { scan: 1000, sampleSize: 100 });
    expect([...truth.sample].sort()).toEqual(expected);
    // The rebuilt stats of the condition's events equal the ones live folding built.
    const statsAfter = await store.database.db.selectFrom('segment_profile_state').select(['profile_id', 'stats']).where('workspace_id', '=', ws).orderBy('profile_id').execute();
    const parse = (rows: { profile_id: string; stats: string }[]) => rows.map((row) => [row.profile_id, JSON.parse(row.stats)]);
    expect(parse(statsAfter)).toEqual(parse(statsBefore));
  });

  it('re-evaluates on score changes, merges and edits, and explains', async () => {
    const id = await createLive({
      type: 'and',
      conditions: [
        { type: 'score', key: 'churn_risk', op: 'gte', value: 0.5 },
        { type: 'computed', key: 'orders', op: 'gte', value: 2 },
      ],
    });
    await ingest([
      { at: T0 - DAY, event: 'Order Completed', userId: 'u1', properties: { revenue: 10 } },
      { at: T0 - DAY, event: 'Order Completed', anonymousId: 'a1', properties: { revenue: 10 } },
    ]);
    const profile = await profileOf('u1');
    await scores.write(ws, [{ profileId: profile, key: 'churn_risk', value: 0.7 }], 'test');
    expect(await members(id)).toEqual([]);
    // The anonymous buyer turns out to be u1: the merged profile has two orders.
    await ingest([{ at: T0, type: 'identify', userId: 'u1', anonymousId: 'a1', traits: {} }]);
    const survivor = await profileOf('u1');
    await scores.write(ws, [{ profileId: survivor, key: 'churn_risk', value: 0.7 }], 'test');
    expect(await members(id)).toEqual([survivor]);

    const explained = await service.explain(ws, id, survivor);
    expect(explained.member).toBe(true);
    expect(explained.explanation.children?.map((child) => [child.path, child.result, child.actual])).toEqual([
      ['conditions[0]', true, 0.7],
      ['conditions[1]', true, 2],
    ]);

    clock.advance(1000);
    await scores.write(ws, [{ profileId: survivor, key: 'churn_risk', value: 0.1 }], 'test');
    expect(await members(id)).toEqual([]);
    const history = await service.profileMemberships(ws, survivor);
    expect(history.history.map((entry) => entry.kind)).toEqual(['exited', 'entered']);

    // Editing the condition backfills the new version and moves members accordingly.
    await service.update(ws, id, { condition: { type: 'computed', key: 'orders', op: 'gte', value: 2 } });
    await backfiller.drain();
    expect(await members(id)).toEqual([survivor]);
  });

  it('refuses cycles and deleting a segment others use', async () => {
    const a = await createLive({ type: 'trait', key: 'plan', op: 'exists' }, 'a');
    const b = await createLive({ type: 'segment', segmentId: a }, 'b');
    await expect(service.update(ws, a, { condition: { type: 'segment', segmentId: a } })).rejects.toThrow(/refers to itself/);
    await expect(service.update(ws, a, { condition: { type: 'not', condition: { type: 'segment', segmentId: b } } })).rejects.toThrow(`through ${a} → ${b} → ${a}`);
    const refused = await service.delete(ws, a).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RapportError);
    expect(refused instanceof RapportError && refused.code).toBe('conflict');
    expect(refused instanceof RapportError && refused.issues.map((issue) => issue.message)).toEqual([b]);
    await expect(service.create(ws, { name: 'x', condition: { type: 'and', conditions: [{ type: 'trait', key: 'a', op: 'nope' }] } })).rejects.toThrow(/conditions\[0\]\.op/);
    await service.delete(ws, b);
    await service.delete(ws, a);
    expect(await service.list(ws)).toEqual([]);
  });

  it('uploads static lists, exports CSV and syncs a webhook signed per Standard Webhooks', async () => {
    const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      await ingest([
        { at: T0, type: 'identify', userId: 'u1', traits: { email: 'one@example.com' } },
        { at: T0, type: 'identify', userId: 'u2', traits: { email: 'two@example.com' } },
      ]);
      const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
      const list = await service.createStatic(ws, { name: 'VIP list', destination: { url, secret } });
      const dependent = await createLive({ type: 'segment', segmentId: list.id }, 'in the list');
      const result = await service.uploadList(ws, list.id, 'email,user_id\none@example.com,\n,u2\nnobody@example.com,\n', 'add');
      expect(result).toMatchObject({ rows: 3, matched: 2, entered: 2, exited: 0 });
      expect(result.unmatched.map((entry) => entry.line)).toEqual([4]);
      expect((await members(dependent)).length).toBe(2);

      let csv = '';
      for await (const chunk of service.exportCsv(ws, list.id)) csv += chunk;
      const lines = csv.trim().split('\n');
      expect(lines[0]).toBe('profile_id,entered_at,user_id,email,phone');
      expect(
        lines
          .slice(1)
          .map((line) => line.split(',')[3])
          .sort(),
      ).toEqual(['one@example.com', 'two@example.com']);

      await expect(service.update(ws, list.id, { destination: { url, secret, allowPrivate: true } })).rejects.toMatchObject({
        code: 'outbound.operator_only',
        type: 'invalid_request',
        issues: [{ field: 'destination.allowPrivate' }],
      });
      const deliverer = new WebhookDeliverer({ database: store.database, clock, secrets, outbound: new OutboundHttp({ allow: ['127.0.0.1/32'] }) });
      clock.advance(60 * 60_000);
      expect(await deliverer.deliverDue()).toBe(2);
      expect(received).toHaveLength(2);
      for (const delivery of received) {
        const headers = { id: String(delivery.headers['webhook-id']), timestamp: String(delivery.headers['webhook-timestamp']), signature: String(delivery.headers['webhook-signature']) };
        expect(verifyWebhook(secret, headers, delivery.body, clock.now() / 1000)).toBe(true);
        expect(JSON.parse(delivery.body)).toMatchObject({ type: 'segment.entered', data: { segmentId: list.id } });
      }
      // Replacing the list with one person makes the other exit (and the dependent follows).
      const replaced = await service.uploadList(ws, list.id, 'user_id\nu1\n', 'replace');
      expect(replaced).toMatchObject({ matched: 1, entered: 0, exited: 1 });
      expect(await members(dependent)).toEqual([await profileOf('u1')]);
      // Private destinations are refused unless the operator allows their range: the exit is not
      // sent, and, refused by configuration, it is given up at once with the reason (no retries).
      const guarded = new WebhookDeliverer({ database: store.database, clock, secrets });
      clock.advance(60 * 60_000);
      expect(await guarded.deliverDue()).toBe(0);
      expect(received).toHaveLength(2);
      clock.advance(24 * 60 * 60_000);
      expect(await deliverer.deliverDue()).toBe(0);
      expect(received).toHaveLength(2);
    } finally {
      server.close();
    }
  });

  it('estimates and reports counts over time', async () => {
    await ingest(Array.from({ length: 20 }, (_, index) => ({ at: T0 - index * HOUR, event: 'Order Completed', userId: `u${index}`, properties: { revenue: index * 10 } })));
    const condition = { type: 'event', event: 'Order Completed', where: [{ property: 'revenue', op: 'gte', value: 100 }] };
    const estimate = await service.estimate(ws, condition, { sampleSize: 3 });
    expect(estimate).toMatchObject({ size: 10, exact: true, scanned: 20, total: 20 });
    expect(estimate.sample).toHaveLength(3);
    const id = await createLive(condition);
    clock.advance(HOUR);
    const counts = await service.counts(ws, id, { from: T0 - DAY, bucket: 'hour' });
    expect(counts.at(-1)?.members).toBe(10);
    expect(counts.reduce((sum, row) => sum + row.entered, 0)).toBe(10);
    const page = await service.members(ws, id, { limit: 4 });
    expect(page.members).toHaveLength(4);
    const rest = await service.members(ws, id, { limit: 10, cursor: page.nextCursor ?? undefined });
    expect(rest.members).toHaveLength(6);
    expect(evaluateCondition).toBeTypeOf('function');
  });
});
