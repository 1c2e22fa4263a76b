import type { ChannelName } from '../shared/channel.js';
import type { SendReasonCode } from './send-failure.js';

/**
 * The one door through which journeys, campaigns and reports send a message. The channels
 * module implements it (templates, coupons, consent, providers, message log); journeys ship a
 * recording implementation for tests and dry runs. Implementations must be idempotent on
 * `idempotencyKey`: a second call with the same key returns the first call's result and sends
 * nothing, which is what makes a journey step safe to re-run after a crash.
 */
export type { ChannelName };

export interface SendRequest {
  workspaceId: string;
  profileId: string;
  channel: ChannelName;
  /** The template to render (its current published version). */
  templateId: string;
  /** Unique per intended send, e.g. `journey:<id>:<run>:<node>`; a retry reuses it. */
  idempotencyKey: string;
  /** Issue a personalised code from this coupon pool (or offer) and expose it to the template. */
  coupon?: { poolId: string } | undefined;
  /** Marketing sends honour consent, suppression, quiet hours and caps; transactional only consent to transactional. */
  purpose?: 'marketing' | 'transactional';
  /** Extra template data: the triggering event, the cart, journey and node ids, ... */
  data?: Record<string, unknown>;
  /** Attribution: what caused this send. */
  source?: { kind: 'journey' | 'campaign' | 'report' | 'test' | 'api'; id: string; nodeId?: string; variant?: string };
}

export type SendStatus = 'sent' | 'queued' | 'suppressed' | 'failed';

export interface SendResult {
  status: SendStatus;
  /** The message log id (stable for one idempotency key). */
  messageId: string;
  /** Why it was suppressed or failed, e.g. `no_consent:email`, `no_address:sms`, `provider_error: ...`. */
  reason?: string;
  /** The code of `reason` (`no_consent`, `no_address`, `provider_error`, ...), for callers that branch on it. */
  reasonCode?: SendReasonCode;
  /** The coupon code issued for this message, if any. */
  couponCode?: string;
}

export interface MessageSender {
  send(request: SendRequest): Promise<SendResult>;
}
