import type { ChannelName } from './sender.js';

/**
 * Why a send did not go out (suppressed or failed), as a code a caller can branch on. The
 * message log stores the readable form `code:scope` (`no_consent:email`) or `code: detail`
 * (`provider_error: 550 mailbox unknown`); `reasonOf` reads a stored reason back.
 */
export const sendReasonCodes = [
  'no_profile',
  'no_provider',
  'template_unavailable',
  'template_channel_mismatch',
  'no_address',
  'no_consent',
  'consent_pending',
  'suppressed',
  'coupon_unavailable',
  'render_error',
  'render_limit',
  'provider_error',
] as const;
export type SendReasonCode = (typeof sendReasonCodes)[number];

/** A reason code with its detail: the channel or consent scope, or the words of the failure. */
export interface SendFailure {
  code: SendReasonCode;
  detail?: string;
}

// These name a scope (a channel, `email:promotions`, a suppression cause): `code:scope`, as
// decideConsent has always written them; the others carry prose after `code: `.
const scoped: ReadonlySet<SendReasonCode> = new Set(['no_provider', 'no_address', 'no_consent', 'consent_pending', 'suppressed']);

/** The stored, readable form of a failure. @example reasonText({ code: 'no_address', detail: 'sms' }) // 'no_address:sms' */
export function reasonText(failure: SendFailure): string {
  if (failure.detail === undefined) return failure.code;
  return `${failure.code}${scoped.has(failure.code) ? ':' : ': '}${failure.detail}`;
}

function isReasonCode(value: string): value is SendReasonCode {
  return (sendReasonCodes as readonly string[]).includes(value);
}

/**
 * Reads a stored reason back into its code and detail; undefined for reasons that are not a
 * send's (a provider's bounce code recorded by a callback, e.g. `sms_undelivered:30003`).
 */
export function reasonOf(text: string): SendFailure | undefined {
  const match = /^([a-z_]+)(?::\s?([\s\S]*))?$/.exec(text);
  const code = match?.[1];
  if (code === undefined || !isReasonCode(code)) return undefined;
  const detail = match?.[2];
  return detail === undefined ? { code } : { code, detail };
}

/** A consent refusal (`no_consent:sms`, `suppressed:bounced`) as a failure. */
export function consentFailure(reason: string): SendFailure {
  return reasonOf(reason) ?? { code: 'no_consent', detail: reason };
}

/** A send with no provider configured for its channel. */
export function noProvider(channel: ChannelName): SendFailure {
  return { code: 'no_provider', detail: `${channel} (configure it, see docs/modules/channels.md)` };
}

/** The words of an unknown thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
