import { setTimeout as delay } from 'node:timers/promises';
import { RapportError } from '../shared/errors.js';

/** Which credential a request carries: the source's write key, an admin token, or none. */
export type DemoAuth = 'write' | 'admin' | 'none';

export interface DemoResponse {
  status: number;
  body: unknown;
}

export type DemoMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The demo talks to Rapport only as a client would: the Segment-compatible ingest API with a
 * write key, the admin API with a token, the public pixel and redirect links. One function, two
 * transports: HTTP to a running server, or `inject` into an app in this process.
 */
export interface DemoApi {
  request(method: DemoMethod, path: string, options?: { auth?: DemoAuth; body?: unknown; csv?: string }): Promise<DemoResponse>;
}

/** The name of the write key `rapport demo` sends with (and the demo storefront's SDK snippet uses). */
export const DEMO_SOURCE = 'Demo shop';

export interface DemoCredentials {
  writeKey: string;
  adminToken: string;
}

function headers(credentials: DemoCredentials, auth: DemoAuth, body: unknown, csv?: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (body !== undefined) out['content-type'] = 'application/json';
  if (csv !== undefined) out['content-type'] = 'text/csv';
  if (auth === 'write') out.authorization = `Basic ${Buffer.from(`${credentials.writeKey}:`).toString('base64')}`;
  if (auth === 'admin') out.authorization = `Bearer ${credentials.adminToken}`;
  return out;
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** How long the demo waits on a 429/503 without a Retry-After, and at most with one; and how many times it asks. */
const BUSY_WAIT_MS = 500;
const BUSY_WAIT_MAX_MS = 5_000;
const BUSY_ATTEMPTS = 30;

/**
 * Sends until the server stops answering "busy": 429 (rate limits, load shedding) and a 503 with
 * `Retry-After` ask a client to come back later, so the demo waits that long (at most 5 s) and asks
 * again, as any well-behaved client does; nothing it sends is dropped because the server was busy.
 */
async function politely(send: () => Promise<{ status: number; retryAfter: string | undefined; body: unknown }>): Promise<DemoResponse> {
  for (let attempt = 1; ; attempt += 1) {
    const answer = await send();
    const busy = answer.status === 429 || (answer.status === 503 && answer.retryAfter !== undefined);
    if (!busy || attempt >= BUSY_ATTEMPTS) return { status: answer.status, body: answer.body };
    const seconds = Number(answer.retryAfter);
    await delay(Number.isFinite(seconds) && seconds > 0 ? Math.min(BUSY_WAIT_MAX_MS, seconds * 1000) : BUSY_WAIT_MS);
  }
}

/**
 * A DemoApi over HTTP (fetch) to `baseUrl`.
 * @example const api = httpDemoApi('http://127.0.0.1:4000', { writeKey, adminToken });
 */
export function httpDemoApi(baseUrl: string, credentials: DemoCredentials): DemoApi {
  const base = baseUrl.replace(/\/$/, '');
  return {
    async request(method, path, options = {}) {
      return politely(async () => {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: headers(credentials, options.auth ?? 'admin', options.body, options.csv),
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
          ...(options.csv === undefined ? {} : { body: options.csv }),
          redirect: 'manual',
          signal: AbortSignal.timeout(60_000),
        });
        return { status: response.status, retryAfter: response.headers.get('retry-after') ?? undefined, body: parse(await response.text()) };
      });
    },
  };
}

/** What the in-process transport needs of an app: Fastify's `inject` (the demo knows no HTTP framework). */
export interface InjectableApp {
  inject(options: { method: DemoMethod; url: string; headers: Record<string, string>; payload?: string }): Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>;
}

/**
 * A DemoApi that injects requests into an app of this process (no socket).
 * @example const api = injectDemoApi(rapport.app, { writeKey, adminToken });
 */
export function injectDemoApi(app: InjectableApp, credentials: DemoCredentials): DemoApi {
  return {
    async request(method, path, options = {}) {
      return politely(async () => {
        const response = await app.inject({
          method,
          url: path,
          headers: headers(credentials, options.auth ?? 'admin', options.body, options.csv),
          ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
          ...(options.csv === undefined ? {} : { payload: options.csv }),
        });
        const retryAfter = response.headers['retry-after'];
        return { status: response.statusCode, retryAfter: retryAfter === undefined ? undefined : String(retryAfter), body: parse(response.body) };
      });
    },
  };
}

/** A field of a JSON object answer, or undefined. */
export function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Reflect.get(value, key) : undefined;
}

/** The answer's body when the status is one of `ok`; otherwise an error naming the call and the server's message. */
export function expectStatus(response: DemoResponse, ok: readonly number[], what: string): unknown {
  if (ok.includes(response.status)) return response.body;
  const message = field(response.body, 'message') ?? field(field(response.body, 'error'), 'message') ?? JSON.stringify(response.body);
  const code = response.status === 401 ? 'unauthorized' : response.status >= 500 ? 'unavailable' : 'invalid_request';
  throw new RapportError(code, `${what} failed (HTTP ${response.status}): ${String(message)}`);
}
