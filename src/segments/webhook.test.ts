import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, openOtherProcess, type TestStore } from '../../test/helpers/databases.js';
import { OutboundHttp } from '../channels/outbound/outbound-http.js';
import { verifyWebhook } from '../channels/standard-webhooks.js';
import { manualClock } from '../shared/clock.js';
import { SecretBox } from '../shared/secret-box.js';
import { SegmentEngine } from './engine.js';
import { SegmentService } from './segment-service.js';
import { parseDestination, WebhookDeliverer } from './webhook.js';

const ws = 'w1';
const T0 = Date.parse('2026-04-01T08:00:00.000Z');

describe.each(dialects)('segment webhooks (%s)', (dialect) => {
  let store: TestStore;
  let server: http.Server;
  let url: string;
  let answers: number[];
  let received: string[];
  let signatures: { id: string; timestamp: string; signature: string }[];

  beforeEach(async () => {
    store = await createTestStore(dialect);
    answers = [];
    received = [];
    signatures = [];
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(body);
        signatures.push({ id: String(request.headers['webhook-id']), timestamp: String(request.headers['webhook-timestamp']), signature: String(request.headers['webhook-signature']) });
        response.writeHead(answers.shift() ?? 204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/audience`;
  });

  afterEach(async () => {
    server.close();
    await store.drop();
  });

  it('retries a refused delivery with backoff until the receiver accepts it', async () => {
    const clock = manualClock(T0);
    const engine = new SegmentEngine({ database: store.database, clock });
    const secrets = SecretBox.ephemeral();
    const service = new SegmentService({ database: store.database, engine, clock, secrets, guard: new OutboundHttp({ allow: ['127.0.0.1/32'] }).guard });
    await store.database.db
      .insertInto('profiles')
      .values({
        workspace_id: ws,
        id: 'prf_a',
        merged_into: null,
        created_at: T0,
        updated_at: T0,
        state: JSON.stringify({
          ids: {},
          state: {
            v: 1,
            traits: { email: { v: 'a@example.com', t: T0 } },
            consent: {},
            categoryPreferences: {},
            firstSeen: null,
            lastSeen: null,
            events: 0,
            pageViews: 0,
            screenViews: 0,
            sessions: 0,
            activeAt: null,
            orders: 0,
            revenue: 0,
            firstOrderAt: null,
            lastOrderAt: null,
            refunds: 0,
            refundAmount: 0,
            cancellations: 0,
            cart: null,
            viewed: [],
            categories: {},
            engagement: {},
            devices: {},
            firstTouch: null,
            lastTouch: null,
          },
        }),
      })
      .execute();
    const list = await service.createStatic(ws, { name: 'list', destination: { url } });
    // A secret was generated for the destination, shown in this answer only and sealed at rest.
    expect(list.destination?.secret).toMatch(/^whsec_/);
    expect((await service.get(ws, list.id)).destination).not.toHaveProperty('secret');
    const stored = await store.database.db.selectFrom('segments').select('destination').where('id', '=', list.id).executeTakeFirstOrThrow();
    expect(stored.destination).not.toContain('whsec_');
    expect(parseDestination(stored.destination ?? '')?.secret).toMatch(/^rsec1\./);
    await engine.setStaticMembers(ws, list.id, ['prf_a'], 'add');

    // Loopback is reached only because the operator allows it (the workspace cannot).
    const deliverer = new WebhookDeliverer({ database: store.database, clock, secrets, outbound: new OutboundHttp({ allow: ['127.0.0.1/32'] }) });
    answers.push(500);
    expect(await deliverer.deliverDue()).toBe(0);
    expect(received).toHaveLength(1);
    // Not due again before the backoff.
    clock.advance(5_000);
    expect(await deliverer.deliverDue()).toBe(0);
    expect(received).toHaveLength(1);
    clock.advance(5_000);
    expect(await deliverer.deliverDue()).toBe(1);
    expect(received).toHaveLength(2);
    expect(verifyWebhook(list.destination?.secret ?? '', signatures[1] ?? { id: '', timestamp: '', signature: '' }, received[1] ?? '', clock.now() / 1000)).toBe(true);
    expect(JSON.parse(received[1] ?? '{}')).toMatchObject({ type: 'segment.entered', data: { profileId: 'prf_a', email: 'a@example.com', segmentId: list.id } });
    expect((await service.get(ws, list.id)).destination).toMatchObject({ delivered: 1, pending: 0 });
    // Delivered once: nothing more is sent.
    clock.advance(3_600_000);
    expect(await deliverer.deliverDue()).toBe(0);
    expect(received).toHaveLength(2);
  });

  it('gives up at once on an answer retrying cannot change, under the one delivery policy', async () => {
    const clock = manualClock(T0);
    const engine = new SegmentEngine({ database: store.database, clock });
    const secrets = SecretBox.ephemeral();
    const service = new SegmentService({ database: store.database, engine, clock, secrets, guard: new OutboundHttp({ allow: ['127.0.0.1/32'] }).guard });
    const list = await service.createStatic(ws, { name: 'list', destination: { url } });
    await engine.setStaticMembers(ws, list.id, ['prf_gone'], 'add');
    const deliverer = new WebhookDeliverer({ database: store.database, clock, secrets, outbound: new OutboundHttp({ allow: ['127.0.0.1/32'] }) });
    answers.push(400);
    expect(await deliverer.deliverDue()).toBe(0);
    clock.advance(24 * 3_600_000);
    expect(await deliverer.deliverDue()).toBe(0);
    expect(received).toHaveLength(1);
    const row = await store.database.db.selectFrom('segment_deliveries').select(['attempts', 'next_attempt_at', 'last_error']).where('segment_id', '=', list.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ attempts: 1, next_attempt_at: Number.MAX_SAFE_INTEGER, last_error: 'the receiver answered 400' });
  });

  it('delivers each entry once when two processes claim from one outbox at the same time', async () => {
    const clock = manualClock(T0);
    const engine = new SegmentEngine({ database: store.database, clock });
    const secrets = SecretBox.ephemeral();
    const service = new SegmentService({ database: store.database, engine, clock, secrets, guard: new OutboundHttp({ allow: ['127.0.0.1/32'] }).guard });
    const list = await service.createStatic(ws, { name: 'list', destination: { url } });
    const members = Array.from({ length: 300 }, (_, index) => `prf_${index}`);
    await engine.setStaticMembers(ws, list.id, members, 'add');
    // A second handle on the same store: its own connections, as a second server process has.
    const other = await openOtherProcess(store);
    try {
      const outbound = new OutboundHttp({ allow: ['127.0.0.1/32'] });
      const first = new WebhookDeliverer({ database: store.database, clock, secrets, outbound });
      const second = new WebhookDeliverer({ database: other, clock, secrets, outbound });
      let accepted = 0;
      for (let pass = 0; pass < 20 && accepted < members.length; pass++) {
        const counts = await Promise.all([first.deliverDue(25), second.deliverDue(25), first.deliverDue(25), second.deliverDue(25)]);
        accepted += counts.reduce((sum, count) => sum + count, 0);
      }
      expect(accepted).toBe(members.length);
      const ids = signatures.map((signature) => signature.id);
      expect(ids).toHaveLength(members.length);
      expect(new Set(ids).size).toBe(members.length);
      expect((await service.get(ws, list.id)).destination).toMatchObject({ delivered: members.length, pending: 0 });
    } finally {
      await other.close();
    }
  });
});
