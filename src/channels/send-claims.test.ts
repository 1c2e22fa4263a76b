import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChannelShop, type ChannelShop } from '../../test/helpers/channel-shop.js';
import { startSmtpPeer, type SmtpPeer } from '../../test/helpers/channel-peers.js';
import { dialects } from '../../test/helpers/databases.js';
import { manualClock } from '../shared/clock.js';
import { SmtpEmailProvider } from './providers/email-smtp.js';
import { claimMessage } from './store/messages.js';

/*
 * Issue 17: "two servers sending the same key at the same instant". A message row claimed by
 * another server and not yet sent must not be sent again by this one: on PostgreSQL (several
 * servers) the second call is told to retry until the claim is old enough to be a dead server's;
 * on SQLite (one process owns the store) such a row can only be a crashed process's, carried on at once.
 */

describe.each(dialects)('a message another server claimed (%s)', (dialect) => {
  let shop: ChannelShop;
  let smtp: SmtpPeer;
  const clock = manualClock(Date.parse('2026-03-01T10:00:00Z'));

  beforeEach(async () => {
    smtp = await startSmtpPeer();
    shop = await createChannelShop(dialect, { clock, providers: { email: new SmtpEmailProvider({ url: smtp.url, from: 'Shop <news@shop.example>' }) } });
    await shop.track([{ type: 'identify', userId: 'ann', traits: { email: 'ann@example.com', first_name: 'Ann' } }]);
  });

  afterEach(async () => {
    await shop.close();
    await smtp.close();
  });

  it('is sent once: by its claimer, or by this server once the claim is a dead server’s', async () => {
    const profile = await shop.profiles.lookupProfile('ws', 'user_id', 'ann');
    if (profile === undefined) throw new Error('no profile');
    const { template } = await shop.templates.create('ws', { name: 'Hello', channel: 'email', source: { default: { subject: 'Hello', body: '<p>Hi</p>', format: 'html' } } });
    const now = clock.now();
    // The other server's claim, committed a moment ago; it is rendering or sending right now.
    await claimMessage(shop.store.database.db, 'ws', {
      id: 'msg_other',
      idempotencyKey: 'welcome:ann',
      profileId: profile.id,
      channel: 'email',
      templateId: template.id,
      templateVersion: null,
      purpose: 'marketing',
      status: 'queued',
      reason: null,
      address: null,
      couponCode: null,
      providerId: null,
      source: null,
      attempts: 0,
      createdAt: now,
      updatedAt: now,
      sentAt: null,
      deliveredAt: null,
      openedAt: null,
      clickedAt: null,
    });
    const send = () => shop.channels.send({ workspaceId: 'ws', profileId: profile.id, channel: 'email', templateId: template.id, idempotencyKey: 'welcome:ann' });
    if (dialect === 'postgres') {
      await expect(send()).rejects.toMatchObject({ code: 'channels.send_in_progress' });
      clock.advance(29_999);
      await expect(send()).rejects.toMatchObject({ code: 'channels.send_in_progress' });
      clock.advance(1);
    }
    expect((await send()).status).toBe('sent');
    expect((await send()).status).toBe('sent');
    await smtp.waitFor(1);
    expect(smtp.mails).toHaveLength(1);
  });
});
