import fs from 'node:fs';
import path from 'node:path';
import { OutboundGuard, parseAllowList } from '../channels/outbound/guard.js';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChannelShop, type ChannelShop } from '../../test/helpers/channel-shop.js';
import { startSmtpPeer, type SmtpPeer } from '../../test/helpers/channel-peers.js';
import { dialects, tempDir } from '../../test/helpers/databases.js';
import { DuckDbEngine } from '../analytics/duckdb/duckdb-engine.js';
import { analyticsPrivacyHandler } from '../analytics/privacy.js';
import { ExperimentService } from '../experiments/experiment-service.js';
import { PredictiveService } from '../predictive/jobs/predictive-service.js';
import { experimentPrivacyHandler } from '../experiments/privacy.js';
import { createJourneys, type Journeys } from '../journeys/journeys.js';
import { journeyPrivacyHandlers } from '../journeys/privacy.js';
import { StoreRecordingSender } from '../journeys/recording-sender.js';
import { schedulerPrivacyHandler } from '../scheduler/privacy.js';
import { SegmentBackfiller } from '../segments/backfill.js';
import { SegmentEngine } from '../segments/engine.js';
import { segmentPrivacyHandlers } from '../segments/privacy.js';
import { SegmentService } from '../segments/segment-service.js';
import { SmtpEmailProvider } from '../channels/providers/email-smtp.js';
import { InboxProvider } from '../channels/providers/inbox.js';
import { defaultIdentityRules } from '../identity/rules.js';
import { ProfileScores } from '../profiles/profile-scores.js';
import { manualClock } from '../shared/clock.js';
import { upsertPushSubscription } from '../channels/store/channel-endpoints.js';
import type { Database } from '../storage/database.js';
import { SecretBox } from '../shared/secret-box.js';
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
    result.set(
      table,
      rows.map((row) => JSON.stringify(row)),
    );
  }
  return result;
}

/** Every row of every table of the DuckDB analytics replica, as text. */
async function everyReplicaRow(replica: DuckDbEngine): Promise<Map<string, string[]>> {
  const tables = await replica.file.all(`select table_name from information_schema.tables where table_schema = 'main'`);
  const result = new Map<string, string[]>();
  for (const { table_name: table } of tables) {
    const rows = await replica.file.all(`select * from ${String(table)}`);
    result.set(
      String(table),
      rows.map((row) => JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))),
    );
  }
  return result;
}

function leaksIn(tables: Map<string, string[]>, values: readonly string[]): string[] {
  return [...tables.entries()].flatMap(([table, rows]) => rows.filter((row) => values.some((value) => row.includes(value))).map((row) => `${table}: ${row}`));
}

