import type { ApiPaths } from './paths.gen';

/*
 * The dashboard's one way to the API: same origin, the HttpOnly session cookie, the CSRF token
 * on every unsafe method, and the API's own error shape turned into field messages a form can
 * show beside the field they concern. Paths are checked against the server's OpenAPI document
 * (paths.gen.ts), so the app cannot call a route the API does not have.
 */

export type Method = keyof ApiPaths;
export type ApiPath<M extends Method> = ApiPaths[M];

/** `{id}` placeholders of a path as an object of strings. */
type PathParams<P extends string> = P extends `${string}{${infer Name}}${infer Rest}` ? { [K in Name]: string } & PathParams<Rest> : unknown;

export interface FieldIssue {
  field: string;
  message: string;
}

/** An answer that is not 2xx: the API's code, type and message, plus its per-field issues. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: FieldIssue[] = [],
    readonly retryAfterSeconds?: number,
    /** The HTTP class of `code` (`invalid_request`, `conflict`, …), which the app translates when it does not know the code. */
    readonly type?: string,
  ) {
    super(message);
  }

  /** The message for one form field, matching `body.name` / `body.steps.0.name` style paths by their end. */
  fieldMessage(field: string): string | undefined {
    const issue = this.issues.find((entry) => entry.field === field || entry.field === `body.${field}` || entry.field.endsWith(`.${field}`));
    return issue?.message;
  }
}

let csrfToken: string | undefined;
const signedOutListeners = new Set<() => void>();

/** The token the API gave at sign-in (and in /auth/me), sent in X-CSRF-Token on unsafe methods. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when a request finds the session ended: the shell shows sign-in above the current screen. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/** Fills `{name}` placeholders, each value URL-encoded. */
export function fillPath(template: string, params: Record<string, string> | undefined): string {
  return template.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(value);
  });
}

export type Query = Record<string, string | number | boolean | undefined | null | readonly string[]>;

function withQuery(url: string, query: Query | undefined): string {
  if (query === undefined) return url;
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const item of value) search.append(key, String(item));
    else search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? url : `${url}?${text}`;
}

async function errorOf(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = (body as { error?: { code?: string; type?: string; message?: string; issues?: FieldIssue[] } } | undefined)?.error;
  const retry = Number(response.headers.get('retry-after'));
  return new ApiError(
    response.status,
    error?.code ?? `http_${response.status}`,
    error?.message ?? `${response.status} ${response.statusText}`,
    Array.isArray(error?.issues) ? error.issues : [],
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
    error?.type,
  );
}

export interface RequestOptions<P extends string> {
  params?: PathParams<P> & Record<string, string>;
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Answer as text (CSV downloads) instead of JSON. */
  text?: boolean;
}

/** The session check in flight (GET /auth/me), which carries the CSRF token. */
let sessionCheck: Promise<unknown> | undefined;

/**
 * One call: the parsed JSON answer (undefined for 204), or an ApiError. A change asked for before
 * the session's CSRF token is known (a route loader starting a report while the page loads) first
 * waits for the session check, starting one if none is in flight, instead of being refused.
 */
export async function request<M extends Method, P extends ApiPath<M>>(method: M, path: P, options: RequestOptions<P> = {}): Promise<unknown> {
  if (method === 'get' && path === '/api/v1/auth/me') {
    const check = send(method, path, options).then((me) => {
      const token = (me as { csrfToken?: unknown } | undefined)?.csrfToken;
      if (typeof token === 'string') csrfToken = token;
      return me;
    });
    sessionCheck = check;
    try {
      return await check;
    } finally {
      if (sessionCheck === check) sessionCheck = undefined;
    }
  }
  if (method !== 'get' && csrfToken === undefined && !path.startsWith('/api/v1/auth/')) await (sessionCheck ?? request('get', '/api/v1/auth/me')).catch(() => undefined);
  return send(method, path, options);
}

async function send(method: Method, path: string, options: RequestOptions<string>): Promise<unknown> {
  const url = withQuery(fillPath(path, options.params), options.query);
  const headers: Record<string, string> = { accept: options.text === true ? 'text/csv, text/plain, */*' : 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'get' && csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(url, {
    method: method.toUpperCase(),
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? null : JSON.stringify(options.body),
    signal: options.signal ?? null,
  });
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401 && !path.startsWith('/api/v1/auth/')) for (const listener of signedOutListeners) listener();
    throw error;
  }
  if (response.status === 204) return undefined;
  if (options.text === true) return response.text();
  const type = response.headers.get('content-type') ?? '';
  return type.includes('json') ? response.json() : response.text();
}

/** Typed shorthands; the answer's type is the caller's to state (`api.get<Segment[]>(…)`). */
export const api = {
  get: <T>(path: ApiPath<'get'>, options?: RequestOptions<ApiPath<'get'>>) => request('get', path, options) as Promise<T>,
  post: <T>(path: ApiPath<'post'>, options?: RequestOptions<ApiPath<'post'>>) => request('post', path, options) as Promise<T>,
  put: <T>(path: ApiPath<'put'>, options?: RequestOptions<ApiPath<'put'>>) => request('put', path, options) as Promise<T>,
  patch: <T>(path: ApiPath<'patch'>, options?: RequestOptions<ApiPath<'patch'>>) => request('patch', path, options) as Promise<T>,
  delete: <T>(path: ApiPath<'delete'>, options?: RequestOptions<ApiPath<'delete'>>) => request('delete', path, options) as Promise<T>,
};

/** Saves text as a file the browser downloads (CSV exports). */
export function downloadText(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
