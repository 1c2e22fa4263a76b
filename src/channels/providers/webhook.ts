import type { Clock } from '../../shared/clock.js';
import { describeResult, OutboundHttp, retryable } from '../outbound/outbound-http.js';
import type { ChannelProvider, DeliveryOutcome, OutboundMessage } from '../provider.js';

/**
 * Webhook deliveries signed per Standard Webhooks, through the one guarded outbound path (so
 * private and loopback destinations are refused unless the operator allows their range).
 * The body is the rendered template (JSON).
 * @example const hooks = new WebhookProvider({ clock: systemClock, outbound: new OutboundHttp({ allow: config.outboundAllow }) });
 */
export class WebhookProvider implements ChannelProvider {
  readonly channel = 'webhook' as const;
  readonly #outbound: OutboundHttp;

  constructor(private readonly options: { clock: Clock; outbound?: OutboundHttp; timeoutMs?: number }) {
    this.#outbound = options.outbound ?? new OutboundHttp();
  }

  async send(message: OutboundMessage): Promise<DeliveryOutcome> {
    if (message.webhook === undefined) return { ok: false, retryable: false, error: 'no webhook destination' };
    const result = await this.#outbound.request({
      url: message.to,
      headers: { 'content-type': 'application/json' },
      body: message.text,
      sign: { secret: message.webhook.secret, id: message.messageId, timestampSeconds: Math.floor(this.options.clock.now() / 1000) },
      ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }),
    });
    if (result.kind === 'response' && result.status >= 200 && result.status < 300) return { ok: true, providerId: null };
    // Standard Webhooks: a 410 means the receiver is gone for good.
    const gone = result.kind === 'response' && result.status === 410;
    return { ok: false, retryable: retryable(result), gone, error: describeResult(result) };
  }

  async close(): Promise<void> {}
}
