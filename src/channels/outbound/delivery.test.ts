import { describe, expect, it } from 'vitest';
import { DELIVERY_RETRY, deliveryVerdict, nextAttemptAt } from './delivery.js';
import type { OutboundResult } from './outbound-http.js';

const answer = (status: number): OutboundResult => ({ kind: 'response', status, headers: {}, body: Buffer.alloc(0), truncated: false });

describe('the one delivery policy', () => {
  it('accepts 2xx and says which failures may succeed later', () => {
    expect(deliveryVerdict(answer(204))).toEqual({ ok: true, status: 204 });
    expect(deliveryVerdict(answer(503))).toMatchObject({ ok: false, retryable: true, gone: false, status: 503 });
    expect(deliveryVerdict(answer(429))).toMatchObject({ ok: false, retryable: true });
    expect(deliveryVerdict(answer(400))).toMatchObject({ ok: false, retryable: false, reason: 'the receiver answered 400' });
    expect(deliveryVerdict(answer(410))).toMatchObject({ ok: false, retryable: false, gone: true });
    expect(deliveryVerdict(answer(301))).toMatchObject({ ok: false, retryable: false, reason: 'the receiver answered 301 (redirects are not followed)' });
    expect(deliveryVerdict({ kind: 'failed', reason: 'connect ECONNREFUSED' })).toMatchObject({ ok: false, retryable: true, status: undefined });
    expect(deliveryVerdict({ kind: 'refused', reason: '127.0.0.1 is a private address' })).toMatchObject({ ok: false, retryable: false });
  });

  it('backs off exponentially, and gives up after the last attempt or on a failure that cannot succeed', () => {
    expect(nextAttemptAt({ retryable: true }, 1, 1000)).toBe(1000 + DELIVERY_RETRY.backoffMs);
    expect(nextAttemptAt({ retryable: true }, 3, 0)).toBe(4 * DELIVERY_RETRY.backoffMs);
    expect(nextAttemptAt({ retryable: true }, DELIVERY_RETRY.maxAttempts - 1, 0)).toBe(Math.min(DELIVERY_RETRY.maxBackoffMs, 2 ** (DELIVERY_RETRY.maxAttempts - 2) * DELIVERY_RETRY.backoffMs));
    expect(nextAttemptAt({ retryable: true }, DELIVERY_RETRY.maxAttempts, 0)).toBeUndefined();
    expect(nextAttemptAt({ retryable: false }, 1, 0)).toBeUndefined();
  });
});
