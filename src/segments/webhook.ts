import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { privateDestination } from '../channels/address-guard.js';
import { signWebhook } from '../channels/standard-webhooks.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import { finishDelivery, getSegment, pendingDeliveries } from '../storage/repositories/segments.js';

/*
 * Audience sync to a webhook: every entry and exit of a segment with a destination is queued
 * in an outbox row written in the same commit as the membership change, then POSTed, signed
 * per Standard Webhooks (HMAC-SHA256), and retried with backoff until it is accepted. The
 * full webhook channel (journeys) lives in src/channels; this is the small audience-sync part.
 */

export const WebhookDestinationSchema = Type.Object(
  {
    url: Type.String({ minLength: 8, maxLength: 2000, description: 'http(s) URL that receives segment.entered / segment.exited' }),
    secret: Type.Optional(Type.String({ minLength: 8, description: 'whsec_... signing secret; generated when omitted' })),
    allowPrivate: Type.Optional(Type.Boolean({ description: 'Allow private and loopback addresses (off by default, against SSRF)' })),
  },
  { additionalProperties: false, $id: 'WebhookDestination' },
);
export type WebhookDestination = Static<typeof WebhookDestinationSchema>;

/** The stored destination, or undefined when the text is not one (never throws). */
export function parseDestination(text: string): WebhookDestination | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return Value.Check(WebhookDestinationSchema, value) ? value : undefined;
}

const maxAttempts = 10;
const backoffMs = (attempt: number): number => Math.min(60 * 60_000, 5_000 * 2 ** attempt);

export interface DelivererOptions {
  database: Database;
  clock?: Clock;
  /** Poll interval when idle; default 1000 ms. */
  pollMs?: number;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
  logger?: { error(details: object, message: string): void };
}

/**
 * Sends queued audience webhooks.
 * @example const deliverer = new WebhookDeliverer({ database }); deliverer.start(); engine.onTransitions(() => deliverer.wake());
 */
export class WebhookDeliverer {
  readonly #options: DelivererOptions;
  readonly #clock: Clock;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: DelivererOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#loop;
  }

  wake(): void {
    if (this.#running) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#loop = this.deliverDue()
        .catch((error: unknown) => this.#options.logger?.error({ err: error }, 'segment webhook delivery pass failed'))
        .then(() => {
          if (this.#running && this.#timer === undefined) this.schedule(this.#options.pollMs ?? 1000);
        });
    }, ms);
    this.#timer.unref();
  }

  /** Sends every delivery that is due; returns how many were accepted. */
  async deliverDue(limit = 100): Promise<number> {
    const { database } = this.#options;
    const rows = await pendingDeliveries(database.db, this.#clock.now(), limit);
    let delivered = 0;
    const destinations = new Map<string, WebhookDestination | undefined>();
    for (const row of rows) {
      const key = `${row.workspaceId}\u0000${row.segmentId}`;
      if (!destinations.has(key)) {
        const segment = await getSegment(database.db, row.workspaceId, row.segmentId);
        destinations.set(key, segment?.destination === null || segment === undefined ? undefined : parseDestination(segment.destination));
      }
      const destination = destinations.get(key);
      const now = this.#clock.now();
      const error = destination === undefined ? 'the segment no longer has a webhook destination' : await this.send(destination, row.id, row.payload, now);
      const attempts = row.attempts + 1;
      if (error === undefined) {
        await finishDelivery(database.db, row.workspaceId, row.id, { deliveredAt: now });
        delivered += 1;
      } else {
        // Past the last attempt the row stays undelivered with its error, for the API to show.
        const next = attempts >= maxAttempts || destination === undefined ? Number.MAX_SAFE_INTEGER : now + backoffMs(attempts);
        await finishDelivery(database.db, row.workspaceId, row.id, { error, nextAttemptAt: next, attempts });
      }
    }
    return delivered;
  }

  /** One POST; the reason it failed, or undefined when the receiver answered 2xx. */
  private async send(destination: WebhookDestination, id: string, body: string, now: number): Promise<string | undefined> {
    if (destination.allowPrivate !== true) {
      const blocked = await privateDestination(destination.url);
      if (blocked !== undefined) return blocked;
    }
    const timestamp = Math.floor(now / 1000);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'user-agent': 'rapport-segments' };
    if (destination.secret !== undefined) headers['webhook-signature'] = signWebhook(destination.secret, id, timestamp, body);
    try {
      const response = await fetch(destination.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000), redirect: 'manual' });
      await response.arrayBuffer().catch(() => undefined);
      return response.status >= 200 && response.status < 300 ? undefined : `the receiver answered ${response.status}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}
