import type { ChannelName } from './sender.js';

/** One rendered message handed to a provider. */
export interface OutboundMessage {
  /** The message log id: providers pass it on as their idempotency key where they can. */
  messageId: string;
  workspaceId: string;
  /** Email address, E.164 phone, push endpoint, webhook URL or profile id (inbox). */
  to: string;
  profileId: string;
  /** Email: the From header the workspace brand asks for (else the provider's configured one). */
  from?: string;
  subject?: string;
  html?: string;
  text: string;
  title?: string;
  url?: string;
  /** Extra email headers (List-Unsubscribe, ...). */
  headers?: Record<string, string>;
  /** Web push: the subscription's keys. */
  push?: { p256dh: string; auth: string };
  /** Webhook: the destination's signing secret (private addresses are the operator's call, not the destination's). */
  webhook?: { secret: string };
}

/**
 * What a provider reports. Expected failures are values: `retryable` says whether trying again
 * later can succeed (an outage) or not (a rejected address); `gone` says the address no longer
 * exists (a push subscription answered 404/410), so it should be removed.
 */
export type DeliveryOutcome = { ok: true; providerId: string | null } | { ok: false; retryable: boolean; error: string; gone?: boolean };

/**
 * A channel provider: one interface for email, SMS, web push, webhook and inbox, each passing
 * the shared contract suite (`provider-contract.ts`) against a real peer.
 */
export interface ChannelProvider {
  readonly channel: ChannelName;
  send(message: OutboundMessage): Promise<DeliveryOutcome>;
  close(): Promise<void>;
}

/** A readable error string that never carries credentials (URLs lose their user info). */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@').slice(0, 500);
}
