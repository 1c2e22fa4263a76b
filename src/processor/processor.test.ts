import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { profileIdFor } from '../identity/resolve.js';
import { identityRules } from '../identity/rules.js';
import type { TrackingMessage } from '../ingest/message.js';
import { ProfileService } from '../profiles/profile-service.js';
import { manualClock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import { appendEvents } from '../log/store/event-log.js';
import { Processor, type ProfileChanges } from './processor.js';
import { replay } from './replay.js';

const ws = 'w1';
const T0 = Date.parse('2024-05-01T09:00:00.000Z');
const MIN = 60_000;

let counter = 0;
type Fields = Partial<TrackingMessage> & { at: number; partition?: number };

function build(fields: Fields): TrackingMessage & { partition: number } {
  counter += 1;
  const { at, partition, ...rest } = fields;
  const iso = new Date(at).toISOString();
  return { type: 'track', messageId: `m-${counter}`, context: {}, timestamp: iso, receivedAt: iso, partition: partition ?? 0, ...rest };
}

async function append(database: Database, list: Fields[], workspaceId = ws): Promise<TrackingMessage[]> {
  const messages = list.map(build);
  await database.transaction((trx) =>
    appendEvents(
      trx,
      workspaceId,
      messages.map(({ partition, ...message }) => ({
        partition,
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
  return messages;
}

async function snapshot(database: Database, workspaceId = ws) {
  const { db } = database;
  const profiles = await db.selectFrom('profiles').select(['id', 'merged_into', 'created_at', 'state']).where('workspace_id', '=', workspaceId).orderBy('id').execute();
  const identities = await db.selectFrom('identities').select(['type', 'value', 'profile_id', 'created_at']).where('workspace_id', '=', workspaceId).orderBy('type').orderBy('value').execute();
  const events = await db.selectFrom('profile_events').selectAll().where('workspace_id', '=', workspaceId).orderBy('partition').orderBy('seq').execute();
  const merges = await db.selectFrom('profile_merges').selectAll().where('workspace_id', '=', workspaceId).orderBy('id').execute();
  return { profiles: profiles.map((row) => ({ ...row, state: JSON.parse(row.state) as unknown })), identities, events, merges };
}

describe.each(dialects)('processor (%s)', (dialect) => {
  let store: TestStore;
  let database: Database;
  let processor: Processor;
  let profiles: ProfileService;
  const clock = manualClock(T0 + 1000 * MIN);

  beforeEach(async () => {
    store = await createTestStore(dialect);
    database = store.database;
    // One partition at a time, in order, so scenarios that span partitions are repeatable.
    processor = new Processor({ database, clock, batchSize: 50, pollIntervalMs: 20, concurrency: 1 });
    profiles = new ProfileService({ database });
  });
  afterEach(async () => {
    await processor.stop();
    await store.drop();
  });

  it('merges anonymous browsing into the known profile retroactively on identify', async () => {
    await append(database, [
      { type: 'page', anonymousId: 'a1', at: T0, properties: {} },
      { event: 'Product Viewed', anonymousId: 'a1', properties: { product_id: 'p1', name: 'Boot' }, at: T0 + MIN },
      { event: 'Product Viewed', anonymousId: 'a1', properties: { product_id: 'p2', name: 'Hat' }, at: T0 + 2 * MIN, partition: 1 },
      { type: 'identify', userId: 'u1', anonymousId: 'a1', traits: { email: 'Ann@Shop.com', first_name: 'Ann' }, at: T0 + 3 * MIN, partition: 2 },
    ]);
    await processor.drain();
    const anonymousId = profileIdFor(ws, { type: 'anonymous_id', value: 'a1' });
    const profile = await profiles.lookupProfile(ws, 'anonymous_id', 'a1');
    expect(profile?.id).toBe(profileIdFor(ws, { type: 'user_id', value: 'u1' }));
    expect(profile?.mergedFrom).toEqual([anonymousId]);
    expect(profile?.identities).toEqual(
      expect.arrayContaining([
        { type: 'user_id', value: 'u1' },
        { type: 'anonymous_id', value: 'a1' },
        { type: 'email', value: 'ann@shop.com' },
      ]),
    );
    expect(profile?.traits).toMatchObject({ email: 'ann@shop.com', firstName: 'Ann', name: 'Ann' });
    expect(profile?.computed.recentlyViewed.map((item) => item.productId)).toEqual(['p2', 'p1']);
    expect(profile?.createdAt).toBe(new Date(T0).toISOString());
    expect((await profiles.getProfile(ws, anonymousId))?.id).toBe(profile?.id);
    const timeline = await profiles.timeline(ws, anonymousId, { limit: 10 });
    expect(timeline?.events.map((event) => event.type)).toEqual(['identify', 'track', 'track', 'page']);
    expect((await profiles.lookupProfile(ws, 'email', ' ANN@shop.com '))?.id).toBe(profile?.id);
  });

  it('links alias(previousId=A, userId=U) then identify(U, email) into one profile', async () => {
    await append(database, [
      { event: 'Product Viewed', anonymousId: 'A', properties: { product_id: 'p1' }, at: T0 },
      { type: 'alias', userId: 'U', previousId: 'A', at: T0 + MIN, partition: 1 },
      { type: 'identify', userId: 'U', traits: { email: 'u@shop.com' }, at: T0 + 2 * MIN, partition: 1 },
    ]);
    await processor.drain();
    const byA = await profiles.lookupProfile(ws, 'anonymous_id', 'A');
    const byEmail = await profiles.lookupProfile(ws, 'email', 'u@shop.com');
    expect(byA?.id).toBe(profileIdFor(ws, { type: 'user_id', value: 'U' }));
    expect(byEmail?.id).toBe(byA?.id);
    expect(byA?.computed.events).toBe(3);
    const explained = await profiles.explainProfile(ws, 'ignored');
    expect(explained).toBeUndefined();
    const explanation = await profiles.explainProfile(ws, byA?.id ?? '');
    expect(explanation?.merges).toEqual([expect.objectContaining({ reason: 'alias', identifier: { type: 'anonymous_id', value: 'A' }, into: byA?.id })]);
  });

  it('matches a POS customer by email to the web profile, with the external id attached', async () => {
    await append(database, [
      { type: 'identify', userId: 'web-1', anonymousId: 'w-anon', traits: { email: 'ann@shop.com' }, at: T0 },
      {
        event: 'Order Completed',
        anonymousId: 'pos-session-9',
        context: { traits: { email: 'ANN@shop.com' }, externalIds: [{ id: 'CARD-1', type: 'pos_card', collection: 'users', encoding: 'none' }] },
        properties: { order_id: 'o1', total: 80 },
        at: T0 + 60 * MIN,
        partition: 3,
      },
    ]);
    await processor.drain();
    const byCard = await profiles.lookupProfile(ws, 'posCard', 'CARD-1');
    expect(byCard?.id).toBe(profileIdFor(ws, { type: 'user_id', value: 'web-1' }));
    expect(byCard?.computed.orders).toBe(1);
    expect(byCard?.computed.revenue).toBe(80);
    expect(byCard?.identities).toEqual(
      expect.arrayContaining([
        { type: 'anonymous_id', value: 'pos-session-9' },
        { type: 'anonymous_id', value: 'w-anon' },
      ]),
    );
  });

  it('never merges strangers through junk identifiers', async () => {
    await append(database, [
      { event: 'Product Viewed', userId: 'null', anonymousId: 'a1', at: T0 },
      { event: 'Product Viewed', userId: 'null', anonymousId: 'a2', at: T0 + 1 },
      { event: 'Product Viewed', userId: '0', anonymousId: 'a3', at: T0 + 2 },
      { event: 'Product Viewed', userId: 'anonymous', anonymousId: 'a4', context: { traits: { email: 'test@test.com' } }, at: T0 + 3 },
      { event: 'Product Viewed', anonymousId: 'a5', context: { traits: { email: 'TEST@test.com' } }, at: T0 + 4 },
    ]);
    await processor.drain();
    const ids = new Set<string>();
    for (const anon of ['a1', 'a2', 'a3', 'a4', 'a5']) ids.add((await profiles.lookupProfile(ws, 'anonymous_id', anon))?.id ?? 'missing');
    expect(ids.size).toBe(5);
    expect(ids.has('missing')).toBe(false);
    expect(await profiles.lookupProfile(ws, 'user_id', 'null')).toBeUndefined();
    const merges = await database.db.selectFrom('profile_merges').selectAll().execute();
    expect(merges).toEqual([]);
  });

  it('keeps two user ids on one device apart and gives each its own events (user_id max 1)', async () => {
    await append(database, [
      { type: 'identify', userId: 'ann', anonymousId: 'device', at: T0 },
      { event: 'Product Viewed', anonymousId: 'device', properties: { product_id: 'ann-view' }, at: T0 + MIN },
      { type: 'identify', userId: 'bob', anonymousId: 'device', at: T0 + 2 * MIN },
      { event: 'Order Completed', userId: 'bob', anonymousId: 'device', properties: { total: 10 }, at: T0 + 3 * MIN },
      { type: 'alias', userId: 'bob', previousId: 'ann', at: T0 + 4 * MIN },
    ]);
    await processor.drain();
    const ann = await profiles.lookupProfile(ws, 'user_id', 'ann');
    const bob = await profiles.lookupProfile(ws, 'user_id', 'bob');
    expect(ann?.id).not.toBe(bob?.id);
    expect((await profiles.lookupProfile(ws, 'anonymous_id', 'device'))?.id).toBe(ann?.id);
    expect(bob?.computed.orders).toBe(1);
    expect(ann?.computed.orders).toBe(0);
    expect(ann?.computed.recentlyViewed.map((item) => item.productId)).toEqual(['ann-view']);
    expect(bob?.identities).toEqual([{ type: 'user_id', value: 'bob' }]);
    expect(bob?.mergedFrom).toEqual([]);
  });

  it('records merges and explains where each identity came from', async () => {
    const [first, , third] = await append(database, [
      { event: 'Product Viewed', anonymousId: 'a1', at: T0 },
      { event: 'Product Viewed', anonymousId: 'a2', context: { traits: { email: 'x@y.com' } }, at: T0 + MIN },
      { type: 'identify', userId: 'u', anonymousId: 'a1', traits: { email: 'x@y.com' }, at: T0 + 2 * MIN },
    ]);
    await processor.drain();
    const explanation = await profiles.explainProfile(ws, profileIdFor(ws, { type: 'email', value: 'x@y.com' }));
    const survivor = profileIdFor(ws, { type: 'user_id', value: 'u' });
    expect(explanation?.profileId).toBe(survivor);
    expect(explanation?.identities).toEqual(
      expect.arrayContaining([
        { type: 'anonymous_id', value: 'a1', addedAt: new Date(T0).toISOString(), messageId: first?.messageId },
        { type: 'user_id', value: 'u', addedAt: new Date(T0 + 2 * MIN).toISOString(), messageId: third?.messageId },
      ]),
    );
    expect(explanation?.merges.map((merge) => [merge.from, merge.into, merge.reason, merge.identifier.type, merge.messageId])).toEqual([
      [profileIdFor(ws, { type: 'email', value: 'x@y.com' }), survivor, 'identify', 'email', third?.messageId],
      [profileIdFor(ws, { type: 'anonymous_id', value: 'a1' }), survivor, 'identify', 'anonymous_id', third?.messageId],
    ]);
    const profile = await profiles.getProfile(ws, survivor);
    expect(profile?.computed.events).toBe(3);
    expect(profile?.mergedFrom.length).toBe(2);
  });

  it('maintains e-commerce aggregates and traffic sources', async () => {
    const user = { userId: 'shopper' };
    await append(database, [
      { type: 'page', ...user, context: { page: { url: 'https://shop.com/?utm_source=google&utm_medium=cpc&utm_campaign=brand' } }, at: T0 },
      { event: 'Product Viewed', ...user, properties: { product_id: 'p1', category: 'Shoes' }, at: T0 + MIN },
      { event: 'Product Added', ...user, properties: { product_id: 'p1', price: 40, quantity: 2, cart_id: 'c1' }, at: T0 + 2 * MIN },
      { event: 'Order Completed', ...user, properties: { order_id: 'o1', revenue: 80, products: [{ product_id: 'p1', price: 40, quantity: 2, category: 'Shoes' }] }, at: T0 + 3 * MIN },
      { type: 'page', ...user, context: { campaign: { source: 'newsletter', medium: 'email', name: 'may' }, page: { url: 'https://shop.com/' } }, at: T0 + 90 * MIN, partition: 1 },
      { event: 'Order Completed', ...user, properties: { order_id: 'o2', total: 20 }, at: T0 + 91 * MIN, partition: 1 },
      { event: 'Product Added', ...user, properties: { product_id: 'p7', price: 5, name: 'Sock', cart_id: 'c2' }, at: T0 + 92 * MIN, partition: 1 },
      { event: 'Product Viewed', ...user, properties: { product_id: 'p7', category: 'Socks' }, at: T0 + 93 * MIN, partition: 1 },
    ]);
    await processor.drain();
    const profile = await profiles.lookupProfile(ws, 'user_id', 'shopper');
    const computed = profile?.computed;
    expect(computed?.orders).toBe(2);
    expect(computed?.revenue).toBe(100);
    expect(computed?.averageOrderValue).toBe(50);
    expect(computed?.openCart).toMatchObject({ id: 'c2', value: 5, items: [{ id: 'p7', qty: 1 }] });
    expect(computed?.recentlyViewed.map((item) => item.productId)).toEqual(['p7', 'p1']);
    expect(computed?.sessions).toBe(2);
    expect(computed?.firstTouch).toMatchObject({ kind: 'paid', source: 'google', campaign: 'brand' });
    expect(computed?.lastTouch).toMatchObject({ kind: 'email', source: 'newsletter', campaign: 'may' });
    expect(computed?.favoriteCategories[0]).toEqual({ category: 'Shoes', count: 2 });
  });

  it('skips system events but moves the cursor past them', async () => {
    await append(database, [
      { event: 'Price Dropped', properties: { product_id: 'p1' }, at: T0 },
      { event: 'Back In Stock', properties: { product_id: 'p1' }, at: T0 + 1 },
    ]);
    expect((await processor.status()).lagEvents).toBe(2);
    expect((await processor.status()).lagMs).toBe(1000 * MIN);
    await processor.drain();
    const status = await processor.status();
    expect(status).toEqual({ lagEvents: 0, lagMs: 0, cursors: [{ workspaceId: ws, partition: 0, head: 2, cursor: 2, unread: 0 }] });
    expect((await snapshot(database)).profiles).toEqual([]);
  });

  it('resumes from the cursor after a restart without counting anything twice', async () => {
    const list: Fields[] = [];
    for (let i = 0; i < 40; i++) {
      list.push({ event: 'Order Completed', anonymousId: `a${i % 4}`, userId: i % 8 === 0 ? undefined : `u${i % 4}`, properties: { total: 1 }, at: T0 + i * MIN, partition: i % 3 });
    }
    await append(database, list);
    const first = new Processor({ database, clock, batchSize: 5 });
    expect(await first.runOnce()).toBe(15);
    const second = new Processor({ database, clock, batchSize: 7 });
    await second.drain();
    let orders = 0;
    for (let i = 0; i < 4; i++) orders += (await profiles.lookupProfile(ws, 'user_id', `u${i}`))?.computed.orders ?? 0;
    expect(orders).toBe(40);
    const { events } = await snapshot(database);
    expect(events).toHaveLength(40);
  });

  it('replays to the same profiles, identities, timeline and merges', async () => {
    const list: Fields[] = [];
    for (let i = 0; i < 60; i++) {
      const person = i % 6;
      list.push({ event: 'Product Viewed', anonymousId: `anon-${person}`, properties: { product_id: `p${i % 9}`, category: `c${i % 3}`, price: i }, at: T0 + i * MIN, partition: i % 3 });
      if (i % 10 === 5)
        list.push({ type: 'identify', userId: `user-${person % 3}`, anonymousId: `anon-${person}`, traits: { email: `u${person % 3}@x.com`, plan: `p${i}` }, at: T0 + i * MIN + 1, partition: 3 });
      if (i % 7 === 3) list.push({ event: 'Order Completed', anonymousId: `anon-${person}`, properties: { total: i }, at: T0 + i * MIN + 2, partition: i % 3 });
    }
    await append(database, list);
    await processor.drain();
    const before = await snapshot(database);
    expect(before.merges.length).toBeGreaterThan(0);
    const progress: [number, number][] = [];
    const result = await replay(database, ws, { batchSize: 50, concurrency: 1, clock, onProgress: (done, total) => progress.push([done, total]) });
    expect(result.events).toBe(list.length);
    expect(progress.at(-1)).toEqual([list.length, list.length]);
    const after = await snapshot(database);
    expect(after).toEqual(before);
  });

  it('rebuilds the same people when a replay interleaves partitions differently', async () => {
    const list: Fields[] = [];
    for (let i = 0; i < 60; i++) {
      const person = i % 6;
      list.push({ event: 'Product Viewed', anonymousId: `anon-${person}`, properties: { product_id: `p${i % 9}` }, at: T0 + i * MIN, partition: i % 3 });
      if (i % 10 === 5) list.push({ type: 'identify', userId: `user-${person % 3}`, anonymousId: `anon-${person}`, traits: { email: `u${person % 3}@x.com` }, at: T0 + i * MIN + 1, partition: 3 });
    }
    await append(database, list);
    await processor.drain();
    const people = async () => {
      const result: unknown[] = [];
      for (let person = 0; person < 6; person++) {
        const profile = await profiles.lookupProfile(ws, 'anonymous_id', `anon-${person}`);
        // Which transient profiles were merged away depends on the interleaving; the person does
        // not. Session counts are the one aggregate that does (sessions of merged profiles add up).
        const computed = profile === undefined ? undefined : { ...profile.computed, sessions: 0, preferredChannel: null, preferredDevice: null };
        result.push({ ...profile, computed, mergedFrom: undefined, updatedAt: undefined });
      }
      return result;
    };
    const before = await people();
    await replay(database, ws, { batchSize: 3, clock });
    expect(await people()).toEqual(before);
  });

  it('handles a batch larger than the bound-parameter limits', async () => {
    const list: Fields[] = Array.from({ length: 3000 }, (_, i) => ({
      type: 'identify',
      userId: `bulk-${i}`,
      anonymousId: `bulk-anon-${i}`,
      traits: { email: `bulk${i}@x.com`, phone: `+1415555${String(1000 + (i % 9000)).padStart(4, '0')}` },
      at: T0 + i,
    }));
    await append(database, list);
    await new Processor({ database, clock, batchSize: 5000 }).drain();
    const identities = await database.db
      .selectFrom('identities')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(identities.n)).toBe(12000);
    expect((await profiles.lookupProfile(ws, 'email', 'bulk2999@x.com'))?.identities).toHaveLength(4);
  });

  it('lets two processors share partitions and still builds one consistent graph', async () => {
    const list: Fields[] = [];
    const expected = new Map<string, number>();
    for (let i = 0; i < 240; i++) {
      const person = i % 10;
      const partition = Math.floor(i / 10) % 4;
      const anonymousId = `anon-${person}-${partition}`;
      const userId = i % 3 === 0 ? `user-${person}` : undefined;
      list.push({ event: 'Order Completed', anonymousId, ...(userId !== undefined && { userId }), properties: { total: 1 }, at: T0 + i * MIN, partition });
      expected.set(`user-${person}`, (expected.get(`user-${person}`) ?? 0) + 1);
    }
    await append(database, list);
    const a = new Processor({ database, clock, batchSize: 7 });
    const b = new Processor({ database, clock, batchSize: 5 });
    await Promise.all([a.drain(), b.drain()]);
    for (const [user, count] of expected) {
      const profile = await profiles.lookupProfile(ws, 'user_id', user);
      expect(profile?.computed.orders).toBe(count);
      expect(profile?.identities.filter((identity) => identity.type === 'anonymous_id')).toHaveLength(4);
    }
    const stale = await database.db
      .selectFrom('identities as i')
      .innerJoin('profiles as p', (join) => join.onRef('p.workspace_id', '=', 'i.workspace_id').onRef('p.id', '=', 'i.profile_id'))
      .select('i.value')
      .where('p.merged_into', 'is not', null)
      .execute();
    expect(stale).toEqual([]);
    expect((await snapshot(database)).events).toHaveLength(240);
  });

  it('pages the timeline newest first with an opaque cursor', async () => {
    await append(
      database,
      Array.from({ length: 7 }, (_, i) => ({ event: `E${i}`, userId: 'pager', at: T0 + (i % 2 === 0 ? i : 7 - i) * MIN, partition: i % 2 })),
    );
    await processor.drain();
    const id = profileIdFor(ws, { type: 'user_id', value: 'pager' });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const result = await profiles.timeline(ws, id, { limit: 3, ...(cursor !== undefined && { cursor }) });
      seen.push(...(result?.events.map((event) => event.timestamp) ?? []));
      if (result?.nextCursor === null || result === undefined) break;
      cursor = result.nextCursor;
    }
    expect(seen).toHaveLength(7);
    expect([...seen].sort().reverse()).toEqual(seen);
    await expect(profiles.timeline(ws, id, { cursor: 'garbage' })).rejects.toMatchObject({ code: 'profile.cursor_invalid', type: 'invalid_request' });
  });

  it('runs in the background, wakes on demand and reports changed profiles to hooks', async () => {
    const changes: ProfileChanges[] = [];
    // Resolved by the hook itself: the test waits for the commit, not for a guessed delay.
    let committed = (): void => undefined;
    const firstCommit = new Promise<void>((resolve) => (committed = resolve));
    const hook = (change: ProfileChanges) => {
      changes.push(change);
      committed();
    };
    const background = new Processor({ database, clock, pollIntervalMs: 60_000, onCommitted: [hook] });
    background.start();
    await append(database, [{ type: 'identify', userId: 'hooked', anonymousId: 'h-anon', at: T0 }]);
    background.wake();
    await firstCommit;
    await background.stop();
    expect(changes).toEqual([{ workspaceId: ws, partition: 0, fromSeq: 0, toSeq: 1, profileIds: [profileIdFor(ws, { type: 'user_id', value: 'hooked' })], merged: [] }]);
  });

  it('keeps workspaces apart and applies per-workspace identity rules', async () => {
    await append(database, [{ type: 'identify', userId: 'same', traits: { crm_id: 'C1' }, at: T0 }], 'w2');
    await append(database, [{ type: 'identify', userId: 'same', traits: { crm_id: 'C1' }, at: T0 }]);
    const custom = new Processor({ database, clock, identityRules: (workspace) => identityRules(workspace === 'w2' ? { externalIdTraits: { crm_id: 'crm_id' } } : {}) });
    await custom.drain();
    expect(await profiles.lookupProfile('w2', 'crm_id', 'C1')).toBeDefined();
    expect(await profiles.lookupProfile(ws, 'crm_id', 'C1')).toBeUndefined();
    expect((await profiles.lookupProfile(ws, 'user_id', 'same'))?.id).not.toBe((await profiles.lookupProfile('w2', 'user_id', 'same'))?.id);
  });
});