describe.each(dialects)('PrivacyService (%s)', (dialect) => {
  let shop: ChannelShop;
  let smtp: SmtpPeer;
  let privacy: PrivacyService;
  let segmentEngine: SegmentEngine;
  let segments: SegmentService;
  let backfiller: SegmentBackfiller;
  let experiments: ExperimentService;
  let journeys: Journeys;
  let replica: DuckDbEngine;
  let duckDir: string;
  const clock = manualClock(Date.parse('2025-04-01T09:00:00Z'));

  beforeEach(async () => {
    smtp = await startSmtpPeer();
    let engine: SegmentEngine | undefined;
    shop = await createChannelShop(dialect, {
      clock,
      providers: (database) => ({ email: new SmtpEmailProvider({ url: smtp.url, from: 'shop@shop.example' }), inbox: new InboxProvider({ database, clock }) }),
      // Segment membership is committed with each processor batch, as in the server.
      extensions: (database) => {
        engine = new SegmentEngine({ database, clock });
        return [engine.extension()];
      },
    });
    if (engine === undefined) throw new Error('segment engine not built');
    segmentEngine = engine;
    const { database } = shop.store;
    // The audience destination below is on loopback, which only the operator's list opens.
    segments = new SegmentService({ database, engine: segmentEngine, clock, secrets: SecretBox.ephemeral(), guard: new OutboundGuard({ allow: parseAllowList(['127.0.0.1/32']) }) });
    backfiller = new SegmentBackfiller({ database, engine: segmentEngine });
    experiments = new ExperimentService({ database, clock, ingest: shop.ingest });
    // Journeys send through the channels, as in the server (the scheduler is driven by hand).
    journeys = createJourneys({ database, clock, sender: shop.channels, ingest: shop.ingest });
    duckDir = tempDir('rapport-privacy-duck-');
    replica = await DuckDbEngine.open(database, { file: path.join(duckDir, 'analytics.duckdb'), threads: 1 });
    // The same owners as src/rapport.ts registers.
    const registry = new PrivacyRegistry();
    registerCoreHandlers(registry);
    for (const handler of segmentPrivacyHandlers()) registry.register(handler);
    registry.register(experimentPrivacyHandler());
    for (const handler of journeyPrivacyHandlers()) registry.register(handler);
    registry.register(schedulerPrivacyHandler());
    registry.register(analyticsPrivacyHandler(replica));
    privacy = new PrivacyService({ database: shop.store.database, clock, registry, identityRules: () => defaultIdentityRules });
    shop.ingest.setGate(privacy.gate);
  });

  afterEach(async () => {
    await backfiller.stop();
    await segmentEngine.stop();
    await replica.close();
    fs.rmSync(duckDir, { recursive: true, force: true });
    await shop.close();
    await smtp.close();
  });

  /** Processes the log, lets journeys read it, and runs the jobs due now, until quiet. */
  async function settleJourneys(): Promise<void> {
    for (let round = 0; round < 20; round++) {
      await shop.settle();
      const read = await journeys.consumer.drain();
      const ran = await journeys.scheduler.runDue();
      if (read === 0 && ran === 0) return;
    }
    throw new Error('journeys did not settle');
  }

  it('exports everything held about a person, then erases it so nothing is left anywhere, and keeps them from coming back', async () => {
    // Journeys she will be in: a cart journey (an email, a list, then waiting for her order), a
    // birthday journey (a timer keyed on her), a price-drop alert (it records what she carted).
    const cartMail = await shop.templates.create('ws', {
      name: 'Cart',
      channel: 'email',
      source: { default: { subject: 'Your {{ event.name }}, {{ profile.first_name }}', body: '<p>Still yours</p>' } },
    });
    const templateId = cartMail.template.id;
    const journeyDefinitions = [
      {
        name: 'Cart',
        trigger: { type: 'event', event: 'Product Added', entryKey: 'cart_id' },
        start: 'mail',
        nodes: [
          { id: 'mail', type: 'send', channel: 'email', templateId, next: 'tag' },
          { id: 'tag', type: 'list', action: 'add', listId: 'carters', next: 'wait' },
          { id: 'wait', type: 'wait_event', event: 'Order Completed', matchKey: 'cart_id', timeout: { amount: 2, unit: 'days' }, next: 'done', timeoutNext: 'done' },
          { id: 'done', type: 'exit' },
        ],
      },
      {
        name: 'Birthday',
        trigger: { type: 'date', source: 'trait', trait: 'birthday', at: '09:00' },
        start: 'greet',
        nodes: [
          { id: 'greet', type: 'send', channel: 'email', templateId, next: 'done' },
          { id: 'done', type: 'exit' },
        ],
      },
      {
        name: 'Price drop',
        trigger: { type: 'catalog', event: 'Price Dropped', interest: ['viewed', 'carted'], withinDays: 30 },
        start: 'alert',
        nodes: [
          { id: 'alert', type: 'send', channel: 'email', templateId, next: 'done' },
          { id: 'done', type: 'exit' },
        ],
      },
    ];
    for (const definition of journeyDefinitions) await journeys.service.activate('ws', (await journeys.service.create('ws', definition)).id);
    // Ann: a visitor who signed up, bought with a coupon, got an email and an inbox message.
    await shop.track([
      { type: 'page', anonymousId: 'anon-ann-7', name: 'Home' },
      { type: 'identify', anonymousId: 'anon-ann-7', userId: 'ann-42', traits: { email: 'ann.secret@example.com', first_name: 'Annabel', phone: '+14155550199', birthday: '1990-07-15' } },
      { type: 'track', userId: 'ann-42', event: 'Order Completed', properties: { order_id: 'ord-ann-1', revenue: 80, coupon: 'SPRING' } },
      { type: 'track', userId: 'ann-42', event: 'Product Added', properties: { cart_id: 'cart-ann', product_id: 'p-boots', name: 'Trail Boots', price: 95 } },
      { type: 'identify', userId: 'zoe-1', traits: { email: 'zoe@example.com', first_name: 'Zoe' } },
    ]);
    const ann = await shop.profiles.lookupProfile('ws', 'user_id', 'ann-42');
    const zoe = await shop.profiles.lookupProfile('ws', 'user_id', 'zoe-1');
    if (ann === undefined || zoe === undefined) throw new Error('profiles missing');
    await settleJourneys();
    // The cart mail reached her; her run now waits for her order, with a timer.
    expect(smtp.mails.map((mail) => mail.subject)).toEqual(['Your Trail Boots, Annabel']);
    const [cartRun] = await journeys.service.runs('ws', (await journeys.service.list('ws')).find((journey) => journey.name === 'Cart')?.id ?? '');
    expect(cartRun).toMatchObject({ profileId: ann.id, status: 'waiting', nodeId: 'wait' });
    // What the recording delivery keeps for a dry run, and a broadcast scan paused on her id.
    await new StoreRecordingSender({ database: shop.store.database, clock }).send({ workspaceId: 'ws', profileId: ann.id, channel: 'email', templateId, idempotencyKey: 'dry-ann' });
    await journeys.scheduler.schedule({
      workspaceId: 'ws',
      kind: 'journey.audience',
      key: 'journey-audience:paused',
      payload: { journeyId: 'jny_x', occurrence: 0, after: ann.id },
      dueAt: clock.now() + 86_400_000,
    });
    const { template } = await shop.templates.create('ws', { name: 'Hi', channel: 'email', source: { default: { subject: 'Hi {{ profile.first_name }}', body: '<p>Hi</p>' } } });
    const inbox = await shop.templates.create('ws', { name: 'Inbox', channel: 'inbox', source: { default: { title: 'Hello {{ profile.first_name }}', body: 'x' } } });
    const pool = await shop.coupons.createPool('ws', { name: 'P', prefix: 'P-', rule: { kind: 'fixed', offer: { type: 'free_shipping' } } });
    for (const profile of [ann, zoe]) {
      await shop.channels.send({ workspaceId: 'ws', profileId: profile.id, channel: 'email', templateId: template.id, idempotencyKey: `e-${profile.id}`, coupon: { poolId: pool.id } });
      await shop.channels.send({ workspaceId: 'ws', profileId: profile.id, channel: 'inbox', templateId: inbox.template.id, idempotencyKey: `i-${profile.id}` });
    }
    await shop.consent.record('ws', ann.id, { channel: 'email', topic: 'promotions', status: 'unsubscribed', source: 'unsubscribe_page', address: 'ann.secret@example.com' });
    await shop.consent.suppress('ws', 'email', 'ann.secret@example.com', 'complained');
    await shop.store.database.transaction((trx) =>
      upsertPushSubscription(trx, 'ws', { endpoint: 'https://push.example/ann-device', profileId: ann.id, p256dh: 'k', auth: 'a', createdAt: clock.now() }),
    );
    await new ProfileScores({ database: shop.store.database, clock }).write('ws', [{ profileId: ann.id, key: 'predicted_clv', value: 321 }], 'test');
    // Segments: a live segment of buyers with a webhook (a delivery that carries her email, a
    // due time when the 30-day window ends, a Segment Entered event in the log), and a static list.
    await segments.create('ws', {
      name: 'Recent buyers',
      condition: { type: 'event', event: 'Order Completed', window: { type: 'last', amount: 30, unit: 'days' } },
      destination: { url: 'http://127.0.0.1:9/audience' },
    });
    await backfiller.drain();
    const vip = await segments.createStatic('ws', { name: 'VIP list' });
    expect(await segments.uploadList('ws', vip.id, 'email\nann.secret@example.com\nzoe@example.com\n', 'add')).toMatchObject({ matched: 2 });
    // Experiments: one by user id, one by anonymous id (the default unit).
    const metrics = [{ id: 'purchase', kind: 'conversion', event: 'Order Completed', windowHours: 24 }];
    const variants = [
      { key: 'control', weight: 0.5 },
      { key: 'bar', weight: 0.5 },
    ];
    await experiments.create('ws', { key: 'hello-bar', name: 'Hello bar', unit: 'userId', variants, metrics });
    await experiments.create('ws', { key: 'free-shipping', name: 'Free shipping', variants, metrics });
    for (const key of ['hello-bar', 'free-shipping']) await experiments.start('ws', key);
    await experiments.assign('ws', { userId: 'ann-42', anonymousId: 'anon-ann-7' });
    await experiments.assign('ws', { userId: 'zoe-1', anonymousId: 'anon-zoe' });
    // The quarantine: items rejected at ingest, never resolved to a profile.
    const rejected = await shop.ingest.ingest(
      { workspaceId: 'ws', sourceId: null, receivedAt: clock.now() },
      {
        items: [
          { type: 'purchase', userId: ' Ann-42 ', traits: { email: 'ANN.Secret@Example.com', first_name: 'Annabel', phone: '(415) 555-0199' } },
          { type: 'purchase', userId: 'zoe-1', traits: { first_name: 'Zoe' } },
        ],
      },
    );
    expect(rejected.rejected).toHaveLength(2);
    await shop.settle();
    // Predictive: a refresh writes scores (core erases those) and a report of aggregates only.
    const scores = new ProfileScores({ database: shop.store.database, clock });
    expect((await new PredictiveService({ database: shop.store.database, clock, scores }).refresh('ws', { trigger: 'api' })).status).toBe('completed');
    await replica.sync();

    const exportJob = await privacy.requestExport('ws', ann.id, { requestedBy: 'admin:dpo', reason: 'access request #7' });
    await privacy.settled(exportJob.id);
    const document = (await privacy.exportDocument('ws', exportJob.id)) as Record<string, unknown[]>;
    const text = JSON.stringify(document);
    for (const value of ['ann.secret@example.com', 'ord-ann-1', 'anon-ann-7', 'https://push.example/ann-device', 'Hello Annabel', 'promotions', 'predicted_clv']) expect(text).toContain(value);
    expect(JSON.stringify(document.segment_members)).toContain('Recent buyers');
    expect(JSON.stringify(document.segment_members)).toContain('VIP list');
    expect(JSON.stringify(document.journey_runs)).toContain('cart-ann');
    expect(JSON.stringify(document.journey_runs)).toContain('carters');
    expect(JSON.stringify(document.scheduler_jobs)).toContain('journey.date');
    expect(document.experiment_exposures?.map((row) => (row as { experimentKey: string }).experimentKey).sort()).toEqual(['free-shipping', 'hello-bar']);
    expect(document.rejected_events).toHaveLength(1);
    expect(JSON.stringify(document.rejected_events)).toContain('Annabel');
    expect(document.events?.length).toBeGreaterThanOrEqual(4);
    expect(text).not.toContain('zoe@example.com');

    const personal = ['ann-42', 'anon-ann-7', 'ann.secret@example.com', '+14155550199', 'Annabel', 'ann-device', ...(ann.mergedFrom.length > 0 ? ann.mergedFrom : []), ann.id];
    const before = await everyRow(shop.store.database);
    expect([...before.values()].flat().some((row) => row.includes('ann.secret@example.com'))).toBe(true);
    // Every module holds something of hers before the erasure.
    for (const table of [
      'segment_members',
      'segment_history',
      'segment_due',
      'segment_deliveries',
      'experiment_exposures',
      'rejected_events',
      'journey_runs',
      'journey_entries',
      'journey_sends',
      'list_members',
      'product_interest',
      'recorded_messages',
      'jobs',
    ]) {
      expect(leaksIn(new Map([[table, before.get(table) ?? []]]), personal), table).not.toEqual([]);
    }
    expect(before.get('segment_members')?.filter((row) => row.includes(ann.id))).toHaveLength(2);
    expect(before.get('predictive_reports')).toHaveLength(1);
    expect(before.get('events')?.some((row) => row.includes('Segment Entered') && row.includes(ann.id))).toBe(true);
    expect(leaksIn(await everyReplicaRow(replica), [ann.id])).not.toEqual([]);

    const job = await privacy.requestErasure('ws', ann.id, { requestedBy: 'admin:dpo', reason: 'erasure request #8' });
    expect(job.status).toBe('running');
    await privacy.settled(job.id);
    const done = await privacy.job('ws', job.id);
    expect(done).toMatchObject({ status: 'done', kind: 'erase', requestedBy: 'admin:dpo', reason: 'erasure request #8' });
    expect(done.erased?.events).toBeGreaterThanOrEqual(4);
    expect(done.erased?.identities).toBe(4);

    expect(done.erased).toMatchObject({ segment_members: 2, segment_history: 2, segment_due: 1, segment_deliveries: 1, segment_events: 2, experiment_exposures: 2, rejected_events: 1 });
    expect(done.erased?.analytics_replica).toBeGreaterThanOrEqual(6);
    // Journeys: her run with its steps and timer, entry, send, list, interest, dry-run record; her birthday timer; the paused scan moved off her.
    expect(done.erased).toMatchObject({
      journey_entries: 1,
      journey_sends: 1,
      journey_list_members: 1,
      journey_product_interest: 1,
      journey_recorded_messages: 1,
      journey_scan_cursors: 1,
      scheduler_jobs: 1,
    });
    expect(done.erased?.journey_runs).toBeGreaterThanOrEqual(1 + 1 + 3);

    const after = await everyRow(shop.store.database);
    expect(leaksIn(after, personal)).toEqual([]);
    // Steps and run timers name the run, not the person: they are gone with it.
    expect(before.get('journey_steps')?.length).toBeGreaterThan(0);
    expect(after.get('journey_steps')).toEqual([]);
    expect(after.get('jobs')?.filter((row) => row.includes('journey-run:'))).toEqual([]);
    // The paused scan survives, resuming where it was without her id.
    const paused = after
      .get('jobs')
      ?.map((row) => JSON.parse(row) as { key: string; payload: string })
      .find((row) => row.key === 'journey-audience:paused');
    const resumeAt = (JSON.parse(paused?.payload ?? '{}') as { after?: string }).after;
    const remaining = (after.get('profiles') ?? []).map((row) => (JSON.parse(row) as { id: string }).id);
    expect(resumeAt === '' || remaining.includes(resumeAt ?? 'missing')).toBe(true);
    // Nor in the analytics replica, now or after more passes: the log no longer has her to copy.
    expect(leaksIn(await everyReplicaRow(replica), personal)).toEqual([]);
    await replica.sync();
    expect(leaksIn(await everyReplicaRow(replica), personal)).toEqual([]);
    await replica.rebuild();
    const rebuilt = await everyReplicaRow(replica);
    expect(leaksIn(rebuilt, personal)).toEqual([]);
    // Zoe's share of every module is untouched.
    expect(leaksIn(rebuilt, [zoe.id])).not.toEqual([]);
    expect((await segments.members('ws', vip.id)).members.map((member) => member.profileId)).toEqual([zoe.id]);
    expect(after.get('experiment_exposures')).toHaveLength(2);
    expect(after.get('rejected_events')).toHaveLength(1);
    // Zoe is untouched; the coupon report still counts Ann's code, without her.
    expect(await shop.profiles.lookupProfile('ws', 'user_id', 'zoe-1')).toBeDefined();
    expect(after.get('messages')?.length).toBe(2);
    expect((await shop.coupons.report('ws'))[0]).toMatchObject({ issued: 2 });
    await expect(privacy.exportDocument('ws', exportJob.id)).rejects.toThrow(/removed by a later erasure/);

    // The same identifiers do not bring her back...
    await shop.track([
      { type: 'track', userId: 'ann-42', event: 'Product Viewed', properties: { product_id: 'p1' } },
      { type: 'page', anonymousId: 'anon-ann-7' },
    ]);
    expect(await shop.profiles.lookupProfile('ws', 'user_id', 'ann-42')).toBeUndefined();
    expect(await shop.profiles.lookupProfile('ws', 'anonymous_id', 'anon-ann-7')).toBeUndefined();
    // ...until she opts in again.
    await shop.track([{ type: 'identify', userId: 'ann-42', traits: { email: 'ann.secret@example.com', email_consent: true } }]);
    const back = await shop.profiles.lookupProfile('ws', 'user_id', 'ann-42');
    expect(back?.consent.email.status).toBe('subscribed');

    // An erasure made by another process (which does not hold the replica) is applied by the
    // replica's next pass: it sees the count of erasures move and drops what the store lost.
    await replica.sync();
    expect(leaksIn(await everyReplicaRow(replica), [zoe.id])).not.toEqual([]);
    const elsewhere = new PrivacyRegistry();
    registerCoreHandlers(elsewhere);
    for (const handler of segmentPrivacyHandlers()) elsewhere.register(handler);
    elsewhere.register(experimentPrivacyHandler());
    const otherProcess = new PrivacyService({ database: shop.store.database, clock, registry: elsewhere, identityRules: () => defaultIdentityRules });
    const zoeJob = await otherProcess.requestErasure('ws', zoe.id, { requestedBy: 'admin:dpo' });
    await otherProcess.settled(zoeJob.id);
    expect(await otherProcess.job('ws', zoeJob.id)).toMatchObject({ status: 'done' });
    expect(leaksIn(await everyReplicaRow(replica), [zoe.id])).not.toEqual([]);
    await replica.sync();
    expect(leaksIn(await everyReplicaRow(replica), [zoe.id, 'zoe-1', 'zoe@example.com'])).toEqual([]);
    expect(leaksIn(await everyRow(shop.store.database), [zoe.id, 'zoe-1', 'zoe@example.com', 'anon-zoe'])).toEqual([]);
  });

  it('fails an erasure of an unknown profile with the reason in the audit record', async () => {
    const job = await privacy.requestErasure('ws', 'prf_nobody', { requestedBy: 'admin:dpo' });
    await privacy.settled(job.id);
    expect(await privacy.job('ws', job.id)).toMatchObject({ status: 'failed', error: 'no profile prf_nobody' });
  });

  it("gates another server's erasure once its list of tombstoned workspaces is older than the refresh interval, with no timer", async () => {
    await shop.track([{ type: 'identify', userId: 'bo-1', traits: { email: 'bo@example.com' } }]);
    const bo = await shop.profiles.lookupProfile('ws', 'user_id', 'bo-1');
    if (bo === undefined) throw new Error('bo-1 has no profile');
    const registry = new PrivacyRegistry();
    registerCoreHandlers(registry);
    const otherServer = new PrivacyService({ database: shop.store.database, clock, registry, identityRules: () => defaultIdentityRules, tombstoneRefreshMs: 10_000 });
    await otherServer.refresh();
    const job = await privacy.requestErasure('ws', bo.id, { requestedBy: 'admin:dpo' });
    await privacy.settled(job.id);
    const payload = { type: 'track', messageId: 'm-bo', userId: 'bo-1', event: 'Product Viewed', context: {}, timestamp: '2025-04-01T09:00:00.000Z', receivedAt: '2025-04-01T09:00:00.000Z' };
    const row = {
      partition: 0,
      messageId: 'm-bo',
      type: 'track',
      event: 'Product Viewed',
      userId: 'bo-1',
      anonymousId: null,
      timestamp: 0,
      receivedAt: 0,
      sourceId: null,
      payload: JSON.stringify(payload),
    };
    // This server erased her: its gate knows at once. The other one read the list just now.
    expect(await privacy.gate('ws', [row])).toEqual([]);
    expect(await otherServer.gate('ws', [row])).toEqual([row]);
    clock.advance(9_999);
    expect(await otherServer.gate('ws', [row])).toEqual([row]);
    clock.advance(1);
    expect(await otherServer.gate('ws', [row])).toEqual([]);
  });
});
