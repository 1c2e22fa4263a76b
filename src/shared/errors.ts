/**
 * The error registry: every expected failure has a stable code, an HTTP status and a message
 * that tells the caller what to fix. Errors know nothing about HTTP; `src/http/errors.ts` is the
 * one place that turns them into responses.
 */
export const errorCodes = {
  invalid_request: { status: 400, message: 'The request is invalid' },
  invalid_json: { status: 400, message: 'The body is not valid JSON' },
  payload_too_large: { status: 413, message: 'The request body is too large' },
  // Segment answers 400 to an oversized tracking request, and no client retries a 400.
  ingest_too_large: { status: 400, message: 'The tracking request is too large' },
  unauthorized: { status: 401, message: 'Missing or invalid credentials' },
  forbidden: { status: 403, message: 'These credentials may not do this' },
  not_found: { status: 404, message: 'Not found' },
  conflict: { status: 409, message: 'Conflicts with the current state' },
  unsupported_encoding: { status: 415, message: 'Unsupported Content-Encoding' },
  rate_limited: { status: 429, message: 'Too many requests, retry after the time in Retry-After' },
  too_busy: { status: 429, message: 'Too many heavy requests for this workspace; retry after Retry-After seconds' },
  // Load shedding: a 429, not a 5xx, since a 5xx means the store is down (issue 12).
  overloaded: { status: 429, message: 'The server is busy; retry after Retry-After seconds' },
  unavailable: { status: 503, message: 'Temporarily unavailable, retry later' },
  internal: { status: 500, message: 'Internal error' },
  // A template that renders past its limits (time, output size, memory) or fails while
  // rendering: the author's to fix, never a server fault.
  template_render_limit: { status: 422, message: 'The template exceeds a render limit' },
  template_render_error: { status: 422, message: 'The template failed to render' },
  template_render_busy: { status: 429, message: 'Too many renders are waiting for this workspace' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** One problem with one field, e.g. `{ field: 'batch[3].event', rule: 'required', ... }`. */
export interface FieldIssue {
  field: string;
  rule: string;
  message: string;
}

export class RapportError extends Error {
  override name = 'RapportError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message ?? errorCodes[code].message);
    this.status = errorCodes[code].status;
  }
}

/** For exhaustive switches: the compiler proves this is unreachable. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
