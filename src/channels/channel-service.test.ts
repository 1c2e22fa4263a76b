import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChannelShop, type ChannelShop } from '../../test/helpers/channel-shop.js';
import { startSmtpPeer, startTwilioPeer, type SmtpPeer, type HttpPeer } from '../../test/helpers/channel-peers.js';
import { dialects } from '../../test/helpers/databases.js';
import { manualClock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { InboxProvider } from './providers/inbox.js';
import { SmtpEmailProvider } from './providers/email-smtp.js';
import { OutboundHttp } from './outbound/outbound-http.js';
import { TwilioSmsProvider } from './providers/sms-twilio.js';

const cartMjml = `<mjml>
  <mj-body>
    <mj-section><mj-column>
      <mj-text>Hi {{ profile.first_name | default: "there" }},</mj-text>
      <mj-text>{% for item in cart.items %}{{ item.name }} x{{ item.qty }} {% endfor %}</mj-text>
      <mj-text>Use {{ coupon.code }} for {{ coupon.description }}.</mj-text>
      <mj-button href="https://shop.example/cart?utm_source=rapport">Back to your cart</mj-button>
      <mj-text><a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>
    </mj-column></mj-section>
  </mj-body>
</mjml>`;

describe.each(dialects)('ChannelService (%s)', (dialect) => {
  let shop: ChannelShop;
  let smtp: SmtpPeer;
  let twilio: HttpPeer & { messages(): URLSearchParams[] };
  const clock = manualClock(Date.parse('2025-03-01T10:00:00Z'));

  beforeEach(async () => {
    smtp = await startSmtpPeer();
    twilio = await startTwilioPeer('AC1', 'tok');
    shop = await createChannelShop(dialect, {
      clock,
      providers: {
        email: new SmtpEmailProvider({ url: smtp.url, from: 'Shop <news@shop.example>' }),
        // The provider's test double listens on loopback, which the operator's allow list opens.
        sms: new TwilioSmsProvider({ baseUrl: twilio.url, accountSid: 'AC1', authToken: 'tok', from: '+15005550006', outbound: new OutboundHttp({ allow: ['127.0.0.1/32'] }) }),
      },
    });
    await shop.track([
      { type: 'identify', userId: 'ann', traits: { email: 'Ann@Example.com', first_name: 'Ann', phone: '+14155550101', locale: 'fr-FR' } },
      { type: 'track', userId: 'ann', event: 'Product Added', properties: { product_id: 'p1', name: 'Rain Jacket', price: 120, quantity: 1 } },
      { type: 'identify', userId: 'bob', traits: { first_name: 'Bob' } },
    ]);
  });

  afterEach(async () => {
    await shop.close();
    await smtp.close();
    await twilio.close();
  });

  async function profileOf(userId: string) {
    const profile = await shop.profiles.lookupProfile('ws', 'user_id', userId);
    if (profile === undefined) throw new Error(`no profile ${userId}`);
    return profile;
  }

  it('sends a personalised MJML email with a coupon, tracking and one-click unsubscribe, once per idempotency key', async () => {
    const { template } = await shop.templates.create('ws', {
      name: 'Cart reminder',
      channel: 'email',
      source: {
        default: { subject: 'You left something, {{ profile.first_name }}', body: cartMjml, format: 'mjml' },
        locales: { fr: { subject: 'Votre panier, {{ profile.first_name }}', body: cartMjml } },
      },
    });
    const pool = await shop.coupons.createPool('ws', { name: 'Cart 10', prefix: 'CART-', rule: { kind: 'fixed', offer: { type: 'percent', value: 10 } }, expiresAfterDays: 7 });
    const ann = await profileOf('ann');
    const request = {
      workspaceId: 'ws',
      profileId: ann.id,
      channel: 'email' as const,
      templateId: template.id,
      idempotencyKey: 'journey:j1:r1:n1',
      coupon: { poolId: pool.id },
      source: { kind: 'journey' as const, id: 'j1', nodeId: 'n1' },
    };
    const result = await shop.channels.send(request);
    expect(result).toMatchObject({ status: 'sent' });
    expect(result.couponCode).toMatch(/^CART-[2-9A-HJKMNP-Z]{12}$/);

    const [mail] = await smtp.waitFor(1);
    expect(mail?.subject).toBe('Votre panier, Ann');
    expect(mail?.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : '').toBe('ann@example.com');
    expect(mail?.text).toContain(`Use ${result.couponCode} for 10% off.`);
    expect(mail?.text).toContain('Rain Jacket x1');
    expect(mail?.html).toContain('Hi Ann,');
    // Every shop link goes through the signed click redirect; the pixel is there.
    expect(mail?.html).not.toContain('href="https://shop.example/cart');
    expect(mail?.html).toMatch(/href="http:\/\/rapport\.test\/v1\/c\/[\w-]+\.[\w-]+"/);
    expect(mail?.html).toMatch(/<img src="http:\/\/rapport\.test\/v1\/o\/[\w-]+\.[\w-]+\.gif"/);
    const headers = mail?.headerLines.map((header) => header.line).join('\n') ?? '';
    expect(headers).toMatch(/^List-Unsubscribe:\s*<http:\/\/rapport\.test\/v1\/u\/[\w-]+\.[\w-]+>$/m);
    expect(headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    expect(headers).toMatch(/^Content-Type: multipart\/alternative;/m);

    // The same key again: the first result, nothing sent, no second coupon.
    expect(await shop.channels.send(request)).toEqual(result);
    expect(smtp.mails).toHaveLength(1);
    expect((await shop.coupons.report('ws'))[0]).toMatchObject({ issued: 1, redeemed: 0 });

    const message = await shop.channels.getMessage('ws', result.messageId);
    expect(message).toMatchObject({ status: 'sent', address: 'ann@example.com', templateVersion: 1, attempts: 1, couponCode: result.couponCode });
    await shop.settle();
    const timeline = await shop.profiles.timeline('ws', ann.id);
    const sent = timeline?.events.find((event) => event.type === 'track' && event.event === 'Email Sent');
    expect(sent?.type === 'track' ? sent.properties : undefined).toMatchObject({
      message_id: result.messageId,
      template_id: template.id,
      source_kind: 'journey',
      source_id: 'j1',
      coupon: result.couponCode,
    });
  });

  it('claims concurrent sends in shared commits: each key is sent once, a key already claimed never again', async () => {
    const { template } = await shop.templates.create('ws', {
      name: 'Hello',
      channel: 'email',
      source: { default: { subject: 'Hi {{ profile.first_name }}', body: '<p>Hello {{ profile.first_name }}</p>', format: 'html' } },
    });
    const ann = await profileOf('ann');
    const send = (key: string) => shop.channels.send({ workspaceId: 'ws', profileId: ann.id, channel: 'email', templateId: template.id, idempotencyKey: key });
    const first = await Promise.all(Array.from({ length: 10 }, (_, index) => send(`burst:${index}`)));
    expect(first.map((result) => result.status)).toEqual(Array.from({ length: 10 }, () => 'sent'));
    await smtp.waitFor(10);
    // Old and new keys in one burst: one multi-row claim meets conflicts and new rows together.
    const second = await Promise.all(Array.from({ length: 15 }, (_, index) => send(`burst:${index}`)));
    expect(second.slice(0, 10)).toEqual(first);
    expect(second.slice(10).map((result) => result.status)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
    await smtp.waitFor(15);
    expect(smtp.mails).toHaveLength(15);
    const rows = await shop.channels.listMessages('ws', { profileIds: [ann.id], limit: 100 });
    expect(rows).toHaveLength(15);
    expect(rows.every((row) => row.status === 'sent' && row.attempts === 1 && row.sentAt !== null)).toBe(true);
  });

  it('records opens and clicks on the message and as engagement events of the person', async () => {
    const { template } = await shop.templates.create('ws', {
      name: 'News',
      channel: 'email',
      source: { default: { subject: 'News', body: '<p><a href="https://shop.example/new">New in</a></p>', format: 'html' } },
    });
    const ann = await profileOf('ann');
    const result = await shop.channels.send({ workspaceId: 'ws', profileId: ann.id, channel: 'email', templateId: template.id, idempotencyKey: 'k-open' });
    clock.advance(60_000);
    await shop.channels.advance('ws', result.messageId, 'opened');
    await shop.channels.advance('ws', result.messageId, 'opened');
    clock.advance(60_000);
    await shop.channels.advance('ws', result.messageId, 'clicked', { url: 'https://shop.example/new' });
    // A late open never moves a clicked message back.
    await shop.channels.advance('ws', result.messageId, 'opened');
    const message = await shop.channels.getMessage('ws', result.messageId);
    expect(message).toMatchObject({ status: 'clicked', openedAt: Date.parse('2025-03-01T10:01:00Z'), clickedAt: Date.parse('2025-03-01T10:02:00Z') });
    await shop.settle();
    const events = (await shop.profiles.timeline('ws', ann.id))?.events.map((event) => (event.type === 'track' ? event.event : event.type)) ?? [];
    expect(events.filter((name) => name === 'Email Opened')).toHaveLength(1);
    expect(events.filter((name) => name === 'Email Link Clicked')).toHaveLength(1);
    expect((await profileOf('ann')).computed.preferredChannel).toBe('email');
  });

  it('suppresses, with the reason, sends without address or consent, and never sends them', async () => {
    const email = await shop.templates.create('ws', { name: 'E', channel: 'email', source: { default: { subject: 'Hi', body: '<p>Hi</p>', format: 'html' } } });
    const sms = await shop.templates.create('ws', { name: 'S', channel: 'sms', source: { default: { body: 'Hi {{ profile.first_name }}' } } });
    const ann = await profileOf('ann');
    const bob = await profileOf('bob');
    expect(await shop.channels.send({ workspaceId: 'ws', profileId: bob.id, channel: 'email', templateId: email.template.id, idempotencyKey: 'b1' })).toMatchObject({
      status: 'suppressed',
      reason: 'no_address:email',
      reasonCode: 'no_address',
    });
    // SMS is opt-in: Ann has a phone but never said yes.
    expect(await shop.channels.send({ workspaceId: 'ws', profileId: ann.id, channel: 'sms', templateId: sms.template.id, idempotencyKey: 'a1' })).toMatchObject({
      status: 'suppressed',
      reason: 'no_consent:sms',
      reasonCode: 'no_consent',
    });
    await shop.consent.record('ws', ann.id, { channel: 'sms', status: 'subscribed', source: 'checkout_checkbox' });
    await shop.settle();
    expect(await shop.channels.send({ workspaceId: 'ws', profileId: ann.id, channel: 'sms', templateId: sms.template.id, idempotencyKey: 'a2' })).toMatchObject({ status: 'sent' });
    expect(twilio.messages().map((form) => [form.get('To'), form.get('Body')])).toEqual([['+14155550101', 'Hi Ann']]);

    // Unsubscribing (through the event log, as any source would) stops marketing email...
    await shop.track([{ type: 'track', userId: 'ann', event: 'Unsubscribed', properties: { channel: 'email' } }]);
    expect(await shop.channels.send({ workspaceId: 'ws', profileId: ann.id, channel: 'email', templateId: email.template.id, idempotencyKey: 'a3' })).toMatchObject({
      status: 'suppressed',
      reason: 'no_consent:email',
    });
    // ...but not a receipt; a bounce stops both.
    expect(await shop.channels.send({ workspaceId: 'ws', profileId: ann.id, channel: 'email', templateId: email.template.id, idempotencyKey: 'a4', purpose: 'transactional' })).toMatchObject({
      status: 'sent',
    });
    await shop.consent.suppress('ws', 'email', 'ANN@example.com', 'bounced');
    expect(await shop.channels.send({ workspaceId: 'ws', profileId: ann.id, channel: 'email', templateId: email.template.id, idempotencyKey: 'a5', purpose: 'transactional' })).toMatchObject({
      status: 'suppressed',
      reason: 'suppressed:bounced',
      reasonCode: 'suppressed',
    });
    expect(smtp.mails).toHaveLength(1);
    await shop.settle();
    const events = (await shop.profiles.timeline('ws', bob.id))?.events.map((event) => (event.type === 'track' ? event.event : event.type));
    expect(events).toContain('Email Suppressed');
  });

  it('retries a provider outage with backoff, then leaves the message queued for the caller to retry', async () => {
    const { template } = await shop.templates.create('ws', { name: 'E', channel: 'email', source: { default: { subject: 'Hi', body: '<p>Hi</p>' } } });
    const ann = await profileOf('ann');
    await smtp.close();
    await expect(shop.channels.send({ workspaceId: 'ws', profileId: ann.id, channel: 'email', templateId: template.id, idempotencyKey: 'down' })).rejects.toMatchObject({
      code: 'channels.provider_unavailable',
      status: 503,
    });
    // The message log shows it waiting, with the attempts made and why.
    expect(await shop.channels.listMessages('ws', { status: 'queued' })).toMatchObject([{ attempts: 3, reason: expect.stringMatching(/^provider unavailable after 3 attempts: .*ECONNREFUSED/) }]);
    expect(await shop.channels.listMessages('ws', { status: 'failed' })).toEqual([]);
  });

  it('test-sends a draft rendered for a person to a colleague, bypassing consent, logged as a test', async () => {
    const { template } = await shop.templates.create('ws', { name: 'Promo', channel: 'email', source: { default: { subject: 'Hi {{ profile.first_name }}', body: '<p>v1</p>' } } });
    await shop.templates.saveVersion('ws', template.id, { source: { default: { subject: 'Draft for {{ profile.first_name }}', body: '<p>v2 {{ coupon.code }}</p>' } }, publish: false });
    const ann = await profileOf('ann');
    await shop.track([{ type: 'track', userId: 'ann', event: 'Unsubscribed', properties: { channel: 'email' } }]);
    const push = await shop.templates.create('ws', { name: 'P', channel: 'push', source: { default: { title: 'Hi', body: 'x' } } });
    await expect(shop.channels.testSend('ws', push.template.id, { profileId: ann.id, to: 'marketer@shop.example' })).rejects.toMatchObject({
      code: 'channels.no_provider',
      type: 'conflict',
      status: 409,
    });
    const result = await shop.channels.testSend('ws', template.id, { profileId: ann.id, to: 'marketer@shop.example', version: 2 });
    expect(result.status).toBe('sent');
    const [mail] = await smtp.waitFor(1);
    expect(mail?.subject).toBe('[TEST] Draft for Ann');
    expect(mail?.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : '').toBe('marketer@shop.example');
    expect(mail?.text).toContain('v2 PREVIEW-CODE');
    expect(await shop.channels.getMessage('ws', result.messageId)).toMatchObject({ status: 'sent', purpose: 'transactional', source: JSON.stringify({ kind: 'test', id: template.id }) });
  });

  it('rejects a template with a syntax error at save, naming field, line and column', async () => {
    const save = shop.templates.create('ws', {
      name: 'Broken',
      channel: 'email',
      source: { default: { subject: 'Hi {{ profile.first_name ', body: '<p>ok</p>\n<p>{% if cart %}open</p>', format: 'html' } },
    });
    await expect(save).rejects.toBeInstanceOf(RapportError);
    const error = await save.catch((caught: unknown) => caught);
    expect(error instanceof RapportError ? error.issues : []).toEqual([
      expect.objectContaining({ field: 'default.subject', rule: 'liquid_syntax', message: expect.stringMatching(/^line 1, column 4: /) }),
      expect.objectContaining({ field: 'default.body', rule: 'liquid_syntax', message: expect.stringMatching(/^line 2, column 4: tag \{% if cart %\} not closed/) }),
    ]);
    const mjml = shop.templates.create('ws', {
      name: 'Bad MJML',
      channel: 'email',
      source: { default: { subject: 'x', body: '<mjml><mj-body>\n<mj-section><mj-column><mj-text colour="red">x</mj-text></mj-column></mj-section></mj-body></mjml>' } },
    });
    const mjmlError = await mjml.catch((caught: unknown) => caught);
    expect(mjmlError instanceof RapportError ? mjmlError.issues[0] : undefined).toMatchObject({ field: 'default.body', rule: 'mjml_syntax', message: 'line 2: Attribute colour is illegal' });
  });

  it('previews a draft for a person and sends inbox messages the SDK can list', async () => {
    const inboxShop = await createChannelShop(dialect, { clock, providers: (database) => ({ inbox: new InboxProvider({ database, clock }) }) });
    try {
      await inboxShop.track([{ type: 'identify', userId: 'cy', traits: { first_name: 'Cy' } }]);
      const cy = await inboxShop.profiles.lookupProfile('ws', 'user_id', 'cy');
      const { template } = await inboxShop.templates.create('ws', {
        name: 'Inbox',
        channel: 'inbox',
        source: { default: { title: 'For you, {{ profile.first_name }}', body: '{{ coupon.description | default: "No code" }}' } },
      });
      await inboxShop.templates.saveVersion('ws', template.id, { source: { default: { title: 'Draft for {{ profile.first_name }}', body: 'x' } }, publish: false });
      expect(await inboxShop.channels.preview('ws', template.id, { profileId: cy?.id ?? '', version: 2 })).toMatchObject({ title: 'Draft for Cy' });
      const sent = await inboxShop.channels.send({ workspaceId: 'ws', profileId: cy?.id ?? '', channel: 'inbox', templateId: template.id, idempotencyKey: 'i1' });
      expect(sent.status).toBe('sent');
      const { listInbox } = await import('./store/inbox.js');
      expect(await listInbox(inboxShop.store.database.db, 'ws', [cy?.id ?? ''], { limit: 10, includeDismissed: false })).toMatchObject([{ id: sent.messageId, title: 'For you, Cy', body: 'No code' }]);
    } finally {
      await inboxShop.close();
    }
  });
});
