import { isObject, parseJson } from '../util.js';

/*
 * JSON calls to Rapport's public on-site endpoints. The write key rides in the query and bodies go
 * as text/plain (the server parses any body as JSON): "simple" CORS requests, so no preflight
 * round-trip delays a reveal or a submit.
 */
export interface Endpoint {
  host: string;
  writeKey: string;
}

export type Reply = { ok: boolean; status: number; body: Record<string, unknown> };

export async function call(endpoint: Endpoint, path: string, body?: unknown, query: Record<string, string | undefined> = {}): Promise<Reply> {
  const params = new URLSearchParams({ writeKey: endpoint.writeKey });
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
  const response = await fetch(
    `${endpoint.host}${path}?${params}`,
    body === undefined ? { credentials: 'omit' } : { method: 'POST', body: JSON.stringify(body), credentials: 'omit', keepalive: true },
  );
  const parsed = parseJson(await response.text());
  return { ok: response.ok, status: response.status, body: isObject(parsed) ? parsed : {} };
}

/** The server's error message (src/http/errors.ts shape), else the status. */
export const errorOf = (reply: Reply): string => (isObject(reply.body.error) && typeof reply.body.error.message === 'string' ? reply.body.error.message : `HTTP ${reply.status}`);
