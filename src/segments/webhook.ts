import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { deliveryVerdict, nextAttemptAt, type DeliveryVerdict, OutboundHttp, hasCredentials, shownUrl } from '../channels/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { SecretKeyError, type SecretBox } from '../shared/secret-box.js';
import type { Database } from '../storage/database.js';
import { claimDeliveries, extendClaim, finishDelivery, getSegment } from './store/segments.js';

/*
 * Audience sync to a webhook: every entry and exit of a segment with a destination is queued
 * in an outbox row written in the same commit as the membership change, then POSTed, signed
 * per Standard Webhooks (HMAC-SHA256) through the one guarded outbound path, and retried with
 * backoff until it is accepted. The destination's secret (and URL credentials) are sealed at
 * rest under the operator's key. The full webhook channel (journeys) lives in src/channels;
 * this is the small audience-sync part.
 */

export const WebhookDestinationSchema = Type.Object(
  {
    url: Type.String({ minLength: 8, maxLength: 2000, description: 'http(s) URL that receives segment.entered / segment.exited' }),
    secret: Type.Optional(Type.String({ minLength: 8, description: 'whsec_... signing secret; generated when omitted' })),
    allowPrivate: Type.Optional(Type.Boolean({ description: 'Accepted only as false: private ranges are opened by the server operator (RAPPORT_OUTBOUND_ALLOW), never by a workspace' })),
  },
  { additionalProperties: false, $id: 'WebhookDestination' },
);
export type WebhookDestination = Static<typeof WebhookDestinationSchema>;

/** A destination as stored: URL (sealed when it carries credentials) and sealed secret; `allowPrivate` of old rows is ignored. */
const StoredDestinationSchema = Type.Object({ url: Type.String(), secret: Type.Optional(Type.String()) });
type StoredDestination = Static<typeof StoredDestinationSchema>;

/** The stored destination, or undefined when the text is not one (never throws). */
export function parseDestination(text: string): StoredDestination | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return Value.Check(StoredDestinationSchema, value) ? value : undefined;
}

const contextOf = (workspaceId: string): string => `segment_destination\u0000${workspaceId}`;

/** The JSON stored for a destination: its URL sealed when it carries credentials, its secret sealed. */
export function sealDestination(secrets: SecretBox, workspaceId: string, destination: { url: string; secret: string | undefined }): string {
  const context = contextOf(workspaceId);
  const url = hasCredentials(destination.url) ? secrets.seal(destination.url, context) : destination.url;
  return JSON.stringify(destination.secret === undefined ? { url } : { url, secret: secrets.seal(destination.secret, context) });
}

/** A stored destination opened for delivery (throws SecretKeyError when its key is missing). */
export function openDestination(secrets: SecretBox, workspaceId: string, stored: StoredDestination): { url: string; secret: string | undefined } {
  const context = contextOf(workspaceId);
  return { url: secrets.open(stored.url, context), secret: stored.secret === undefined ? undefined : secrets.open(stored.secret, context) };
}

/** The URL as the API shows it: credentials masked (and never opened when its key is missing). */
export function shownDestinationUrl(secrets: SecretBox, workspaceId: string, stored: StoredDestination): string {
  return shownUrl(stored.url, (value) => secrets.open(value, contextOf(workspaceId)));
}

/** The stored text re-sealed under the current key, or undefined when nothing changes. */
export function resealDestination(secrets: SecretBox, workspaceId: string, text: string): string | undefined {
  const stored = parseDestination(text);
  if (stored === undefined) return undefined;
  const open = openDestination(secrets, workspaceId, stored);
  const current = (value: string): boolean => secrets.isCurrent(value);
  if ((!hasCredentials(open.url) || current(stored.url)) && (stored.secret === undefined || current(stored.secret)) && !('allowPrivate' in stored)) return undefined;
  return sealDestination(secrets, workspaceId, open);
}

/** A destination to send to, why there is none, or the key its secret is sealed under that this server lacks. */
type Destination = { url: string; secret: string | undefined } | { missingKey: string } | string;

export interface DelivererOptions {
  database: Database;
  /** Opens the destinations' sealed secrets (the same box the segment service seals with). */
  secrets: SecretBox;
  /** The guarded outbound path; default one with no operator allow list. */
  outbound?: OutboundHttp;
  clock?: Clock;
  /** Poll interval when idle; default 1000 ms. */
  pollMs?: number;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
  /** How long claimed deliveries are reserved for this process (renewed while it sends); default the larger of 60 s and 4 request timeouts. */
  claimMs?: number;
  logger?: { error(details: object, message: string): void };
}

