import type { FastifyReply } from 'fastify';
import type { RateLimit } from '../config/config.js';
import { BoundedCache } from '../shared/bounded-cache.js';
import { RapportError } from '../shared/errors.js';

/** Buckets one limiter keeps; past this the least recently seen key starts over with a full bucket. */
const MAX_BUCKETS = 50_000;

interface Bucket {
  tokens: number;
  at: number;
}

/** A refill rate in the unit that reads best: sign-in limits are per minute or per hour, not 0.0008/s. */
function rate(perSecond: number): string {
  if (perSecond >= 1) return `${perSecond} requests/s`;
  if (perSecond * 60 >= 1) return `${Math.round(perSecond * 60 * 100) / 100} requests/min`;
  return `${Math.round(perSecond * 3600 * 100) / 100} requests/hour`;
}

/**
 * An in-memory token bucket per key (client address, write key, admin token). Its memory is
 * bounded (an LRU of buckets), so a flood of made-up keys cannot turn it into the unbounded
 * cache it protects against. Per process: behind a load balancer each replica counts its own.
 * @example const limiter = new RateLimiter('ingest per IP', { perSecond: 100, burst: 200 });
 *          limiter.enforce(request.ip, reply);
 */
export class RateLimiter {
  private readonly buckets: BoundedCache<string, Bucket>;

  constructor(
    /** Named in the 429 body, so a client knows which limit it met. */
    readonly name: string,
    readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
    maxBuckets = MAX_BUCKETS,
  ) {
    // Keys are hashed or short ids, but a client address can be any header value behind a proxy.
    this.buckets = new BoundedCache({ maxEntries: maxBuckets, maxBytes: maxBuckets * 256, sizeOf: (key) => key.length * 2 + 96 });
  }

  /** Seconds until `key` may send again, or 0 when this request is allowed (and counted). */
  take(key: string): number {
    if (this.limit.perSecond <= 0) return 0;
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * this.limit.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.perSecond));
  }

  /** Counts one request of `key`; over the limit, sets Retry-After and throws `rate_limited` (429). */
  enforce(key: string, reply: FastifyReply): void {
    const wait = this.take(key);
    if (wait === 0) return;
    void reply.header('Retry-After', String(wait)).header('X-RateLimit-Reset', String(wait));
    const rule = `${rate(this.limit.perSecond)}, bursts of ${this.limit.burst}`;
    throw new RapportError('rate_limited', `rate limit "${this.name}" exceeded (${rule}); retry after ${wait} s`, [{ field: 'rateLimit', rule: this.name, message: rule }]);
  }

  /** Keys currently tracked (bounded by the limiter's bucket budget). */
  get trackedKeys(): number {
    return this.buckets.size;
  }
}
