import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { manualClock } from '../../src/shared/clock.js';
import { starterTemplates } from '../../src/templates/starters.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/channel-peers.js';
import { createTestStore, dialects, tempDir, type TestStore } from '../helpers/databases.js';
import { basicAuth } from '../helpers/server.js';

/*
 * Issue 13: without SMTP, email goes to a built-in outbox that keeps each rendered message and
 * shows it through the API; with SMTP, to the server. The workspace brand (admin API) names the
 * shop in the email, its From header, its cart link, the unsubscribe page and the digest.
 */

const T0 = Date.parse('2026-11-30T12:00:00Z');
const admin = { authorization: 'Bearer ADM' };
const sdk = { authorization: basicAuth('WK') };
const brand = {
  shopName: 'Alpine Outfitters',
  shopUrl: 'https://alpine.example',
  logoUrl: 'https://alpine.example/logo.png',
  colors: { primary: '#0b7a5c' },
  postalAddress: '12 Glacier Road, 3920 Zermatt, Switzerland',
  senderName: 'Alpine Outfitters',
  senderEmail: 'hello@alpine.example',
};

interface OutboxList {
  delivery: string;
  messages: { id: string; profileId: string; to: string; from: string; subject: string; htmlUrl: string | null }[];
  nextBefore: string | null;
}

async function open(store: TestStore, dataDir: string, clock: ReturnType<typeof manualClock>, extra: Record<string, string> = {}): Promise<Rapport> {
  const env: Record<string, string> = {
    RAPPORT_DATA_DIR: dataDir,
    RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK',
    RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM',
    RAPPORT_LOG_LEVEL: 'silent',
    RAPPORT_PUBLIC_URL: 'https://rapport.shop.test',
    RAPPORT_ANALYTICS_SYNC_MS: '0',
    RAPPORT_RECS_RETRAIN_MINUTES: '0',
    RAPPORT_OUTBOX_KEEP: '3',
    RAPPORT_OUTBOX_DAYS: '2',
    ...extra,
  };
  if (store.databaseUrl !== undefined) env.RAPPORT_DATABASE_URL = store.databaseUrl;
  return createRapport(loadConfig(env), { processor: 'inline', clock, logger: false });
}

