import type { DeliveryOutcome } from './provider.js';

/** Provider attempts for one send and the first pause (multiplied by 4 each retry): `RAPPORT_SEND_ATTEMPTS`, `RAPPORT_SEND_BACKOFF_MS`. */
export interface SendRetry {
  attempts: number;
  baseDelayMs: number;
}

/**
 * Calls `attempt` until it succeeds, fails for good, or `retry.attempts` calls have failed
 * retryably, pausing `baseDelayMs · 4^(n−1)` between calls: the short in-process retries of one
 * send (an SMTP server's blip), before the message is recorded failed.
 * @example const { outcome, attempts } = await withAttempts({ attempts: 4, baseDelayMs: 500 }, sleep, () => provider.send(message));
 */
export async function withAttempts(
  retry: SendRetry,
  sleep: (ms: number) => Promise<void>,
  attempt: () => Promise<DeliveryOutcome>,
  onRetryableFailure?: (attempt: number, error: string) => void,
): Promise<{ outcome: DeliveryOutcome; attempts: number }> {
  let outcome: DeliveryOutcome = { ok: false, retryable: false, error: 'not attempted' };
  for (let count = 1; count <= retry.attempts; count++) {
    outcome = await attempt();
    if (outcome.ok || !outcome.retryable) return { outcome, attempts: count };
    onRetryableFailure?.(count, outcome.error);
    if (count < retry.attempts) await sleep(retry.baseDelayMs * 4 ** (count - 1));
  }
  return { outcome, attempts: retry.attempts };
}
