import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChannelShop, type ChannelShop } from '../../test/helpers/channel-shop.js';
import { startSmtpPeer, type SmtpPeer } from '../../test/helpers/channel-peers.js';
import { dialects } from '../../test/helpers/databases.js';
import { manualClock } from '../shared/clock.js';
import type { RecommendationSlotProvider, SlotProduct } from '../templates/recommendation-slot.js';
import type { ChannelProvider } from './provider.js';
import { SmtpEmailProvider } from './providers/email-smtp.js';

/*
 * Issue 13, item 3: a render that fails on a lookup (the recommendations or the catalog being
 * briefly unavailable) is tried again with backoff before the message is recorded failed; a
 * failure the template itself causes fails at once, with a reason that says it is permanent.
 */

const picksBody = '<p>Hi {{ profile.first_name }}</p>{% assign picks = "email_picks" | recommendations: 2 %}{% for pick in picks %}<p>{{ pick.name }}</p>{% endfor %}';
const scarf: SlotProduct = { id: 'scarf', name: 'Wool Scarf', url: 'https://shop.example/p/scarf', image_url: null, price: 15, currency: 'EUR', category: null, brand: null };

/** A recommendations seam that is down for its first `failures` calls, like a store briefly unavailable. */
function flaky(failures: number): RecommendationSlotProvider & { calls: number } {
  const provider = {
    calls: 0,
    async recommend(): Promise<SlotProduct[]> {
      provider.calls += 1;
      if (provider.calls <= failures) throw new Error('connection terminated unexpectedly');
      return [scarf];
    },
  };
  return provider;
}

describe.each(dialects)('send retries (%s)', (dialect) => {
  let shop: ChannelShop;
  let smtp: SmtpPeer;
  const clock = manualClock(Date.parse('2026-03-01T10:00:00Z'));

  async function open(recommendations: RecommendationSlotProvider): Promise<string> {
    shop = await createChannelShop(dialect, { clock, providers: { email: new SmtpEmailProvider({ url: smtp.url, from: 'Shop <news@shop.example>' }) }, recommendations });
    await shop.track([{ type: 'identify', userId: 'ann', traits: { email: 'ann@example.com', first_name: 'Ann' } }]);
    const profile = await shop.profiles.lookupProfile('ws', 'user_id', 'ann');
    if (profile === undefined) throw new Error('no profile');
    return profile.id;
  }

  beforeEach(async () => {
    smtp = await startSmtpPeer();
  });

  afterEach(async () => {
    await shop.close();
    await smtp.close();
  });

  it('retries a render whose lookup failed, then sends', async () => {
    const provider = flaky(2);
    const ann = await open(provider);
    const { template } = await shop.templates.create('ws', { name: 'Picks', channel: 'email', source: { default: { subject: 'Picks', body: picksBody, format: 'html' } } });
    const result = await shop.channels.send({ workspaceId: 'ws', profileId: ann, channel: 'email', templateId: template.id, idempotencyKey: 'k1' });
    expect(result.status).toBe('sent');
    expect(provider.calls).toBe(3);
    const [mail] = await smtp.waitFor(1);
    expect(mail?.html).toContain('Wool Scarf');
  });

  it('records a lookup failing on every attempt as failed after the attempts, saying it was transient', async () => {
    const provider = flaky(100);
    const ann = await open(provider);
    const { template } = await shop.templates.create('ws', { name: 'Picks', channel: 'email', source: { default: { subject: 'Picks', body: picksBody, format: 'html' } } });
    const result = await shop.channels.send({ workspaceId: 'ws', profileId: ann, channel: 'email', templateId: template.id, idempotencyKey: 'k2' });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/^render_error: a lookup failed or the server was busy on each of 3 attempts \(transient; last error: .*connection terminated/);
    expect(provider.calls).toBe(3);
    expect(await shop.channels.getMessage('ws', result.messageId)).toMatchObject({ status: 'failed', attempts: 3, templateVersion: 1 });
    expect(smtp.mails).toHaveLength(0);
  });

  it('retries a render that hit its time limit while the event loop stood still (a training step), then sends', async () => {
    let calls = 0;
    const ann = await open({
      async recommend(): Promise<SlotProduct[]> {
        calls += 1;
        // The first call holds the event loop well past the 2 s render limit, as a synchronous
        // model-training step would; the template is not at fault.
        if (calls === 1) for (const until = Date.now() + 2500; Date.now() < until;);
        return [scarf];
      },
    });
    const { template } = await shop.templates.create('ws', { name: 'Picks', channel: 'email', source: { default: { subject: 'Picks', body: picksBody, format: 'html' } } });
    const result = await shop.channels.send({ workspaceId: 'ws', profileId: ann, channel: 'email', templateId: template.id, idempotencyKey: 'k-stall' });
    expect(result).toMatchObject({ status: 'sent' });
    expect(calls).toBe(2);
  });

  it('fails a template that exceeds its render limits at once, as permanent', async () => {
    const provider = flaky(0);
    const ann = await open(provider);
    const body = '<p>{% for i in (1..100000000) %}{{ i }}{% endfor %}</p>';
    const { template } = await shop.templates.create('ws', { name: 'Runaway', channel: 'email', source: { default: { subject: 'Loop', body, format: 'html' } } });
    const result = await shop.channels.send({ workspaceId: 'ws', profileId: ann, channel: 'email', templateId: template.id, idempotencyKey: 'k3' });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/^render_limit: .*permanent, not retried/);
    expect(await shop.channels.getMessage('ws', result.messageId)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('keeps a message queued while the SMTP server is down past the attempts, and sends it once when the same key is retried', async () => {
    // A loopback port nothing listens on any more: every attempt is refused.
    const gone = await startSmtpPeer();
    await gone.close();
    const from = 'Shop <news@shop.example>';
    let current = new SmtpEmailProvider({ url: gone.url, from });
    const switching: ChannelProvider = { channel: 'email', send: (message) => current.send(message), close: () => current.close() };
    shop = await createChannelShop(dialect, { clock, providers: { email: switching } });
    await shop.track([{ type: 'identify', userId: 'ann', traits: { email: 'ann@example.com', first_name: 'Ann' } }]);
    const ann = (await shop.profiles.lookupProfile('ws', 'user_id', 'ann'))?.id ?? '';
    const { template } = await shop.templates.create('ws', { name: 'Sale', channel: 'email', source: { default: { subject: 'Sale', body: '<p>Sale</p>', format: 'html' } } });
    const request = { workspaceId: 'ws', profileId: ann, channel: 'email' as const, templateId: template.id, idempotencyKey: 'k-outage' };

    await expect(shop.channels.send(request)).rejects.toMatchObject({ code: 'channels.provider_unavailable', status: 503 });
    const [deferred] = await shop.channels.listMessages('ws', { profileIds: [ann] });
    expect(deferred).toMatchObject({ status: 'queued', attempts: 3 });
    expect(deferred?.reason).toMatch(/^provider unavailable after 3 attempts: .*ECONNREFUSED/);

    // The server is back: the retry carries the same message on, once.
    await current.close();
    current = new SmtpEmailProvider({ url: smtp.url, from });
    expect(await shop.channels.send(request)).toMatchObject({ status: 'sent', messageId: deferred?.id });
    expect(await shop.channels.getMessage('ws', deferred?.id ?? '')).toMatchObject({ status: 'sent', attempts: 4 });
    expect(await shop.channels.send(request)).toMatchObject({ status: 'sent', messageId: deferred?.id });
    await smtp.waitFor(1);
    expect(smtp.mails).toHaveLength(1);
  });
});