describe.each(dialects)('built-in outbox and brand on %s', (dialect) => {
  let store: TestStore;
  let rapport: Rapport;
  let dataDir: string;
  let ann: string;
  const clock = manualClock(T0);

  const inject = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = admin) =>
    rapport.app.inject({
      method,
      url,
      headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });

  beforeAll(async () => {
    store = await createTestStore(dialect);
    dataDir = dialect === 'sqlite' ? store.dataDir : tempDir();
    rapport = await open(store, dataDir, clock);
    const starter = starterTemplates.find((entry) => entry.key === 'cart_reminder');
    if (starter === undefined) throw new Error('no cart_reminder starter');
    await rapport.messaging.templates.create('default', { name: starter.name, channel: starter.channel, source: starter.source }, 'cart-reminder');
    await rapport.catalog.upsertProducts('default', [
      { id: 'jacket', name: 'Alpine Rain Jacket', price: 120, currency: 'EUR', url: 'https://alpine.example/p/jacket', image_url: 'https://alpine.example/i/jacket.jpg' },
    ]);
    expect((await inject('POST', '/v1/identify', { userId: 'ann', traits: { email: 'ann@example.com', first_name: 'Ann', email_consent: true } }, sdk)).statusCode).toBe(200);
    expect(
      (
        await inject(
          'POST',
          '/v1/track',
          { userId: 'ann', event: 'Product Added', properties: { cart_id: 'cart-ann', product_id: 'jacket', name: 'Alpine Rain Jacket', price: 120, quantity: 1 } },
          sdk,
        )
      ).statusCode,
    ).toBe(200);
    await rapport.processor.drain();
    const profile = await rapport.profiles.lookupProfile('default', 'user_id', 'ann');
    if (profile === undefined) throw new Error('ann was not processed');
    ann = profile.id;
  });

  afterAll(async () => {
    await rapport?.close();
    await store?.drop();
    if (dialect !== 'sqlite') fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const send = async (key: string) => {
    const response = await inject('POST', '/api/v1/channels/send', { profileId: ann, channel: 'email', templateId: 'cart-reminder', idempotencyKey: key });
    expect(response.statusCode).toBe(200);
    const result = response.json<{ status: string; messageId: string; reason?: string }>();
    expect(result).toMatchObject({ status: 'sent' });
    return result;
  };

  it('rejects a brand with a non-http URL or a colour that is not hex, naming the field', async () => {
    const script = await inject('PUT', '/api/v1/settings/brand', { ...brand, shopUrl: 'javascript:alert(1)' });
    expect(script.statusCode).toBe(400);
    expect(script.json<{ error: { issues: { field: string }[] } }>().error.issues[0]?.field).toBe('shopUrl');
    const colour = await inject('PUT', '/api/v1/settings/brand', { ...brand, colors: { primary: 'red' } });
    expect(colour.statusCode).toBe(400);
    expect(JSON.stringify(colour.json())).toContain('colors.primary');
    expect(JSON.stringify(colour.json())).toContain('#2f6fed');
    const unbranded = await inject('GET', '/api/v1/settings/brand');
    expect(unbranded.json()).toMatchObject({ configured: false, shopUrl: null });
  });

  it('keeps a rendered, branded message in the outbox and shows it through the API', async () => {
    const saved = await inject('PUT', '/api/v1/settings/brand', brand);
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ configured: true, shopName: 'Alpine Outfitters', colors: { primary: '#0b7a5c', text: '#1f2933' } });
    const result = await send('k-1');
    expect(result.status).toBe('sent');

    const list = (await inject('GET', '/api/v1/outbox')).json<OutboxList>();
    expect(list.delivery).toBe('outbox');
    expect(list.messages.map((message) => [message.id, message.to, message.from, message.subject])).toEqual([
      [result.messageId, 'ann@example.com', '"Alpine Outfitters" <hello@alpine.example>', 'Ann, your cart is waiting'],
    ]);
    const one = (await inject('GET', `/api/v1/outbox/${result.messageId}`)).json<{ html: string; text: string; headers: Record<string, string> }>();
    expect(one.headers['List-Unsubscribe']).toMatch(/^<https:\/\/rapport\.shop\.test\/v1\/u\//);
    expect(one.text).toContain('Alpine Rain Jacket');
    expect(one.text).toContain('12 Glacier Road');
    expect(one.text).not.toMatch(/&[a-z]+;|&#\d+;|<[a-z]/i);
    expect(one.html).toContain('alt="Alpine Rain Jacket"');
    expect(one.html).toContain('alt="Alpine Outfitters"');

    const html = await inject('GET', `/api/v1/outbox/${result.messageId}/html`);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['content-security-policy']).toContain('sandbox');
    expect(html.body).toBe(one.html);
    expect((await inject('GET', '/api/v1/outbox/msg_nope')).statusCode).toBe(404);

    // The unsubscribe page carries the brand, not "Our shop".
    const unsubscribe = /<(https:\/\/rapport\.shop\.test(\/v1\/u\/[^>]+))>/.exec(one.headers['List-Unsubscribe'] ?? '')?.[2];
    const page = await rapport.app.inject({ method: 'GET', url: unsubscribe ?? '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>Alpine Outfitters: your email preferences</title>');
    expect(page.body).toContain('12 Glacier Road');
    expect(page.body).not.toContain('Our shop');
  });

  it('runs a double opt-in through the outbox to a branded confirmation page', async () => {
    const starter = starterTemplates.find((entry) => entry.key === 'double_opt_in');
    if (starter === undefined) throw new Error('no double_opt_in starter');
    await rapport.messaging.templates.create('default', { name: starter.name, channel: starter.channel, source: starter.source }, 'confirm');
    const started = await inject('POST', `/api/v1/profiles/${ann}/double-opt-in`, { templateId: 'confirm' });
    expect(started.json()).toMatchObject({ status: 'sent' });
    const { messageId } = started.json<{ messageId: string }>();
    const one = (await inject('GET', `/api/v1/outbox/${messageId}`)).json<{ text: string }>();
    const confirm = /https:\/\/rapport\.shop\.test(\/v1\/confirm\/\S+?)\)/.exec(one.text)?.[1];
    expect(confirm).toBeDefined();
    // The person confirms a minute later (the consent ledger orders its records by time).
    clock.advance(60_000);
    const page = await rapport.app.inject({ method: 'GET', url: confirm ?? '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>Alpine Outfitters: Subscription confirmed</title>');
    expect(page.body).toContain('alt="Alpine Outfitters"');
    // The confirmation reaches the profile through the event log: later sends see it.
    await rapport.processor.drain();
    expect((await rapport.profiles.getProfile('default', ann))?.consent.email.status).toBe('subscribed');
  });

  it('test sends to a colleague come from the brand sender too', async () => {
    const result = await rapport.messaging.channels.testSend('default', 'cart-reminder', { profileId: ann, to: 'colleague@alpine.example' });
    expect(result.status).toBe('sent');
    const list = (await inject('GET', '/api/v1/outbox?to=colleague@alpine.example')).json<OutboxList>();
    expect(list.messages.map((message) => [message.from, message.subject])).toEqual([['"Alpine Outfitters" <hello@alpine.example>', '[TEST] Ann, your cart is waiting']]);
  });

  it('restores the cart from the cart event or the brand pattern', async () => {
    const result = await send('k-cart');
    const one = (await inject('GET', `/api/v1/outbox/${result.messageId}`)).json<{ text: string }>();
    // Tracking wraps links in the HTML; the text part keeps the address itself.
    expect(one.text).toContain('https://alpine.example/cart?restore=cart-ann');
    expect(one.text).not.toContain('example.com/cart');
  });

  it('is bounded by count and by age', async () => {
    for (const key of ['k-2', 'k-3', 'k-4']) await send(key);
    expect((await inject('GET', '/api/v1/outbox?limit=200')).json<OutboxList>().messages.length).toBeGreaterThan(3);
    await rapport.messaging.outbox.prune('default');
    const kept = (await inject('GET', '/api/v1/outbox')).json<OutboxList>().messages;
    expect(kept).toHaveLength(3);
    const page = (await inject('GET', '/api/v1/outbox?limit=2')).json<OutboxList>();
    expect(page.messages.map((message) => message.id)).toEqual(kept.slice(0, 2).map((message) => message.id));
    const rest = (await inject('GET', `/api/v1/outbox?limit=2&before=${encodeURIComponent(page.nextBefore ?? '')}`)).json<OutboxList>();
    expect(rest.messages.map((message) => message.id)).toEqual(kept.slice(2).map((message) => message.id));
    clock.advance(3 * 86_400_000);
    await rapport.messaging.outbox.prune('default');
    expect((await inject('GET', '/api/v1/outbox')).json<OutboxList>().messages).toEqual([]);
  });

  it('erasure removes what the outbox holds about the person', async () => {
    await send('k-erase');
    expect((await inject('GET', `/api/v1/outbox?profileId=${ann}`)).json<OutboxList>().messages).toHaveLength(1);
    const started = await inject('POST', '/api/v1/privacy/erasures', { profileId: ann, reason: 'request' });
    expect(started.statusCode).toBe(202);
    const { id } = started.json<{ id: string }>();
    await rapport.privacy.settled(id);
    const job = (await inject('GET', `/api/v1/privacy/jobs/${id}`)).json<{ status: string; erased: Record<string, number> }>();
    expect(job.status).toBe('done');
    expect(job.erased.outbox_messages).toBe(1);
    expect((await inject('GET', '/api/v1/outbox')).json<OutboxList>().messages).toEqual([]);
  });
});

describe.each(dialects)('email with SMTP configured on %s', (dialect) => {
  let store: TestStore;
  let smtp: SmtpPeer;
  let rapport: Rapport;
  let dataDir: string;

  beforeAll(async () => {
    store = await createTestStore(dialect);
    smtp = await startSmtpPeer();
    dataDir = dialect === 'sqlite' ? store.dataDir : tempDir();
    rapport = await open(store, dataDir, manualClock(T0), { RAPPORT_SMTP_URL: smtp.url });
  });

  afterAll(async () => {
    await rapport?.close();
    await smtp?.close();
    await store?.drop();
    if (dialect !== 'sqlite') fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('goes to the SMTP server with the brand sender, not to the outbox', async () => {
    await rapport.messaging.brands.put('default', brand);
    await rapport.messaging.templates.create(
      'default',
      { name: 'Hello', channel: 'email', source: { default: { subject: 'Hello from {{ brand.name }}', body: '<p>Hi</p>', format: 'html' } } },
      'hello',
    );
    await rapport.ingest.ingest({ workspaceId: 'default', sourceId: null, receivedAt: T0 }, { items: [{ type: 'identify', userId: 'bo', traits: { email: 'bo@example.com', email_consent: true } }] });
    await rapport.processor.drain();
    const bo = await rapport.profiles.lookupProfile('default', 'user_id', 'bo');
    if (bo === undefined) throw new Error('bo was not processed');
    const result = await rapport.messaging.channels.send({ workspaceId: 'default', profileId: bo.id, channel: 'email', templateId: 'hello', idempotencyKey: 'smtp-1' });
    expect(result.status).toBe('sent');
    const [mail] = await smtp.waitFor(1);
    expect(mail?.subject).toBe('Hello from Alpine Outfitters');
    expect(mail?.from?.value[0]).toMatchObject({ name: 'Alpine Outfitters', address: 'hello@alpine.example' });
    const list = (await rapport.app.inject({ method: 'GET', url: '/api/v1/outbox', headers: admin })).json<OutboxList>();
    expect(list).toEqual({ delivery: 'smtp', messages: [], nextBefore: null });
  });
});
