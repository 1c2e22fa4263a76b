import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listInbox } from '../store/inbox.js';
import { systemClock } from '../../shared/clock.js';
import { createTestStore, type TestStore } from '../../../test/helpers/databases.js';
import { startPushPeer, startSmtpPeer, startTwilioPeer, startWebhookPeer } from '../../../test/helpers/channel-peers.js';
import { OutboundHttp } from '../outbound/outbound-http.js';
import type { ChannelProvider, OutboundMessage } from '../provider.js';
import { generateWebhookSecret } from '../standard-webhooks.js';
import { SmtpEmailProvider } from './email-smtp.js';
import { InboxProvider } from './inbox.js';
import { TwilioSmsProvider } from './sms-twilio.js';
import { generateVapidKeys, WebPushProvider } from './web-push.js';
import { WebhookProvider } from './webhook.js';

/** What one provider's peer saw, reduced to what every channel must carry. */
interface Delivery {
  to: string;
  text: string;
  title?: string;
  messageId: string | undefined;
}

/** A provider wired to its real peer on loopback. */
interface ContractSetup {
  provider: ChannelProvider;
  /** An address the peer accepts, and the extras the channel needs. */
  message(id: string): OutboundMessage;
  delivered(): Promise<Delivery[]>;
  /** Takes the peer down (an outage); undefined when the channel has no remote peer. */
  stopPeer?: () => Promise<void>;
  close(): Promise<void>;
}

function base(id: string, to: string): OutboundMessage {
  return {
    messageId: id,
    workspaceId: 'ws',
    to,
    profileId: 'prf_1',
    subject: 'Your cart',
    title: 'Your cart',
    text: `Hello Ann, message ${id} ✓`,
    html: `<p>Hello Ann, message ${id} ✓</p>`,
    url: 'https://shop.example/cart',
  };
}

// The peers listen on loopback, which only the operator's allow list opens.
const loopbackAllowed = new OutboundHttp({ allow: ['127.0.0.1/32'] });

const setups: Record<string, () => Promise<ContractSetup>> = {
  async email() {
    const peer = await startSmtpPeer({ user: 'shop', password: 's3cret' });
    const provider = new SmtpEmailProvider({ url: peer.url, from: 'Shop <news@shop.example>' });
    return {
      provider,
      message: (id) => base(id, 'ann@example.com'),
      async delivered() {
        return peer.mails.map((mail) => ({
          to: Array.isArray(mail.to) ? '' : (mail.to?.value[0]?.address ?? ''),
          text: (mail.text ?? '').trim(),
          title: mail.subject,
          messageId: typeof mail.headers.get('x-rapport-message-id') === 'string' ? String(mail.headers.get('x-rapport-message-id')) : undefined,
        }));
      },
      stopPeer: () => peer.close(),
      close: async () => {
        await provider.close();
        await peer.close().catch(() => undefined);
      },
    };
  },
  async sms() {
    const peer = await startTwilioPeer('AC123', 'token-xyz');
    const provider = new TwilioSmsProvider({ baseUrl: peer.url, accountSid: 'AC123', authToken: 'token-xyz', from: '+15005550006', timeoutMs: 2000, outbound: loopbackAllowed });
    return {
      provider,
      message: (id) => base(id, '+14155550100'),
      async delivered() {
        return peer.messages().map((form, index) => ({ to: form.get('To') ?? '', text: form.get('Body') ?? '', messageId: String(peer.requests[index]?.headers['i-twilio-idempotency-token'] ?? '') }));
      },
      stopPeer: () => peer.close(),
      close: () => peer.close(),
    };
  },
  async push() {
    const peer = await startPushPeer();
    const provider = new WebPushProvider({ vapid: generateVapidKeys(), subject: 'mailto:ops@shop.example', timeoutMs: 2000, outbound: loopbackAllowed });
    const subscription = peer.subscription('/push/device-1');
    return {
      provider,
      message: (id) => ({ ...base(id, subscription.endpoint), push: subscription.keys }),
      async delivered() {
        return peer.decrypted().map((entry) => {
          const payload = entry.payload as { title: string; body: string; messageId: string };
          expect(entry.authorization).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
          return { to: `${peer.url}${entry.path}`, text: payload.body, title: payload.title, messageId: payload.messageId };
        });
      },
      stopPeer: () => peer.close(),
      close: () => peer.close(),
    };
  },
  async webhook() {
    const secret = generateWebhookSecret();
    const peer = await startWebhookPeer(secret);
    const provider = new WebhookProvider({ clock: systemClock, timeoutMs: 2000, outbound: loopbackAllowed });
    return {
      provider,
      message: (id) => ({ ...base(id, `${peer.url}/hooks/rapport`), text: JSON.stringify({ text: `Hello Ann, message ${id} ✓` }), webhook: { secret } }),
      async delivered() {
        return peer.verified().map((entry) => {
          expect(entry.valid).toBe(true);
          return { to: `${peer.url}/hooks/rapport`, text: (entry.body as { text: string }).text, messageId: entry.id };
        });
      },
      stopPeer: () => peer.close(),
      close: () => peer.close(),
    };
  },
  async inbox() {
    const store: TestStore = await createTestStore('sqlite');
    let tick = 1_700_000_000_000;
    const provider = new InboxProvider({ database: store.database, clock: { now: () => (tick += 1) } });
    return {
      provider,
      message: (id) => base(id, 'prf_1'),
      async delivered() {
        const rows = await listInbox(store.database.db, 'ws', ['prf_1'], { limit: 100, includeDismissed: true });
        return rows.reverse().map((row) => ({ to: row.profileId, text: row.body, title: row.title, messageId: row.id }));
      },
      close: () => store.drop(),
    };
  },
};

