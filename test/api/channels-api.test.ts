import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { signWebhook } from '../../src/channels/standard-webhooks.js';
import { startPushPeer, startSmtpPeer, startTwilioPeer, startWebhookPeer, type HttpPeer, type SmtpPeer } from '../helpers/channel-peers.js';
import { tempDir } from '../helpers/databases.js';
import { basicAuth } from '../helpers/server.js';

/*
 * The channels through the real HTTP API of a real Rapport: SDK push subscription and inbox,
 * web push decrypted by a local push service, signed webhooks and the private-address guard,
 * Twilio inbound STOP and delivery callbacks (signed as Twilio signs them), and signed email
 * bounce callbacks. Each peer is a real server on loopback.
 */

const PUBLIC_URL = 'https://rapport.shop.test';
const EVENTS_SECRET = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');

describe('channels API', () => {
  let rapport: Rapport;
  let smtp: SmtpPeer;
  let twilio: HttpPeer & { messages(): URLSearchParams[] };
  let push: Awaited<ReturnType<typeof startPushPeer>>;
  const admin = { authorization: 'Bearer ADM' };
  const sdk = { authorization: basicAuth('WK') };
  let ann = '';

  async function call<T = Record<string, unknown>>(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = admin): Promise<{ status: number; body: T }> {
    const response = await rapport.app.inject({
      method,
      url,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: (response.body === '' ? {} : JSON.parse(response.body)) as T };
  }

  async function template(channel: string, source: unknown): Promise<string> {
    const created = await call<{ id: string }>('POST', '/api/v1/templates', { name: `${channel} t`, channel, source });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  beforeAll(async () => {
    smtp = await startSmtpPeer();
    twilio = await startTwilioPeer('AC9', 'twilio-token-secret');
    push = await startPushPeer();
    rapport = await createRapport(
      loadConfig({
        RAPPORT_DATA_DIR: tempDir(),
        RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK',
        RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM',
        RAPPORT_LOG_LEVEL: 'silent',
        RAPPORT_SMTP_URL: smtp.url,
        RAPPORT_PUBLIC_URL: PUBLIC_URL,
        RAPPORT_TWILIO_BASE_URL: twilio.url,
        RAPPORT_TWILIO_ACCOUNT_SID: 'AC9',
        RAPPORT_TWILIO_AUTH_TOKEN: 'twilio-token-secret',
        RAPPORT_SMS_FROM: '+15005550006',
        RAPPORT_EMAIL_EVENTS_SECRET: EVENTS_SECRET,
        RAPPORT_SEND_ATTEMPTS: '2',
        RAPPORT_SEND_BACKOFF_MS: '1',
        // The peers listen on 127.0.0.1: the operator opens that address only.
        RAPPORT_OUTBOUND_ALLOW: '127.0.0.1/32',
      }),
      { processor: 'inline' },
    );
    expect(
      (await call('POST', '/v1/identify', { userId: 'ann', anonymousId: 'anon-1', traits: { email: 'ann@example.com', phone: '+14155550123', first_name: 'Ann', sms_consent: true } }, sdk)).status,
    ).toBe(200);
    await rapport.processor.drain();
    ann = (await call<{ id: string }>('GET', '/api/v1/profiles/lookup?type=user_id&value=ann')).body.id;
  });

  afterAll(async () => {
    await rapport?.close();
    await Promise.all([smtp?.close(), twilio?.close(), push?.close()]);
  });

  it('registers a push subscription from the SDK and delivers encrypted pushes until the subscription is gone', async () => {
    const vapid = await call<{ publicKey: string }>('GET', '/v1/push/vapid-public-key', undefined, {});
    expect(vapid.body.publicKey).toMatch(/^[\w-]{87}$/);
    // Push services are https; the local one is plain http, so it is registered directly in the store.
    const refused = await call('POST', '/v1/push/subscriptions', { anonymousId: 'anon-1', subscription: push.subscription() }, sdk);
    expect(refused.status).toBe(400);
    const subscription = push.subscription('/push/ann');
    await rapport.messaging.channels.registerPushSubscription('default', ann, { endpoint: subscription.endpoint, ...subscription.keys });
    await rapport.messaging.consent.record('default', ann, { channel: 'push', status: 'subscribed', source: 'test' });
    await rapport.processor.drain();
    const templateId = await template('push', { default: { title: 'Hi {{ profile.first_name }}', body: 'Your cart misses you', url: 'https://shop.example/cart' } });
    const sent = await call<{ status: string; messageId: string }>('POST', '/api/v1/channels/send', { profileId: ann, channel: 'push', templateId, idempotencyKey: 'push-1' });
    expect(sent.body.status).toBe('sent');
    expect(push.decrypted()[0]?.payload).toEqual({ title: 'Hi Ann', body: 'Your cart misses you', url: 'https://shop.example/cart', messageId: sent.body.messageId });
    push.status = 410;
    expect((await call('POST', '/api/v1/channels/send', { profileId: ann, channel: 'push', templateId, idempotencyKey: 'push-2' })).body).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/gone \(410\)/),
    });
    expect((await call('POST', '/api/v1/channels/send', { profileId: ann, channel: 'push', templateId, idempotencyKey: 'push-3' })).body).toMatchObject({
      status: 'suppressed',
      reason: 'no_address:push',
    });
  });

  it('signs webhooks and refuses private destinations the operator did not allow', async () => {
    const optIn = await call<{ error: { issues: { field: string }[] } }>('POST', '/api/v1/channels/webhooks', { url: 'http://127.0.0.2:9/hook', allowPrivate: true });
    expect(optIn.status).toBe(400);
    expect(optIn.body.error.issues).toEqual([expect.objectContaining({ field: 'allowPrivate', rule: 'operator' })]);
    // Outside the operator's range: refused when it is added, naming the field.
    const closed = await call<{ error: { message: string; issues: { field: string }[] } }>('POST', '/api/v1/channels/webhooks', { url: 'http://127.0.0.2:9/hook' });
    expect(closed.status).toBe(400);
    expect(closed.body.error.issues[0]?.field).toBe('url');
    expect(closed.body.error.message).toMatch(/127\.0\.0\.2 is a loopback address; only the server operator can allow it/);
    const templateId = await template('webhook', { default: { body: '{"event":"cart_reminder","email":{{ profile.email | json }},"name":{{ profile.first_name | json }}}' } });

    // A receiver holding another secret must see the signature fail.
    const peer = await startWebhookPeer(EVENTS_SECRET);
    try {
      const relay = await call<{ id: string; secret: string }>('POST', '/api/v1/channels/webhooks', { url: `${peer.url}/hook` });
      expect(relay.body.secret).toMatch(/^whsec_/);
      const listed = JSON.stringify((await call('GET', '/api/v1/channels/webhooks')).body);
      expect(listed).not.toContain('whsec_');
      const sent = await call<{ status: string }>('POST', '/api/v1/channels/send', { profileId: ann, channel: 'webhook', templateId, idempotencyKey: 'wh-2', data: { destinationId: relay.body.id } });
      expect(sent.body.status).toBe('sent');
      expect(peer.verified()).toEqual([expect.objectContaining({ valid: false, body: { event: 'cart_reminder', email: 'ann@example.com', name: 'Ann' } })]);
    } finally {
      await peer.close();
    }
  });

  it('delivers a signed webhook the receiver verifies', async () => {
    const peerHolder: { close?: () => Promise<void> } = {};
    // Create the destination first (its secret is generated by Rapport), then start a receiver with that secret on a known port.
    const closedPeer = await startWebhookPeer(EVENTS_SECRET);
    const url = `${closedPeer.url}/hook`;
    await closedPeer.close();
    const destination = await call<{ id: string; secret: string }>('POST', '/api/v1/channels/webhooks', { url });
    const port = Number(new URL(url).port);
    const { default: http } = await import('node:http');
    const bodies: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        bodies.push({ headers: req.headers, body });
        res.writeHead(bodies.length === 1 ? 503 : 200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    peerHolder.close = () => new Promise((resolve) => server.close(() => resolve()));
    try {
      const templateId = await template('webhook', { default: { body: '{"name":{{ profile.first_name | json }}}' } });
      const sent = await call<{ status: string; messageId: string }>('POST', '/api/v1/channels/send', {
        profileId: ann,
        channel: 'webhook',
        templateId,
        idempotencyKey: 'wh-3',
        data: { destinationId: destination.body.id },
      });
      expect(sent.body.status).toBe('sent');
      // First attempt answered 503: retried once with the same webhook-id.
      expect(bodies).toHaveLength(2);
      const last = bodies[1];
      expect(last?.body).toBe('{"name":"Ann"}');
      const id = String(last?.headers['webhook-id']);
      const timestamp = String(last?.headers['webhook-timestamp']);
      expect(id).toBe(sent.body.messageId);
      expect(String(bodies[0]?.headers['webhook-id'])).toBe(id);
      const expected = createHmac('sha256', Buffer.from(destination.body.secret.slice(6), 'base64'))
        .update(`${id}.${timestamp}.${last?.body}`)
        .digest('base64');
      expect(last?.headers['webhook-signature']).toBe(`v1,${expected}`);
    } finally {
      await peerHolder.close?.();
    }
  });

  it('handles Twilio STOP and delivery callbacks only when signed, and counts segments', async () => {
    const templateId = await template('sms', { default: { body: 'Hi {{ profile.first_name }}, 10% off today' } });
    const sent = await call<{ status: string; messageId: string }>('POST', '/api/v1/channels/send', { profileId: ann, channel: 'sms', templateId, idempotencyKey: 'sms-1' });
    expect(sent.body.status).toBe('sent');
    const sid = twilio.messages().length > 0 ? `SM${'1'.padStart(32, '0')}` : '';
    expect(twilio.messages()[0]?.get('StatusCallback')).toBe(`${PUBLIC_URL}/v1/channels/sms/status`);

    const signed = (path: string, params: Record<string, string>, token = 'twilio-token-secret') => {
      const data = Object.keys(params)
        .sort()
        .reduce((text, key) => text + key + params[key], `${PUBLIC_URL}${path}`);
      return rapport.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': createHmac('sha1', token).update(data).digest('base64') },
        payload: new URLSearchParams(params).toString(),
      });
    };
    const status = await signed('/v1/channels/sms/default/status', { MessageSid: sid, MessageStatus: 'delivered' });
    expect(status.statusCode).toBe(204);
    expect((await call<{ status: string; deliveredAt: string | null }>('GET', `/api/v1/messages/${sent.body.messageId}`)).body).toMatchObject({ status: 'delivered' });

    expect((await signed('/v1/channels/sms/default/inbound', { From: '+14155550123', Body: 'STOP' }, 'wrong-token')).statusCode).toBe(401);
    expect((await signed('/v1/channels/sms/default/inbound', { From: '+14155550123', Body: 'Stop' })).statusCode).toBe(200);
    await rapport.processor.drain();
    expect((await call('POST', '/api/v1/channels/send', { profileId: ann, channel: 'sms', templateId, idempotencyKey: 'sms-2' })).body).toMatchObject({ status: 'suppressed' });
    expect((await call<{ consent: { sms: { status: string } } }>('GET', `/api/v1/profiles/${ann}`)).body.consent.sms.status).toBe('unsubscribed');
    expect((await signed('/v1/channels/sms/default/inbound', { From: '+14155550123', Body: 'START' })).statusCode).toBe(200);
    await rapport.processor.drain();
    expect((await call('POST', '/api/v1/channels/send', { profileId: ann, channel: 'sms', templateId, idempotencyKey: 'sms-3' })).body).toMatchObject({ status: 'sent' });
    expect((await call('POST', '/api/v1/channels/sms/segments', { text: '€'.repeat(81) })).body).toMatchObject({ encoding: 'GSM-7', segments: 2 });
  });

  it('suppresses bounced addresses from the signed email events webhook', async () => {
    const templateId = await template('email', { default: { subject: 'Hi', body: '<p>Hi</p>' } });
    const sent = await call<{ messageId: string }>('POST', '/api/v1/channels/send', { profileId: ann, channel: 'email', templateId, idempotencyKey: 'mail-1' });
    const body = JSON.stringify({ type: 'bounce', email: 'ANN@example.com', messageId: sent.body.messageId });
    const timestamp = Math.floor(Date.now() / 1000);
    const post = (signature: string) =>
      rapport.app.inject({
        method: 'POST',
        url: '/v1/channels/email/default/events',
        headers: { 'content-type': 'application/json', 'webhook-id': 'evt1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature },
        payload: body,
      });
    expect((await post('v1,AAAA')).statusCode).toBe(401);
    expect((await post(signWebhook(EVENTS_SECRET, 'evt1', timestamp, body))).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/messages/${sent.body.messageId}`)).body).toMatchObject({ status: 'bounced', reason: 'bounce' });
    expect((await call<{ suppressions: unknown[] }>('GET', '/api/v1/suppressions')).body.suppressions).toContainEqual(expect.objectContaining({ address: 'ann@example.com', reason: 'bounced' }));
    expect((await call('POST', '/api/v1/channels/send', { profileId: ann, channel: 'email', templateId, idempotencyKey: 'mail-2', purpose: 'transactional' })).body).toMatchObject({
      status: 'suppressed',
      reason: 'suppressed:bounced',
    });
  });

  it('runs a double opt-in: pending until the emailed link is opened', async () => {
    expect((await call('POST', '/v1/identify', { userId: 'dora', traits: { email: 'dora@example.com', first_name: 'Dora' } }, sdk)).status).toBe(200);
    await rapport.processor.drain();
    const dora = (await call<{ id: string }>('GET', '/api/v1/profiles/lookup?type=user_id&value=dora')).body.id;
    const confirmation = await call<{ id: string }>('POST', '/api/v1/templates/starters/double_opt_in');
    const news = await template('email', { default: { subject: 'News', body: '<p>News</p>' } });
    const before = smtp.mails.length;
    expect((await call('POST', `/api/v1/profiles/${dora}/double-opt-in`, { templateId: confirmation.body.id })).body).toMatchObject({ status: 'sent' });
    const mail = (await smtp.waitFor(before + 1))[before];
    expect(mail?.subject).toBe('Please confirm your subscription');
    expect((await call('POST', '/api/v1/channels/send', { profileId: dora, channel: 'email', templateId: news, idempotencyKey: 'doi-1' })).body).toMatchObject({
      status: 'suppressed',
      reason: 'consent_pending:email',
    });
    const link = /https:\/\/rapport\.shop\.test(\/v1\/confirm\/[\w.-]+)/.exec(String(mail?.html))?.[1];
    expect(link).toBeDefined();
    const confirmed = await rapport.app.inject({ method: 'GET', url: link ?? '' });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.body).toContain('your email subscription is confirmed');
    await rapport.processor.drain();
    expect((await call('POST', '/api/v1/channels/send', { profileId: dora, channel: 'email', templateId: news, idempotencyKey: 'doi-2' })).body).toMatchObject({ status: 'sent' });
    const consent = await call<{ changes: { status: string; source: string }[] }>('GET', `/api/v1/profiles/${dora}/consent`);
    expect(consent.body.changes.map((change) => `${change.status}:${change.source}`)).toEqual(['pending:signup_form', 'subscribed:double_opt_in']);
  });

  it('serves the inbox to the SDK with read and dismiss', async () => {
    const templateId = await template('inbox', { default: { title: 'For {{ profile.first_name }}', body: 'A gift inside' } });
    const sent = await call<{ messageId: string }>('POST', '/api/v1/channels/send', { profileId: ann, channel: 'inbox', templateId, idempotencyKey: 'inbox-1' });
    const listed = await call<{ messages: { id: string; title: string; read: boolean }[]; unread: number }>('GET', '/v1/inbox?anonymousId=anon-1', undefined, sdk);
    expect(listed.body).toMatchObject({ unread: 1, messages: [{ id: sent.body.messageId, title: 'For Ann', read: false }] });
    expect((await call('POST', `/v1/inbox/${sent.body.messageId}/read`, { userId: 'ann' }, sdk)).body).toEqual({ ok: true, changed: true });
    expect((await call('GET', `/api/v1/messages/${sent.body.messageId}`)).body).toMatchObject({ status: 'opened' });
    await call('POST', `/v1/inbox/${sent.body.messageId}/dismiss`, { userId: 'ann' }, sdk);
    expect((await call<{ messages: unknown[] }>('GET', '/v1/inbox?userId=ann', undefined, sdk)).body.messages).toEqual([]);
    expect((await call('GET', '/v1/inbox?userId=ann', undefined, { authorization: basicAuth('nope') })).status).toBe(401);
  });
});
