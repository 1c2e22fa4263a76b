/**
 * The error registry: every expected failure has a stable code, an HTTP status and a message
 * that tells the caller what to fix. Errors know nothing about HTTP; `src/http/errors.ts` is the
 * one place that turns them into responses.
 *
 * Two layers: `errorTypes` are the HTTP classes (`invalid_request`, `conflict`, ...), and
 * `domainErrors` name what went wrong in which module (`segment.cycle`), each belonging to one
 * type, which gives its status. Answers carry the domain code as `error.code` and the type as
 * `error.type`, so a client written against the classes keeps working by reading `type`.
 * docs/errors.md is generated from this table (`npm run docs:errors`).
 */
export const errorTypes = {
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

export type ErrorType = keyof typeof errorTypes;

/** One domain code: the class it answers as, and one line saying what it means. */
interface DomainError {
  type: ErrorType;
  description: string;
}

/** Domain codes, `<module>.<reason>`; add one here before throwing it. */
export const domainErrors = {
  'analytics.cost_row_invalid': { type: 'invalid_request', description: 'An ad cost row has no valid day or a negative amount' },
  'analytics.filter_invalid': { type: 'invalid_request', description: 'An analytics filter lacks its value or has one of the wrong type for its op' },
  'analytics.range_invalid': { type: 'invalid_request', description: 'A time range is not a valid ISO date-time range (from before to, compareTo before asOf)' },
  'analytics.segments_required': { type: 'invalid_request', description: 'A breakdown by segment names no segments' },
  'analytics.step_out_of_range': { type: 'invalid_request', description: 'A funnel step is outside the funnel' },
  'analytics.table_unknown': { type: 'invalid_request', description: 'A table name is not one of the analytics tables' },
  'brand.invalid': { type: 'invalid_request', description: 'A brand setting does not match the brand schema; issues name the field' },
  'brand.edit_conflict': { type: 'conflict', description: 'The brand settings were saved by someone else after the editor read them (expectedUpdatedAt)' },
  'brand.url_invalid': { type: 'invalid_request', description: 'A brand URL (shop, logo, cart pattern) is not an http(s) URL' },
  'catalog.id_mismatch': { type: 'invalid_request', description: 'A product body names another id than its path' },
  'catalog.product_invalid': { type: 'invalid_request', description: 'A product does not match the product schema' },
  'channels.cursor_invalid': { type: 'invalid_request', description: 'An outbox or message log cursor is not one the previous page gave' },
  'channels.email_event_invalid': { type: 'invalid_request', description: 'An email provider event is not one of delivered, bounce or complaint with an email' },
  'channels.idempotency_key_empty': { type: 'invalid_request', description: 'A send named an empty idempotency key' },
  'channels.provider_unavailable': {
    type: 'unavailable',
    description: 'The channel provider (an SMTP server) could not take the message after the configured attempts; it stays queued, retry with the same idempotency key',
  },
  'channels.send_in_progress': { type: 'conflict', description: 'Another server is sending the message of this idempotency key right now; retry to get its outcome' },
  'channels.no_provider': { type: 'conflict', description: 'No provider is configured for the channel' },
  'channels.range_invalid': { type: 'invalid_request', description: 'A message log date range is not ISO-8601, or its from is not before its to' },
  'channels.test_send_channel': { type: 'invalid_request', description: 'Test sends go to email, SMS or webhook templates, not push or inbox' },
  'channels.webhook_unregistered': { type: 'invalid_request', description: 'A webhook test send named a URL that is not a registered destination' },
  'channels.webhook_url_invalid': { type: 'invalid_request', description: 'A webhook destination URL is not an http(s) URL' },
  'cli.usage': { type: 'invalid_request', description: 'A CLI command was given missing or malformed arguments (the CLI prints the message and exits 2)' },
  'condition.invalid': { type: 'invalid_request', description: 'A segment or journey condition does not match the condition language; issues name the node' },
  'consent.channel_invalid': { type: 'invalid_request', description: 'A preferences link names a channel that does not exist' },
  'consent.topic_edit_conflict': { type: 'conflict', description: 'The consent topic was relabelled by someone else after the editor read it (expectedUpdatedAt)' },
  'consent.topic_exists': { type: 'conflict', description: 'A consent topic with that key exists already (built-in keys included)' },
  'consent.topic_invalid': { type: 'invalid_request', description: 'A consent topic key is not 1-64 lower-case letters, digits, - or _ (or is "all"), or its label is not 1-200 characters' },
  'coupon.code_too_long': { type: 'invalid_request', description: 'An uploaded coupon code is longer than 64 characters' },
  'coupon.code_space_exhausted': { type: 'conflict', description: 'Generated codes of a pool keep colliding with issued ones' },
  'coupon.count_out_of_range': { type: 'invalid_request', description: 'A number of codes to generate is outside the allowed range' },
  'coupon.expiry_invalid': { type: 'invalid_request', description: 'A coupon expiry is not an ISO time' },
  'coupon.prefix_invalid': { type: 'invalid_request', description: 'A generated-code prefix is longer than 20 characters or has characters other than letters, digits, - and _' },
  'coupon.rule_invalid': { type: 'invalid_request', description: 'A coupon offer rule does not match the offer schema' },
  'experiment.invalid': { type: 'invalid_request', description: 'An experiment definition does not match its schema; issues name the field' },
  'experiment.edit_conflict': { type: 'conflict', description: 'The experiment was saved by someone else after the editor read it (expectedUpdatedAt)' },
  'experiment.key_immutable': { type: 'invalid_request', description: 'An update tried to change an experiment key, which seeds the assignment hash' },
  'experiment.not_bandit': { type: 'invalid_request', description: 'A bandit operation on an experiment with fixed allocation' },
  'experiment.plan_invalid': { type: 'invalid_request', description: 'A sample-size plan has an impossible baseline or asks for nothing' },
  'experiment.unit_missing': { type: 'invalid_request', description: 'An assignment names neither userId nor anonymousId' },
  'experiment.unknown_variant': { type: 'invalid_request', description: "A variant named is not one of the experiment's" },
  'import.format_invalid': { type: 'invalid_request', description: 'An events import is not NDJSON' },
  'ingest.body_invalid': { type: 'invalid_request', description: 'A tracking request body is not one JSON object, or a batch without a batch array' },
  'identity.edit_conflict': { type: 'conflict', description: 'The identity rules were saved by someone else after the editor read them (expectedUpdatedAt)' },
  'journey.cannot_start': { type: 'invalid_request', description: 'A journey cannot be activated: its graph has a problem (start node, unreachable node, missing next); issues name the node' },
  'journey.coupon_pool_unknown': { type: 'invalid_request', description: 'A recipe names a coupon pool that does not exist' },
  'journey.customer_missing': { type: 'invalid_request', description: 'An API entry into a journey names neither profileId nor identifier' },
  'journey.definition_invalid': { type: 'invalid_request', description: 'A journey definition does not match the journey schema or its graph rules; issues name the node or field' },
  'journey.identifier_invalid': { type: 'invalid_request', description: 'An API entry into a journey names an identifier whose value is not valid for its type' },
  'journey.recipe_option_invalid': { type: 'invalid_request', description: 'A recipe install option (currency, startAt) is malformed' },
  'journey.recipe_role_unknown': { type: 'invalid_request', description: 'A recipe install names a template or coupon role the recipe does not have' },
  'journey.recipe_unknown': { type: 'invalid_request', description: 'No recipe has that name' },
  'journey.settings_invalid': { type: 'invalid_request', description: "A workspace's journey settings do not match their schema; issues name the field" },
  'journey.time_zone_invalid': { type: 'invalid_request', description: 'A default time zone is not an IANA time zone such as Europe/Paris' },
  'journey.version_conflict': {
    type: 'conflict',
    description: 'A journey update named the version it edited (If-Match) and someone stored a newer one meanwhile; reload and apply the change again',
  },
  'journey.version_invalid': { type: 'invalid_request', description: "A migration of runs names a fromVersion that is not older than the journey's current version" },
  'onsite.date_invalid': { type: 'invalid_request', description: 'An on-site campaign expectedUpdatedAt is not an ISO-8601 date-time' },
  'onsite.edit_conflict': { type: 'conflict', description: 'The campaign was saved by someone else after the editor read it (expectedUpdatedAt)' },
  'outbound.destination_refused': { type: 'invalid_request', description: 'An outbound URL points at a private or refused address' },
  'outbound.operator_only': { type: 'invalid_request', description: 'A setting only the operator may use (e.g. allowPrivate) was given by a workspace' },
  'profile.cursor_invalid': { type: 'invalid_request', description: 'A profile list or timeline cursor is not one the previous page gave' },
  'profile.range_invalid': { type: 'invalid_request', description: 'A timeline date range is not ISO-8601, or its from is not before its to' },
  'recommendation.edit_conflict': { type: 'conflict', description: 'The rules of a recommendation strategy were saved by someone else after the editor read them (expectedUpdatedAt)' },
  'recommendation.eval_file_invalid': { type: 'invalid_request', description: 'An interaction file for an offline evaluation cannot be read or parsed' },
  'recommendation.limit_out_of_range': { type: 'invalid_request', description: 'A recommendation limit is outside the allowed range' },
  'recommendation.rules_invalid': { type: 'invalid_request', description: 'Business rules do not match their schema, or priceMin is above priceMax' },
  'recommendation.unknown_strategy': { type: 'invalid_request', description: 'A strategy name is not one of the recommendation strategies' },
  'report.frequency_invalid': { type: 'invalid_request', description: 'A scheduled report frequency is not one of the known ones' },
  'report.delivery_failed': { type: 'unavailable', description: 'The SMTP server refused or could not take a report' },
  'report.recipients_invalid': { type: 'invalid_request', description: 'A scheduled report has no recipients or one that is not an email address' },
  'request.body_missing': { type: 'invalid_request', description: 'An upload sent no file as the request body' },
  'request.encoding_invalid': { type: 'invalid_request', description: 'A compressed body does not decode with its Content-Encoding' },
  'request.nul_character': { type: 'invalid_request', description: 'A value contains U+0000, which neither store keeps' },
  'segment.cycle': { type: 'invalid_request', description: 'Segments refer to each other in a cycle' },
  'segment.date_invalid': { type: 'invalid_request', description: 'A segment history date is not ISO-8601' },
  'segment.days_out_of_range': { type: 'invalid_request', description: 'A history window is outside 1-3650 days' },
  'segment.destination_url_invalid': { type: 'invalid_request', description: 'A segment sync destination URL is not an http(s) URL' },
  'segment.edit_conflict': { type: 'conflict', description: 'The segment was saved by someone else after the editor read it (expectedUpdatedAt)' },
  'segment.name_invalid': { type: 'invalid_request', description: 'A segment name is empty or too long' },
  'segment.not_static': { type: 'invalid_request', description: 'Members were uploaded to a segment defined by a condition' },
  'segment.static_list': { type: 'invalid_request', description: 'The operation needs a condition segment but the segment is a static list' },
  'segment.unknown_reference': { type: 'invalid_request', description: 'A condition refers to a segment that does not exist' },
  'snippet.invalid': { type: 'invalid_request', description: 'A snippet does not compile; issues name line and column' },
  'snippet.edit_conflict': { type: 'conflict', description: 'The snippet was saved by someone else after the editor read it (expectedVersion)' },
  'snippet.name_invalid': { type: 'invalid_request', description: 'A snippet name has characters other than lower-case letters, digits, _ and -' },
  'template.channel_invalid': { type: 'invalid_request', description: 'A template names a channel that does not exist' },
  'template.channel_mismatch': { type: 'invalid_request', description: 'A template is used on a channel other than its own' },
  'template.edit_conflict': { type: 'conflict', description: 'The template was saved by someone else after the editor read it (expectedVersion)' },
  'template.invalid': { type: 'invalid_request', description: 'A template does not compile; issues name line and column' },
  'workspace.cursor_invalid': { type: 'invalid_request', description: 'An audit log cursor is not one the previous page gave' },
  'workspace.expiry_past': { type: 'invalid_request', description: 'A token expiry is not in the future' },
  'workspace.id_invalid': { type: 'invalid_request', description: 'A workspace id is not 1-63 characters of a-z, 0-9, _ or -' },
  'workspace.scopes_invalid': { type: 'invalid_request', description: 'A write key or admin token names no scope, or one that does not exist' },
} as const satisfies Record<string, DomainError>;

export type DomainErrorCode = keyof typeof domainErrors;
export type ErrorCode = ErrorType | DomainErrorCode;

/** The class of a code: a domain code's type, a type's own name. */
export function typeOf(code: ErrorCode): ErrorType {
  return Object.hasOwn(errorTypes, code) ? (code as ErrorType) : domainErrors[code as DomainErrorCode].type;
}

/** One row per code, for the API reference: code, status, class, meaning. */
export function errorCatalog(): { code: ErrorCode; status: number; type: ErrorType; description: string }[] {
  const types = (Object.keys(errorTypes) as ErrorType[]).map((type) => ({ code: type, status: errorTypes[type].status, type, description: errorTypes[type].message }));
  const domain = (Object.keys(domainErrors) as DomainErrorCode[]).map((code) => ({
    code,
    status: errorTypes[domainErrors[code].type].status,
    type: domainErrors[code].type,
    description: domainErrors[code].description,
  }));
  return [...types, ...domain];
}

/** One problem with one field, e.g. `{ field: 'batch[3].event', rule: 'required', ... }`. */
export interface FieldIssue {
  field: string;
  rule: string;
  message: string;
}

export class RapportError extends Error {
  override name = 'RapportError';
  readonly status: number;
  /** The HTTP class of `code` (equal to it for the class codes). */
  readonly type: ErrorType;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly issues: FieldIssue[] = [],
  ) {
    const type = typeOf(code);
    super(message ?? (Object.hasOwn(errorTypes, code) ? errorTypes[type].message : domainErrors[code as DomainErrorCode].description));
    this.type = type;
    this.status = errorTypes[type].status;
  }
}

/** For exhaustive switches: the compiler proves this is unreachable. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
