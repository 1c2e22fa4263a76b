import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { signWebhook } from '../standard-webhooks.js';
import { OutboundGuard, parseAllowList, type CheckedTarget, type Resolver } from './guard.js';
import { maskCredentials } from './url.js';

export interface OutboundHttpOptions {
  /** Operator ranges that may be reached though not public (`RAPPORT_OUTBOUND_ALLOW`). */
  allow?: readonly string[];
  /** Name resolution (default the system resolver); tests inject one. */
  resolve?: Resolver;
  /** Whole-request deadline, resolution included; default 10 s. */
  timeoutMs?: number;
  /** Bytes of a response body kept; the rest is not read; default 64 KiB. */
  maxResponseBytes?: number;
}

export interface OutboundRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs?: number;
  /** Standard Webhooks: adds `webhook-id`, `webhook-timestamp` and `webhook-signature`. */
  sign?: { secret: string; id: string; timestampSeconds: number };
}

/**
 * What a call came to. `refused`: the guard said no (retrying cannot help); `failed`: the
 * network, a timeout or name resolution (it may work later); `response`: any status, including
 * 3xx, since redirects are never followed.
 */
export type OutboundResult =
  { kind: 'response'; status: number; headers: Record<string, string>; body: Buffer; truncated: boolean } | { kind: 'refused'; reason: string } | { kind: 'failed'; reason: string };

/** Whether trying again later can succeed: outages, 408, 429 and 5xx. */
export function retryable(result: OutboundResult): boolean {
  if (result.kind === 'refused') return false;
  if (result.kind === 'failed') return true;
  return result.status === 408 || result.status === 429 || result.status >= 500;
}

/**
 * Exponential backoff for attempt n (1-based): base, 2·base, 4·base, ... capped.
 * @example backoffMs(3, 5000, 3_600_000) // 20000
 */
export function backoffMs(attempt: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** A one-line description of a result for message logs (never carries URL credentials). */
export function describeResult(result: OutboundResult): string {
  if (result.kind !== 'response') return maskCredentials(result.reason);
  const redirect = result.status >= 300 && result.status < 400 ? ' (redirects are not followed)' : '';
  return `the receiver answered ${result.status}${redirect}`;
}

/** Node's `lookup` hook that answers only with the addresses already checked: no second resolution. */
function pinnedLookup(target: CheckedTarget): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = typeof options === 'object' && options.family !== undefined && options.family !== 0 ? target.addresses.filter((entry) => entry.family === options.family) : target.addresses;
    const first = wanted[0];
    if (first === undefined) {
      callback(Object.assign(new Error(`no checked address of family ${String(options.family)}`), { code: 'ENOTFOUND' }), '', 4);
      return;
    }
    if (typeof options === 'object' && options.all === true) callback(null, wanted);
    else callback(null, first.address, first.family);
  };
}

/**
 * The one outbound HTTP path: every feature that calls a URL a workspace gave (webhooks, segment
 * sync, journey webhook nodes, web push, SMS providers) goes through `request`. It checks the
 * URL with the SSRF guard, connects only to the addresses it checked, never follows a
 * redirect, signs per Standard Webhooks when asked, bounds time and response size, and turns
 * every failure into a value.
 * @example const outbound = new OutboundHttp({ allow: config.outboundAllow }); const result = await outbound.request({ url, body: '{}' });
 */
export class OutboundHttp {
  readonly guard: OutboundGuard;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;

  constructor(options: OutboundHttpOptions = {}) {
    this.guard = new OutboundGuard({ allow: parseAllowList(options.allow ?? []), ...(options.resolve === undefined ? {} : { resolve: options.resolve }) });
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  }

  async request(request: OutboundRequest): Promise<OutboundResult> {
    const timeoutMs = request.timeoutMs ?? this.#timeoutMs;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    try {
      const checked = await Promise.race([this.guard.check(request.url), new Promise<undefined>((resolve) => deadline.signal.addEventListener('abort', () => resolve(undefined), { once: true }))]);
      if (checked === undefined) return { kind: 'failed', reason: `timed out after ${timeoutMs} ms resolving the destination` };
      if (!checked.ok) return checked.retryable ? { kind: 'failed', reason: checked.reason } : { kind: 'refused', reason: checked.reason };
      return await this.#send(checked.target, request, deadline.signal, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  #headers(target: CheckedTarget, request: OutboundRequest, body: Buffer | undefined): Record<string, string> {
    const headers: Record<string, string> = Object.create(null);
    headers['user-agent'] = 'rapport';
    for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
    const { username, password } = target.url;
    if ((username !== '' || password !== '') && headers.authorization === undefined) {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(username)}:${decodeURIComponent(password)}`).toString('base64')}`;
    }
    if (request.sign !== undefined) {
      const { secret, id, timestampSeconds } = request.sign;
      headers['webhook-id'] = id;
      headers['webhook-timestamp'] = String(timestampSeconds);
      headers['webhook-signature'] = signWebhook(secret, id, timestampSeconds, body?.toString('utf8') ?? '');
    }
    if (body !== undefined) headers['content-length'] = String(body.length);
    return headers;
  }

  #send(target: CheckedTarget, request: OutboundRequest, signal: AbortSignal, timeoutMs: number): Promise<OutboundResult> {
    const body = request.body === undefined ? undefined : typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : Buffer.from(request.body);
    const { url } = target;
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<OutboundResult>((resolve) => {
      let settled = false;
      const finish = (result: OutboundResult): void => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      const outgoing = client.request({
        method: request.method ?? 'POST',
        hostname: target.hostname.replace(/^\[|\]$/g, ''),
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        headers: this.#headers(target, request, body),
        lookup: pinnedLookup(target),
        // One connection per call: a pooled socket could outlive the check it was made under.
        agent: false,
        signal,
      });
      outgoing.on('response', (incoming) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const headers: Record<string, string> = Object.create(null);
        for (const [name, value] of Object.entries(incoming.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        const done = (): void => finish({ kind: 'response', status: incoming.statusCode ?? 0, headers, body: Buffer.concat(chunks), truncated });
        incoming.on('data', (chunk: Buffer) => {
          const room = this.#maxResponseBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, Math.max(0, room)));
            size = this.#maxResponseBytes;
            truncated = true;
            done();
            incoming.destroy();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        incoming.on('end', done);
        incoming.on('error', done);
      });
      outgoing.on('error', (error) => {
        const reason = signal.aborted ? `timed out after ${timeoutMs} ms` : error.message;
        finish({ kind: 'failed', reason: maskCredentials(`${target.url.host}: ${reason}`) });
      });
      outgoing.end(body);
    });
  }
}
