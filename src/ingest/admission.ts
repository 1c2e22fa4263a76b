import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { IngestAdmission } from '../config/config.js';
import { RapportError } from '../shared/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A heavy tracking route (batches, imports): admitted through `BatchAdmission`. */
    heavyIngest?: boolean;
  }
}

/** Seconds a turned-away client waits; SDKs (analytics-node, rudder) honour Retry-After. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Batches already in flight before one is shed: a lone batch is never refused, since turning it
 * away frees nothing, and a loop that is late only because the machine is busy with other
 * processes (CI, a neighbour) does not make a client's one request fail.
 */
const SHED_WHEN_IN_FLIGHT = 2;

/**
 * Requests in flight per key (client address, write key): past `limit` the next is turned away
 * rather than queued, so one client cannot hold many 500 KB batches in memory and in the
 * slice queue at once. Keys leave the map when their last request ends, so it stays as small as
 * the number of requests in flight.
 * @example const release = limit.tryAcquire('10.0.0.7'); if (release) try { ... } finally { release(); }
 */
export class InFlightLimit {
  readonly #counts = new Map<string, number>();

  constructor(
    /** Named in the 429 body, so a client knows which limit it met. */
    readonly name: string,
    /** 0 turns the limit off. */
    readonly limit: number,
  ) {}

  /** Counts one request of `key`; returns its release (idempotent), or undefined at the limit. */
  tryAcquire(key: string): (() => void) | undefined {
    if (this.limit <= 0) return () => undefined;
    const count = this.#counts.get(key) ?? 0;
    if (count >= this.limit) return undefined;
    this.#counts.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#counts.get(key) ?? 1) - 1;
      if (left <= 0) this.#counts.delete(key);
      else this.#counts.set(key, left);
    };
  }

  /** Like `tryAcquire`, but throws `too_busy` (429, Retry-After) at the limit. */
  acquire(key: string, reply: FastifyReply): () => void {
    const release = this.tryAcquire(key);
    if (release !== undefined) return release;
    void reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
    throw new RapportError('too_busy', `limit "${this.name}" reached: ${this.limit} batch requests at once; retry after ${RETRY_AFTER_SECONDS} s`, [
      { field: 'inFlight', rule: this.name, message: `${this.limit} at once` },
    ]);
  }

  /** Keys with a request in flight. */
  get trackedKeys(): number {
    return this.#counts.size;
  }
}

/**
 * How late the event loop runs (perf_hooks.monitorEventLoopDelay): the 90th percentile of the
 * last full window. A percentile, not the maximum, so one long step (migrations at start, a
 * GC pause) does not shed anything, while a loop that is late on most turns does.
 */
export class LoopDelay {
  readonly #histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  readonly #timer: NodeJS.Timeout;
  #lastMs = 0;

  constructor(windowMs = 500) {
    this.#histogram.enable();
    this.#timer = setInterval(() => {
      this.#lastMs = this.#histogram.count === 0 ? 0 : this.#histogram.percentile(90) / 1e6;
      this.#histogram.reset();
    }, windowMs);
    this.#timer.unref();
  }

  get delayMs(): number {
    return this.#lastMs;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
  }
}

/**
 * Admission of heavy tracking requests: when the event loop runs later than `shedLagMs` on most
 * turns and other batches are in flight, batches are answered 429 with Retry-After before their body is read (nothing
 * is acknowledged, so the SDK's retry loses nothing) while /healthz and single events still get
 * through; a client address may have `inFlightPerIp` batches in flight and a write key
 * `inFlightPerWriteKey`. docs/ingest-limits.md describes the limits.
 */
export class BatchAdmission {
  readonly perIp: InFlightLimit;
  readonly perWriteKey: InFlightLimit;
  readonly #delay: LoopDelay | undefined;
  #inFlight = 0;

  constructor(readonly settings: IngestAdmission) {
    this.perIp = new InFlightLimit('batches in flight per IP', settings.inFlightPerIp);
    this.perWriteKey = new InFlightLimit('batches in flight per write key', settings.inFlightPerWriteKey);
    this.#delay = settings.shedLagMs > 0 ? new LoopDelay() : undefined;
  }

  /** onRequest: sheds under event-loop delay, then counts the request against its address until the response closes. */
  admit(request: FastifyRequest, reply: FastifyReply): void {
    if (request.routeOptions.config.heavyIngest !== true) return;
    const delay = this.#delay?.delayMs ?? 0;
    if (delay > this.settings.shedLagMs && this.#inFlight >= SHED_WHEN_IN_FLIGHT) {
      void reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
      throw new RapportError('overloaded', `the server is running ${Math.round(delay)} ms late; batches are refused until it catches up, retry after ${RETRY_AFTER_SECONDS} s`);
    }
    const release = this.perIp.acquire(request.ip, reply);
    this.#inFlight += 1;
    // 'close' comes once, whether the response was sent or the client went away.
    reply.raw.once('close', () => {
      this.#inFlight -= 1;
      release();
    });
  }

  register(app: FastifyInstance): void {
    app.addHook('onClose', async () => this.#delay?.stop());
  }
}
