import { backoffMs, describeResult, retryable, type OutboundResult } from './outbound-http.js';

/**
 * The one retry policy of deliveries that outlive a request (segment sync, journey steps with
 * their webhooks and sends): this many attempts, the first retry after `firstDelayMs`, each
 * next one twice as late, never later than `maxDelayMs`. The same numbers in the shape the
 * scheduler's handler options take, for deliveries that retry as jobs.
 */
export const DELIVERY_RETRY = { maxAttempts: 10, backoffMs: 10_000, maxBackoffMs: 3_600_000 } as const;

/** What a delivery's HTTP call came to: accepted (2xx), or why not and whether trying later can help. */
export type DeliveryVerdict = { ok: true; status: number } | { ok: false; retryable: boolean; gone: boolean; status: number | undefined; reason: string };

/**
 * Reads an outbound result the same way for every delivery: 2xx is accepted; 408, 429, 5xx and
 * network failures may succeed later; a refusal by the guard or another status will not; 410
 * (Standard Webhooks) means the receiver is gone for good.
 * @example deliveryVerdict({ kind: 'response', status: 503, headers: {}, body: Buffer.alloc(0), truncated: false }) // { ok: false, retryable: true, ... }
 */
export function deliveryVerdict(result: OutboundResult): DeliveryVerdict {
  const status = result.kind === 'response' ? result.status : undefined;
  if (status !== undefined && status >= 200 && status < 300) return { ok: true, status };
  return { ok: false, retryable: retryable(result), gone: status === 410, status, reason: describeResult(result) };
}

/**
 * When a failed delivery is tried again under the policy, or undefined to give up (it cannot
 * succeed, or it was the last attempt).
 * @example nextAttemptAt({ retryable: true }, 1, 0) // 10000
 */
export function nextAttemptAt(verdict: { retryable: boolean }, attempt: number, now: number): number | undefined {
  if (!verdict.retryable || attempt >= DELIVERY_RETRY.maxAttempts) return undefined;
  return now + backoffMs(attempt, DELIVERY_RETRY.backoffMs, DELIVERY_RETRY.maxBackoffMs);
}
