import { describeResult, OutboundHttp, retryable } from '../outbound/outbound-http.js';
import type { ChannelProvider, DeliveryOutcome, OutboundMessage } from '../provider.js';

export interface TwilioOptions {
  /** `https://api.twilio.com` or any compatible endpoint (a local server in tests). */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** Sender number (E.164) or messaging service id `MG...`. */
  from: string;
  /** Where the provider posts delivery status (our `/v1/channels/sms/status` webhook). */
  statusCallback?: string;
  timeoutMs?: number;
  /** The guarded outbound path (a provider on a private network needs the operator's allow list). */
  outbound?: OutboundHttp;
}

/**
 * SMS through the Twilio Messages REST API (`POST /2010-04-01/Accounts/{sid}/Messages.json`),
 * or any provider that copies it.
 * @example const sms = new TwilioSmsProvider({ baseUrl: 'https://api.twilio.com', accountSid, authToken, from: '+15005550006' });
 */
export class TwilioSmsProvider implements ChannelProvider {
  readonly channel = 'sms' as const;

  readonly #outbound: OutboundHttp;

  constructor(private readonly options: TwilioOptions) {
    this.#outbound = options.outbound ?? new OutboundHttp();
  }

  async send(message: OutboundMessage): Promise<DeliveryOutcome> {
    const { baseUrl, accountSid, authToken, from } = this.options;
    const form = new URLSearchParams({ To: message.to, Body: message.text });
    form.set(from.startsWith('MG') ? 'MessagingServiceSid' : 'From', from);
    if (this.options.statusCallback !== undefined) form.set('StatusCallback', this.options.statusCallback);
    const url = `${baseUrl.replace(/\/$/, '')}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
    const result = await this.#outbound.request({
      url,
      headers: {
        authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        // Twilio dedupes retried requests carrying the same key.
        'i-twilio-idempotency-token': message.messageId,
      },
      body: form.toString(),
      timeoutMs: this.options.timeoutMs ?? 10_000,
    });
    if (result.kind !== 'response') return { ok: false, retryable: retryable(result), error: describeResult(result) };
    const text = result.body.toString('utf8');
    // 4xx (bad number, unverified sender) will fail again; 429 and 5xx are outages.
    if (result.status < 200 || result.status >= 300) return { ok: false, retryable: retryable(result), error: `provider answered ${result.status}: ${text.slice(0, 300)}` };
    let sid: string | null = null;
    try {
      const body: unknown = JSON.parse(text);
      if (typeof body === 'object' && body !== null && typeof Reflect.get(body, 'sid') === 'string') sid = String(Reflect.get(body, 'sid'));
    } catch {
      sid = null;
    }
    return { ok: true, providerId: sid };
  }

  async close(): Promise<void> {}
}
