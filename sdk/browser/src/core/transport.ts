import { readJson, writeJson } from './storage.js';
import { isObject, report } from './util.js';

/*
 * Batches analytics.js messages to POST /v1/batch. Unacknowledged messages are mirrored in
 * localStorage (`rapport:q`) so a reload or a crash does not lose them; the server dedupes on
 * messageId, so sending one twice (a tab closed mid-request) is harmless while losing one is not.
 * Bodies go as text/plain with the write key inside: a "simple" CORS request, no preflight, and
 * the same body works for sendBeacon, which cannot set headers.
 */
export type Message = Record<string, unknown> & { messageId: string };

const KEY = 'rapport:q';
const MAX_KEPT = 200;
const BATCH = 20;
const LINGER_MS = 500;
const BEACON_LIMIT = 60_000;

export class Transport {
  private queue: Message[] = [];
  private inflight: Message[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private enabled = false;

  constructor(
    private readonly url: string,
    private readonly writeKey: string,
  ) {}

  /** Turns sending on (consent granted) and picks up what earlier pages left unsent. */
  start(): void {
    if (this.enabled) return;
    this.enabled = true;
    const kept = readJson('local', KEY);
    if (Array.isArray(kept)) {
      const known = new Set(this.queue.map((message) => message.messageId));
      const restored = kept.filter((item): item is Message => isObject(item) && typeof item.messageId === 'string' && !known.has(item.messageId));
      this.queue = [...restored, ...this.queue];
    }
    this.save();
    this.schedule(0);
  }

  /** Drops everything not yet sent (consent denied, reset of a queue that must not leave). */
  discard(): void {
    this.queue = [];
    if (this.enabled) this.save();
  }

  push(message: Message): void {
    this.queue.push(message);
    if (this.queue.length > MAX_KEPT) this.queue.splice(0, this.queue.length - MAX_KEPT);
    if (!this.enabled) return;
    this.save();
    this.schedule(this.queue.length >= BATCH ? 0 : LINGER_MS);
  }

  /** Page is going away: hand everything queued to sendBeacon, which outlives the page. */
  beacon(): void {
    if (!this.enabled || this.queue.length === 0 || typeof navigator.sendBeacon !== 'function') return;
    while (this.queue.length > 0) {
      const batch = this.take(BEACON_LIMIT);
      if (!navigator.sendBeacon(this.url, this.body(batch))) {
        this.queue = [...batch, ...this.queue];
        break;
      }
    }
    this.save();
  }

  private schedule(delay: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delay);
  }

  private take(byteLimit: number): Message[] {
    const batch: Message[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && batch.length < BATCH * 5) {
      const next = this.queue[0];
      const size = JSON.stringify(next).length;
      if (batch.length > 0 && bytes + size > byteLimit) break;
      bytes += size;
      batch.push(this.queue.shift() as Message);
    }
    return batch;
  }

  private body(batch: Message[]): string {
    return JSON.stringify({ batch, sentAt: new Date().toISOString(), writeKey: this.writeKey });
  }

  private async flush(): Promise<void> {
    if (this.inflight.length > 0 || this.queue.length === 0) return;
    const batch = this.take(400_000);
    this.inflight = batch;
    let retry: boolean;
    try {
      const body = this.body(batch);
      const response = await fetch(this.url, { method: 'POST', body, keepalive: body.length < BEACON_LIMIT, credentials: 'omit' });
      // 429 and 5xx are the server's trouble: keep the messages. Other 4xx will never succeed.
      retry = response.status === 429 || response.status >= 500;
    } catch (error) {
      retry = true; // offline, blocked, DNS: try again later
      if (!(error instanceof TypeError)) report(error);
    }
    this.inflight = [];
    if (retry) {
      this.queue = [...batch, ...this.queue];
      this.failures++;
    } else {
      this.failures = 0;
    }
    this.save();
    if (this.queue.length > 0) this.schedule(retry ? Math.min(60_000, 1000 * 2 ** this.failures) : 0);
  }

  private save(): void {
    writeJson('local', KEY, [...this.inflight, ...this.queue].slice(-MAX_KEPT));
  }
}
