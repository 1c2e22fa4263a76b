import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChannelShop, type ChannelShop } from '../../test/helpers/channel-shop.js';
import { startSmtpPeer, type SmtpPeer } from '../../test/helpers/channel-peers.js';
import { dialects } from '../../test/helpers/databases.js';
import { SmtpEmailProvider } from '../channels/providers/email-smtp.js';
import { InboxProvider } from '../channels/providers/inbox.js';
import { defaultIdentityRules } from '../identity/rules.js';
import { ProfileScores } from '../profiles/profile-scores.js';
import { manualClock } from '../shared/clock.js';
import { upsertPushSubscription } from '../storage/repositories/channel-endpoints.js';
import type { Database } from '../storage/database.js';
import { registerCoreHandlers } from './core-handlers.js';
import { PrivacyRegistry } from './privacy-registry.js';
import { PrivacyService } from './privacy-service.js';

/** Every row of every table, as text, so a test can prove a value is gone everywhere. */
async function everyRow(database: Database): Promise<Map<string, string[]>> {
  const tables =
    database.dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(database.db)).rows.map((row) => row.name)
      : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(database.db)).rows.map((row) => row.name);
  const result = new Map<string, string[]>();
  for (const table of tables) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(database.db)).rows;
    result.set(table, rows.map((row) => JSON.stringify(row)));
  }
  return result;
}

