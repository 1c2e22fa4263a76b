import webpush from 'web-push';
import { describeResult, OutboundHttp, retryable } from '../outbound/outbound-http.js';
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
  /** The guarded outbound path (a subscription endpoint is written by a browser, so it is untrusted). */
  outbound?: OutboundHttp;
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
 * the `web-push` library; the request itself goes out through the guarded outbound path: an
 * endpoint registered with the public write key must not make the server call its own network.
 * A 404 or 410 answer means the subscription is gone.
 * @example const push = new WebPushProvider({ vapid, subject: 'mailto:ops@shop.com' });
 */
export class WebPushProvider implements ChannelProvider {
  readonly channel = 'push' as const;

  readonly #outbound: OutboundHttp;

  constructor(private readonly options: WebPushOptions) {
    this.#outbound = options.outbound ?? new OutboundHttp();
  }

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
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(details.headers)) headers[name] = String(value);
    const result = await this.#outbound.request({
      url: details.endpoint,
      method: details.method,
      headers,
      ...(details.body === null ? {} : { body: new Uint8Array(details.body) }),
      timeoutMs: this.options.timeoutMs ?? 10_000,
    });
    if (result.kind !== 'response') return { ok: false, retryable: retryable(result), error: describeResult(result) };
    if (result.status === 404 || result.status === 410) return { ok: false, retryable: false, gone: true, error: `subscription gone (${result.status})` };
    if (result.status < 200 || result.status >= 300) return { ok: false, retryable: retryable(result), error: `push service answered ${result.status}` };
    return { ok: true, providerId: result.headers.location ?? null };
  }

  async close(): Promise<void> {}
}
