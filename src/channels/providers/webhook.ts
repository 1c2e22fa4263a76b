import type { Clock } from '../../shared/clock.js';
import { deliveryVerdict } from '../outbound/delivery.js';
import { OutboundHttp } from '../outbound/outbound-http.js';
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
    const verdict = deliveryVerdict(result);
    return verdict.ok ? { ok: true, providerId: null } : { ok: false, retryable: verdict.retryable, gone: verdict.gone, error: verdict.reason };
  }

  async close(): Promise<void> {}
}
