import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpPeer, type SmtpPeer } from '../../test/helpers/channel-peers.js';
import { SmtpEmailProvider } from './providers/email-smtp.js';
import { staffMailer } from './staff-mail.js';

describe('staff mail', () => {
  let smtp: SmtpPeer;
  beforeEach(async () => {
    smtp = await startSmtpPeer({ rejectRecipient: 'gone@shop.example' });
  });
  afterEach(async () => {
    await smtp.close();
  });

  it('answers an SMTP refusal with report.delivery_failed (a 503 naming the provider error), not a bare error', async () => {
    const provider = new SmtpEmailProvider({ url: smtp.url, from: 'Shop <reports@shop.example>' });
    try {
      const mailer = staffMailer({ smtp: provider, retry: { attempts: 1, baseDelayMs: 1 } });
      const mail = { to: ['gone@shop.example'], subject: 'Weekly', text: 'x', html: '<p>x</p>', attachments: [], headers: {} };
      await expect(mailer.send(mail)).rejects.toMatchObject({ code: 'report.delivery_failed', type: 'unavailable', status: 503, message: expect.stringMatching(/^provider_error: /) });
      await mailer.send({ ...mail, to: ['owner@shop.example'] });
      expect(smtp.mails).toHaveLength(1);
    } finally {
      await provider.close();
    }
  });
});
