import webpush from 'web-push';
import { describeError, type ChannelProvider, type DeliveryOutcome, type OutboundMessage } from '../provider.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export interface WebPushOptions {
  /** The key pair, or a function that loads (or creates) it on first send. */
  vapid: VapidKeys | (() => VapidKeys);
  /** `mailto:` or `https:` contact sent to push services (RFC 8292). */
  subject: string;
  /** Seconds the push service keeps an undelivered message (default 1 day). */
  ttl?: number;
  timeoutMs?: number;
}

/**
 * Generates a VAPID key pair (P-256), done once on setup.
 * @example const keys = generateVapidKeys(); // { publicKey, privateKey } base64url
 */
export function generateVapidKeys(): VapidKeys {
  return webpush.generateVAPIDKeys();
}

/**
 * Web push: payloads encrypted per RFC 8291 (aes128gcm) and signed with VAPID (RFC 8292) by
 * the `web-push` library; the request itself goes out with fetch, so timeouts and errors are ours.
 * A 404 or 410 answer means the subscription is gone.
 * @example const push = new WebPushProvider({ vapid, subject: 'mailto:ops@shop.com' });
 */
export class WebPushProvider implements ChannelProvider {
  readonly channel = 'push' as const;

  constructor(private readonly options: WebPushOptions) {}

  async send(message: OutboundMessage): Promise<DeliveryOutcome> {
    if (message.push === undefined) return { ok: false, retryable: false, error: 'no push subscription keys' };
    const payload = JSON.stringify({ title: message.title ?? '', body: message.text, url: message.url ?? null, messageId: message.messageId });
    let details: ReturnType<typeof webpush.generateRequestDetails>;
    try {
      const vapid = typeof this.options.vapid === 'function' ? this.options.vapid() : this.options.vapid;
      details = webpush.generateRequestDetails({ endpoint: message.to, keys: message.push }, payload, {
        vapidDetails: { subject: this.options.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
        TTL: this.options.ttl ?? 86_400,
        contentEncoding: 'aes128gcm',
      });
    } catch (error) {
      return { ok: false, retryable: false, error: describeError(error) };
    }
    try {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(details.headers)) headers[name] = String(value);
      const response = await fetch(details.endpoint, {
        method: details.method,
        headers,
        ...(details.body === null ? {} : { body: new Uint8Array(details.body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await response.arrayBuffer();
      if (response.status === 404 || response.status === 410) return { ok: false, retryable: false, gone: true, error: `subscription gone (${response.status})` };
      if (!response.ok) return { ok: false, retryable: response.status === 429 || response.status >= 500, error: `push service answered ${response.status}` };
      return { ok: true, providerId: response.headers.get('location') };
    } catch (error) {
      return { ok: false, retryable: true, error: describeError(error) };
    }
  }

  async close(): Promise<void> {}
}