// The shared contract: every provider, against its real peer, must pass all of it.
describe.each(Object.keys(setups))('provider contract: %s', (name) => {
  let setup: ContractSetup;
  beforeAll(async () => {
    const factory = setups[name];
    if (factory === undefined) throw new Error(name);
    setup = await factory();
  });
  afterAll(async () => setup.close());

  it('delivers the rendered text to the address, carrying the message id', async () => {
    const outcome = await setup.provider.send(setup.message('msg_contract_1'));
    expect(outcome).toMatchObject({ ok: true });
    const delivered = await setup.delivered();
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.to).toBe(setup.message('x').to);
    expect(delivered[0]?.text).toBe('Hello Ann, message msg_contract_1 ✓');
    expect(delivered[0]?.messageId).toBe('msg_contract_1');
    expect(setup.provider.channel).toBe(name);
  });

  it('delivers several messages, each once, in order', async () => {
    for (const id of ['msg_a', 'msg_b', 'msg_c']) expect((await setup.provider.send(setup.message(id))).ok).toBe(true);
    const delivered = await setup.delivered();
    expect(delivered.slice(1).map((entry) => entry.messageId)).toEqual(['msg_a', 'msg_b', 'msg_c']);
  });

  it('reports an outage of its peer as a retryable failure, never a throw', async () => {
    if (setup.stopPeer === undefined) return expect(name).toBe('inbox');
    await setup.stopPeer();
    const outcome = await setup.provider.send(setup.message('msg_down'));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.retryable).toBe(true);
      expect(outcome.error).not.toMatch(/s3cret|token-xyz/);
    }
  });
});

describe('SMTP over STARTTLS', () => {
  it('upgrades to TLS when required, accepting a self-signed certificate only when told to', async () => {
    const peer = await startSmtpPeer({ starttls: true, user: 'shop', password: 's3cret' });
    const strict = new SmtpEmailProvider({ url: peer.url, from: 'shop@shop.example', requireTls: true });
    const relaxed = new SmtpEmailProvider({ url: peer.url, from: 'shop@shop.example', requireTls: true, allowSelfSigned: true });
    try {
      const refused = await strict.send(base('msg_tls_1', 'ann@example.com'));
      expect(refused).toMatchObject({ ok: false });
      if (!refused.ok) expect(refused.error).toMatch(/certificate/i);
      expect(await relaxed.send(base('msg_tls_2', 'ann@example.com'))).toMatchObject({ ok: true });
      const [mail] = await peer.waitFor(1);
      expect(mail?.headers.get('x-peer-secure')).toBe('true');
    } finally {
      await strict.close();
      await relaxed.close();
      await peer.close();
    }
  });
});
