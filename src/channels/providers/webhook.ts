import type { Clock } from '../../shared/clock.js';
import { privateDestination } from '../address-guard.js';
import { describeError, type ChannelProvider, type DeliveryOutcome, type OutboundMessage } from '../provider.js';
import { signWebhook } from '../standard-webhooks.js';

/**
 * Webhook deliveries signed per Standard Webhooks. The body is the rendered template (JSON);
 * private and loopback destinations are refused unless the destination allows them.
 * @example const hooks = new WebhookProvider({ clock: systemClock });
 */
export class WebhookProvider implements ChannelProvider {
  readonly channel = 'webhook' as const;

  constructor(private readonly options: { clock: Clock; timeoutMs?: number }) {}

  async send(message: OutboundMessage): Promise<DeliveryOutcome> {
    if (message.webhook === undefined) return { ok: false, retryable: false, error: 'no webhook destination' };
    if (!message.webhook.allowPrivate) {
      const blocked = await privateDestination(message.to);
      if (blocked !== undefined) return { ok: false, retryable: false, error: blocked };
    }
    const body = message.text;
    const timestamp = Math.floor(this.options.clock.now() / 1000);
    try {
      const response = await fetch(message.to, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': message.messageId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(message.webhook.secret, message.messageId, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await response.arrayBuffer();
      if (response.ok) return { ok: true, providerId: null };
      // Standard Webhooks: 2xx is success; everything else may be retried except a 410 (gone).
      return { ok: false, retryable: response.status !== 410 && response.status !== 400, gone: response.status === 410, error: `destination answered ${response.status}` };
    } catch (error) {
      return { ok: false, retryable: true, error: describeError(error) };
    }
  }

  async close(): Promise<void> {}
}