describe.each(dialects)('PrivacyService (%s)', (dialect) => {
  let shop: ChannelShop;
  let smtp: SmtpPeer;
  let privacy: PrivacyService;
  const clock = manualClock(Date.parse('2025-04-01T09:00:00Z'));

  beforeEach(async () => {
    smtp = await startSmtpPeer();
    shop = await createChannelShop(dialect, {
      clock,
      providers: (database) => ({ email: new SmtpEmailProvider({ url: smtp.url, from: 'shop@shop.example' }), inbox: new InboxProvider({ database, clock }) }),
    });
    const registry = new PrivacyRegistry();
    registerCoreHandlers(registry);
    privacy = new PrivacyService({ database: shop.store.database, clock, registry, identityRules: () => defaultIdentityRules });
    shop.ingest.setGate(privacy.gate);
  });

  afterEach(async () => {
    await shop.close();
    await smtp.close();
  });

  it('exports everything held about a person, then erases it so nothing is left anywhere, and keeps them from coming back', async () => {
    // Ann: a visitor who signed up, bought with a coupon, got an email and an inbox message.
    await shop.track([
      { type: 'page', anonymousId: 'anon-ann-7', name: 'Home' },
      { type: 'identify', anonymousId: 'anon-ann-7', userId: 'ann-42', traits: { email: 'ann.secret@example.com', first_name: 'Annabel', phone: '+14155550199' } },
      { type: 'track', userId: 'ann-42', event: 'Order Completed', properties: { order_id: 'ord-ann-1', revenue: 80, coupon: 'SPRING' } },
      { type: 'identify', userId: 'zoe-1', traits: { email: 'zoe@example.com', first_name: 'Zoe' } },
    ]);
    const ann = await shop.profiles.lookupProfile('ws', 'user_id', 'ann-42');
    const zoe = await shop.profiles.lookupProfile('ws', 'user_id', 'zoe-1');
    if (ann === undefined || zoe === undefined) throw new Error('profiles missing');
    const { template } = await shop.templates.create('ws', { name: 'Hi', channel: 'email', source: { default: { subject: 'Hi {{ profile.first_name }}', body: '<p>Hi</p>' } } });
    const inbox = await shop.templates.create('ws', { name: 'Inbox', channel: 'inbox', source: { default: { title: 'Hello {{ profile.first_name }}', body: 'x' } } });
    const pool = await shop.coupons.createPool('ws', { name: 'P', prefix: 'P-', rule: { kind: 'fixed', offer: { type: 'free_shipping' } } });
    for (const profile of [ann, zoe]) {
      await shop.channels.send({ workspaceId: 'ws', profileId: profile.id, channel: 'email', templateId: template.id, idempotencyKey: `e-${profile.id}`, coupon: { poolId: pool.id } });
      await shop.channels.send({ workspaceId: 'ws', profileId: profile.id, channel: 'inbox', templateId: inbox.template.id, idempotencyKey: `i-${profile.id}` });
    }
    await shop.consent.record('ws', ann.id, { channel: 'email', topic: 'promotions', status: 'unsubscribed', source: 'unsubscribe_page', address: 'ann.secret@example.com' });
    await shop.consent.suppress('ws', 'email', 'ann.secret@example.com', 'complained');
    await shop.store.database.transaction((trx) => upsertPushSubscription(trx, 'ws', { endpoint: 'https://push.example/ann-device', profileId: ann.id, p256dh: 'k', auth: 'a', createdAt: clock.now() }));
    await new ProfileScores({ database: shop.store.database, clock }).write('ws', [{ profileId: ann.id, key: 'predicted_clv', value: 321 }], 'test');
    await shop.settle();

    const exportJob = await privacy.requestExport('ws', ann.id, { requestedBy: 'admin:dpo', reason: 'access request #7' });
    await privacy.settled(exportJob.id);
    const document = (await privacy.exportDocument('ws', exportJob.id)) as Record<string, unknown[]>;
    const text = JSON.stringify(document);
    for (const value of ['ann.secret@example.com', 'ord-ann-1', 'anon-ann-7', 'https://push.example/ann-device', 'Hello Annabel', 'promotions', 'predicted_clv']) expect(text).toContain(value);
    expect(document.events?.length).toBeGreaterThanOrEqual(4);
    expect(text).not.toContain('zoe@example.com');

    const personal = ['ann-42', 'anon-ann-7', 'ann.secret@example.com', '+14155550199', 'Annabel', 'ann-device', ...(ann.mergedFrom.length > 0 ? ann.mergedFrom : []), ann.id];
    const before = await everyRow(shop.store.database);
    expect([...before.values()].flat().some((row) => row.includes('ann.secret@example.com'))).toBe(true);

    const job = await privacy.requestErasure('ws', ann.id, { requestedBy: 'admin:dpo', reason: 'erasure request #8' });
    expect(job.status).toBe('running');
    await privacy.settled(job.id);
    const done = await privacy.job('ws', job.id);
    expect(done).toMatchObject({ status: 'done', kind: 'erase', requestedBy: 'admin:dpo', reason: 'erasure request #8' });
    expect(done.erased?.events).toBeGreaterThanOrEqual(4);
    expect(done.erased?.identities).toBe(4);

    const after = await everyRow(shop.store.database);
    const leaks = [...after.entries()].flatMap(([table, rows]) => rows.filter((row) => personal.some((value) => row.includes(value))).map((row) => `${table}: ${row}`));
    expect(leaks).toEqual([]);
    // Zoe is untouched; the coupon report still counts Ann's code, without her.
    expect(await shop.profiles.lookupProfile('ws', 'user_id', 'zoe-1')).toBeDefined();
    expect(after.get('messages')?.length).toBe(2);
    expect((await shop.coupons.report('ws'))[0]).toMatchObject({ issued: 2 });
    await expect(privacy.exportDocument('ws', exportJob.id)).rejects.toThrow(/removed by a later erasure/);

    // The same identifiers do not bring her back...
    await shop.track([{ type: 'track', userId: 'ann-42', event: 'Product Viewed', properties: { product_id: 'p1' } }, { type: 'page', anonymousId: 'anon-ann-7' }]);
    expect(await shop.profiles.lookupProfile('ws', 'user_id', 'ann-42')).toBeUndefined();
    expect(await shop.profiles.lookupProfile('ws', 'anonymous_id', 'anon-ann-7')).toBeUndefined();
    // ...until she opts in again.
    await shop.track([{ type: 'identify', userId: 'ann-42', traits: { email: 'ann.secret@example.com', email_consent: true } }]);
    const back = await shop.profiles.lookupProfile('ws', 'user_id', 'ann-42');
    expect(back?.consent.email.status).toBe('subscribed');
  });

  it('fails an erasure of an unknown profile with the reason in the audit record', async () => {
    const job = await privacy.requestErasure('ws', 'prf_nobody', { requestedBy: 'admin:dpo' });
    await privacy.settled(job.id);
    expect(await privacy.job('ws', job.id)).toMatchObject({ status: 'failed', error: 'no profile prf_nobody' });
  });
});