/**
 * Sends queued audience webhooks.
 * @example const deliverer = new WebhookDeliverer({ database }); deliverer.start(); engine.onTransitions(() => deliverer.wake());
 */
export class WebhookDeliverer {
  readonly #options: DelivererOptions;
  readonly #clock: Clock;
  readonly #outbound: OutboundHttp;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: DelivererOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#outbound = options.outbound ?? new OutboundHttp();
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

  /**
   * Claims the deliveries that are due and sends them; returns how many were accepted. A claim
   * lasts `claimMs` and is renewed for the rows still to send whenever half of it has passed, so
   * one entry goes to one process even when several share the store.
   */
  async deliverDue(limit = 100): Promise<number> {
    const { database } = this.#options;
    const claimMs = this.#claimMs();
    let claimedUntil = this.#clock.now() + claimMs;
    const rows = await claimDeliveries(database.db, this.#clock.now(), limit, claimedUntil);
    let delivered = 0;
    const destinations = new Map<string, Destination>();
    for (const [index, row] of rows.entries()) {
      if (this.#clock.now() > claimedUntil - claimMs / 2) {
        const until = this.#clock.now() + claimMs;
        await extendClaim(database.db, rows.slice(index), claimedUntil, until);
        claimedUntil = until;
      }
      const key = `${row.workspaceId}\u0000${row.segmentId}`;
      if (!destinations.has(key)) destinations.set(key, await this.destination(row.workspaceId, row.segmentId));
      const destination = destinations.get(key) ?? 'the segment no longer has a webhook destination';
      const now = this.#clock.now();
      if (typeof destination === 'object' && 'missingKey' in destination) {
        // Sealed under a key this server does not hold (another server's RAPPORT_SECRET_KEY): left
        // due again in a while, attempts unchanged, for a server that holds the key.
        await finishDelivery(database.db, row.workspaceId, row.id, claimedUntil, { error: destination.missingKey, nextAttemptAt: now + claimMs, attempts: row.attempts });
        continue;
      }
      const verdict: DeliveryVerdict =
        typeof destination === 'string' ? { ok: false, retryable: false, gone: false, status: undefined, reason: destination } : await this.send(destination, row.id, row.payload, now);
      const attempts = row.attempts + 1;
      if (verdict.ok) {
        if (await finishDelivery(database.db, row.workspaceId, row.id, claimedUntil, { deliveredAt: now })) delivered += 1;
      } else {
        // Given up (it cannot succeed, or that was the last attempt): the row stays undelivered with its error, for the API to show.
        const next = nextAttemptAt(verdict, attempts, now) ?? Number.MAX_SAFE_INTEGER;
        await finishDelivery(database.db, row.workspaceId, row.id, claimedUntil, { error: verdict.reason, nextAttemptAt: next, attempts });
      }
    }
    return delivered;
  }

  /** How long a claim holds: several request timeouts, so a slow receiver never outlives it between renewals. */
  #claimMs(): number {
    return this.#options.claimMs ?? Math.max(60_000, 4 * (this.#options.timeoutMs ?? 10_000));
  }

  /** The segment's destination opened for delivery, why there is none to deliver to, or the key it needs that this server lacks. */
  private async destination(workspaceId: string, segmentId: string): Promise<Destination> {
    const segment = await getSegment(this.#options.database.db, workspaceId, segmentId);
    const stored = segment?.destination === null || segment === undefined ? undefined : parseDestination(segment.destination);
    if (stored === undefined) return 'the segment no longer has a webhook destination';
    try {
      return openDestination(this.#options.secrets, workspaceId, stored);
    } catch (error) {
      if (error instanceof SecretKeyError) return { missingKey: error.message };
      return error instanceof Error ? error.message : String(error);
    }
  }

  /** One POST, read under the one delivery policy. */
  private async send(destination: { url: string; secret: string | undefined }, id: string, body: string, now: number): Promise<DeliveryVerdict> {
    const result = await this.#outbound.request({
      url: destination.url,
      headers: { 'content-type': 'application/json', 'user-agent': 'rapport-segments' },
      body,
      ...(this.#options.timeoutMs === undefined ? {} : { timeoutMs: this.#options.timeoutMs }),
      ...(destination.secret === undefined ? {} : { sign: { secret: destination.secret, id, timestampSeconds: Math.floor(now / 1000) } }),
    });
    return deliveryVerdict(result);
  }
}
