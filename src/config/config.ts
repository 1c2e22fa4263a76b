import path from 'node:path';
import { parseRange } from '../shared/ip-address.js';
import { parseSecretKey } from '../shared/secret-box.js';

/** Typed, validated configuration. This file is the only place that reads `process.env`. */
export interface Config {
  /** HTTP port; `PORT`, default 4000. */
  port: number;
  /** Interface to bind; `HOST`, default 127.0.0.1. */
  host: string;
  /** Directory for the embedded SQLite store; `RAPPORT_DATA_DIR`, default `./data`. */
  dataDir: string;
  /** The built browser SDK served at /sdk/v1; `RAPPORT_SDK_DIR`, default the repository's `sdk/browser/dist`. */
  sdkDir: string | undefined;
  /** PostgreSQL URL; when set, PostgreSQL replaces the embedded SQLite store. */
  databaseUrl: string | undefined;
  /** Write key used on first start instead of a random one. */
  bootstrapWriteKey: string | undefined;
  /** Admin token used on first start instead of a random one. */
  bootstrapAdminToken: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** What `rapport start` runs: see `RapportOptions.role`. */
  role: 'all' | 'api' | 'worker';
  /** Number of event-log partitions (hash of the event's first identifier); 1 on SQLite, 8 on PostgreSQL. */
  partitions: number;
  /** SQLite `synchronous` pragma: NORMAL survives a process crash, FULL also a power cut. */
  sqliteSynchronous: 'NORMAL' | 'FULL';
  /**
   * Where the event processor runs: `thread` (a worker thread of this process, the default),
   * `inline` (on the HTTP thread), or `off` for API-only replicas.
   */
  processor: 'thread' | 'inline' | 'off';
  /** Events per processor transaction. */
  processorBatchSize: number;
  /** Pause after a pass that caught up, so the next transaction carries more events. */
  processorLingerMs: number;
  /** Trust X-Forwarded-* headers (set when a proxy or load balancer sits in front). */
  trustProxy: boolean;
  /** Days of raw events to keep in the log; 0 keeps them forever. */
  eventRetentionDays: number;
  /** Minutes after which processed event payloads are stored compacted (SQLite); 0 turns it off. */
  eventCompactAfterMinutes: number;
  /** SMTP server for email (`smtp://user:pass@host:587`, `smtps://...`); `RAPPORT_SMTP_URL`. */
  smtpUrl: string | undefined;
  /** From header of email Rapport sends (reports); `RAPPORT_SMTP_FROM`. */
  smtpFrom: string;
  /** Without SMTP, email goes to the built-in outbox: messages kept per workspace (`RAPPORT_OUTBOX_KEEP`, default 1000) and days kept (`RAPPORT_OUTBOX_DAYS`, default 14). */
  outboxKeep: number;
  outboxDays: number;
  /** How often the analytics replica copies new events (ms); `RAPPORT_ANALYTICS_SYNC_MS`, 0 = only when asked. */
  analyticsSyncMs: number;
  /** The analytics engine: `duckdb` (a file in the data directory, the default) or `clickhouse`; `RAPPORT_ANALYTICS_ENGINE`. */
  analyticsEngine: 'duckdb' | 'clickhouse';
  /** The ClickHouse of `analyticsEngine: clickhouse`: `http(s)://user:password@host:8123/database`, or `chdb:DIR` (embedded); `RAPPORT_CLICKHOUSE_URL`. */
  clickhouseUrl: string | undefined;
  /** Model age (minutes) at which a request retrains the recommendation models in the background; `RAPPORT_RECS_RETRAIN_MINUTES`, 0 = only when asked. */
  recsRetrainMinutes: number;
  /** Where journeys deliver: `channels` (render and send for real) or `record` (store what would be sent, a dry run); `RAPPORT_JOURNEY_DELIVERY`. */
  journeyDelivery: 'channels' | 'record';
  /** Channels (issue 5): public base URL of this server for tracking, unsubscribe and confirmation links; `RAPPORT_PUBLIC_URL`. */
  publicUrl: string;
  /** HMAC key of those links; `RAPPORT_LINK_SECRET`, else a random key kept in `<dataDir>/link-secret`. */
  linkSecret: string | undefined;
  /** Twilio-compatible SMS API: `RAPPORT_TWILIO_BASE_URL` (default https://api.twilio.com), `_ACCOUNT_SID`, `_AUTH_TOKEN`, and `RAPPORT_SMS_FROM`. */
  twilio: { baseUrl: string; accountSid: string; authToken: string; from: string } | undefined;
  /** A file holding the VAPID key pair for web push (created there if missing); `RAPPORT_VAPID_KEYS_FILE`, default (undefined): the pair lives in the store. */
  vapidKeysFile: string | undefined;
  /** Contact sent to push services; `RAPPORT_VAPID_SUBJECT`. */
  vapidSubject: string;
  /** Email marketing needs a confirmed (double) opt-in; `RAPPORT_EMAIL_DOUBLE_OPT_IN`. */
  emailDoubleOptIn: boolean;
  /** Provider attempts per send and the first backoff; `RAPPORT_SEND_ATTEMPTS`, `RAPPORT_SEND_BACKOFF_MS`. */
  sendAttempts: number;
  sendBackoffMs: number;
  /** Standard Webhooks secret (`whsec_...`) the email provider signs bounce/complaint callbacks with; `RAPPORT_EMAIL_EVENTS_SECRET`. */
  emailEventsSecret: string | undefined;
  /** Ranges outbound calls may reach though not public (loopback, private, ...): `RAPPORT_OUTBOUND_ALLOW=127.0.0.1/32,10.0.0.0/8`; only the operator sets this. */
  outboundAllow: string[];
  /** Key sealing secrets at rest (64 hex or base64 of 32 bytes); `RAPPORT_SECRET_KEY`, else a key kept in `<dataDir>/secret-key`. */
  secretKey: string | undefined;
  /** Earlier keys, still opening values sealed before a rotation; `RAPPORT_SECRET_KEYS_OLD` (comma-separated). */
  secretKeysOld: string[];
  /** Token-bucket rate limits (issue 12), see docs/ingest-limits.md; a rate of 0 turns one off. */
  rateLimits: RateLimits;
  /** Dashboard users and sessions (issue 16), see docs/modules/users.md. */
  users: UsersConfig;
  /** Admission of batch requests under load (issue 12), see docs/ingest-limits.md. */
  ingestAdmission: IngestAdmission;
  /** Metrics, readiness, shutdown and the connection budget (docs/deploy.md). */
  operations: OperationsConfig;
}

/** How the process is run and watched (docs/deploy.md). */
export interface OperationsConfig {
  /** Bearer token for /metrics; when set, only it may scrape, and the figures name workspaces. `RAPPORT_METRICS_TOKEN`. */
  metricsToken: string | undefined;
  /** /readyz fails when the oldest unprocessed event is older than this (seconds; 0 = not checked). `RAPPORT_READY_MAX_LAG_SECONDS`. */
  readyMaxLagSeconds: number;
  /** Longest graceful stop after SIGTERM/SIGINT before the process exits anyway (ms). `RAPPORT_SHUTDOWN_TIMEOUT_MS`. */
  shutdownTimeoutMs: number;
  /** Connections the HTTP thread's PostgreSQL pool may open. `RAPPORT_PG_POOL_MAX`. */
  pgPoolMax: number;
}

/** When heavy tracking requests (batches, imports) are turned away with 429 and Retry-After; 0 turns one off. */
export interface IngestAdmission {
  /** Batch requests in flight per client address; `RAPPORT_INGEST_INFLIGHT_IP`. */
  inFlightPerIp: number;
  /** Batch requests in flight per write key; `RAPPORT_INGEST_INFLIGHT_KEY`. */
  inFlightPerWriteKey: number;
  /** Event-loop delay (ms) past which batches are shed; `RAPPORT_INGEST_SHED_LAG_MS`. */
  shedLagMs: number;
}

/** One token bucket: `perSecond` requests refill each second, up to `burst` at once; perSecond 0 = no limit. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface RateLimits {
  /** Every tracking request (/v1/*) per client address; `RAPPORT_RATE_INGEST_IP`, `RAPPORT_RATE_INGEST_IP_BURST`. */
  ingestPerIp: RateLimit;
  /** Authenticated tracking requests per write key; `RAPPORT_RATE_INGEST_KEY`, `RAPPORT_RATE_INGEST_KEY_BURST`. */
  ingestPerWriteKey: RateLimit;
  /** Admin API requests per admin token; `RAPPORT_RATE_ADMIN_TOKEN`, `RAPPORT_RATE_ADMIN_TOKEN_BURST`. */
  adminPerToken: RateLimit;
}

export interface UsersConfig {
  /** `RAPPORT_OWNER_EMAIL`. */
  ownerEmail: string;
  /** `RAPPORT_SESSION_IDLE_MINUTES`, `RAPPORT_SESSION_ABSOLUTE_HOURS`, `RAPPORT_INVITATION_DAYS`. */
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  invitationDays: number;
  /** `RAPPORT_COOKIE_SECURE`. */
  cookieSecure: 'auto' | 'always';
  /** Sign-in attempts per client address (`RAPPORT_RATE_SIGNIN_IP`, per minute) and per email (`RAPPORT_RATE_SIGNIN_EMAIL`, per hour). */
  signInPerIp: RateLimit;
  signInPerEmail: RateLimit;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/**
 * One environment setting: how `loadConfig` reads it and how docs/configuration.md describes it
 * (`npm run docs:config` writes that page from this table). Adding a setting is one entry here
 * plus the line in `loadConfig` that reads it.
 */
export type Setting =
  | { env: string; type: 'integer'; default: number; min: number; max: number; description: string; defaultText?: string }
  | { env: string; type: 'choice'; values: readonly string[]; default: string; description: string }
  | { env: string; type: 'boolean'; default: boolean; description: string }
  | { env: string; type: 'text'; default: string | undefined; description: string; defaultText?: string; secret?: boolean };

interface IntegerSetting {
  env: string;
  default: number;
  min: number;
  max: number;
}

export const settings = {
  port: { env: 'PORT', type: 'integer', default: 4000, min: 0, max: 65535, description: 'HTTP port' },
  host: { env: 'HOST', type: 'text', default: '127.0.0.1', description: 'Interface to bind (`0.0.0.0` to serve other machines)' },
  dataDir: { env: 'RAPPORT_DATA_DIR', type: 'text', default: './data', description: 'Where the embedded SQLite store (`rapport.db`) and its side files live' },
  sdkDir: {
    env: 'RAPPORT_SDK_DIR',
    type: 'text',
    default: undefined,
    defaultText: '`sdk/browser/dist` of the installation',
    description: 'The built browser SDK (`node sdk/browser/build.mjs`) served at `/sdk/v1/`',
  },
  databaseUrl: { env: 'RAPPORT_DATABASE_URL', type: 'text', default: undefined, description: '`postgres://...` or `postgresql://...`: use PostgreSQL instead of SQLite', secret: true },
  bootstrapWriteKey: {
    env: 'RAPPORT_BOOTSTRAP_WRITE_KEY',
    type: 'text',
    default: undefined,
    defaultText: '(random)',
    description: 'Write key created for workspace `default` on first start',
    secret: true,
  },
  bootstrapAdminToken: {
    env: 'RAPPORT_BOOTSTRAP_ADMIN_TOKEN',
    type: 'text',
    default: undefined,
    defaultText: '(random)',
    description: 'Admin token created for workspace `default` on first start',
    secret: true,
  },
  role: {
    env: 'RAPPORT_ROLE',
    type: 'choice',
    values: ['all', 'api', 'worker'],
    default: 'all',
    description:
      'What `rapport start` runs (also `--role`): `api` serves HTTP and ingest without followers or jobs, `worker` runs the processor, followers and jobs and answers only /healthz, /readyz and /metrics, `all` both',
  },
  logLevel: { env: 'RAPPORT_LOG_LEVEL', type: 'choice', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', description: '`debug` also logs every request' },
  partitions: {
    env: 'RAPPORT_PARTITIONS',
    type: 'integer',
    default: 1,
    min: 1,
    max: 1024,
    defaultText: '`1` on SQLite, `8` on PostgreSQL',
    description: "Event-log partitions (hash of the event's first identifier); workers split them on PostgreSQL",
  },
  sqliteSynchronous: {
    env: 'RAPPORT_SQLITE_SYNCHRONOUS',
    type: 'choice',
    values: ['NORMAL', 'FULL'],
    default: 'NORMAL',
    description: '`NORMAL` survives a process crash; `FULL` also a power cut, slower',
  },
  processor: {
    env: 'RAPPORT_PROCESSOR',
    type: 'choice',
    values: ['thread', 'inline', 'off'],
    default: 'thread',
    description: 'Where the event processor runs: `thread` (a worker thread, its own core; also `1`/`true`/`on`/`yes`), `inline` (the HTTP thread), `off` (API-only replicas; also `0`/`false`/`no`)',
  },
  processorBatchSize: { env: 'RAPPORT_PROCESSOR_BATCH', type: 'integer', default: 2000, min: 1, max: 100000, description: 'Events per processor transaction' },
  processorLingerMs: {
    env: 'RAPPORT_PROCESSOR_LINGER_MS',
    type: 'integer',
    default: 25,
    min: 0,
    max: 10000,
    description: 'Pause after a pass that caught up, so the next transaction carries more events',
  },
  eventRetentionDays: { env: 'RAPPORT_EVENT_RETENTION_DAYS', type: 'integer', default: 0, min: 0, max: 100000, description: 'Days of raw events to keep in the log; `0` keeps them forever' },
  eventCompactAfterMinutes: {
    env: 'RAPPORT_EVENT_COMPACT_AFTER_MINUTES',
    type: 'integer',
    default: 10,
    min: 0,
    max: 525_600,
    description: 'Minutes after which processed event payloads are stored compacted (SQLite); `0` turns it off',
  },
  trustProxy: { env: 'RAPPORT_TRUST_PROXY', type: 'boolean', default: false, description: 'Trust `X-Forwarded-*` headers (client IP, host) from a proxy or load balancer in front' },
  smtpUrl: {
    env: 'RAPPORT_SMTP_URL',
    type: 'text',
    default: undefined,
    description: '`smtp://user:pass@host:587` or `smtps://...`: email provider (journeys, reports); email is off without it',
    secret: true,
  },
  smtpFrom: { env: 'RAPPORT_SMTP_FROM', type: 'text', default: 'Rapport <reports@localhost>', description: 'From header of email Rapport sends (reports)' },
  analyticsSyncMs: {
    env: 'RAPPORT_ANALYTICS_SYNC_MS',
    type: 'integer',
    default: 5000,
    min: 0,
    max: 86_400_000,
    description: 'How often the analytics replica follows the event log (ms); `0`: only when an analysis asks',
  },
  analyticsEngine: {
    env: 'RAPPORT_ANALYTICS_ENGINE',
    type: 'choice',
    values: ['duckdb', 'clickhouse'],
    default: 'duckdb',
    description:
      '`duckdb`: the replica is a file of this process (`<RAPPORT_DATA_DIR>/analytics.duckdb`); `clickhouse`: it lives in the ClickHouse at `RAPPORT_CLICKHOUSE_URL`, shared by every process, and one process at a time (holding a lease) feeds it',
  },
  clickhouseUrl: {
    env: 'RAPPORT_CLICKHOUSE_URL',
    type: 'text',
    default: undefined,
    description:
      'With `RAPPORT_ANALYTICS_ENGINE=clickhouse`: `http(s)://user:password@host:8123/database` (a server, through `@clickhouse/client`), or `chdb:DIR` for ClickHouse embedded in this process (needs `npm install chdb@3.4.0`, about 550 MB)',
    secret: true,
  },
  recsRetrainMinutes: {
    env: 'RAPPORT_RECS_RETRAIN_MINUTES',
    type: 'integer',
    default: 360,
    min: 0,
    max: 525_600,
    description: 'Age in minutes at which a recommendation request starts a background retraining of the models it serves from; `0`: only on demand',
  },
  journeyDelivery: {
    env: 'RAPPORT_JOURNEY_DELIVERY',
    type: 'choice',
    values: ['channels', 'record'],
    default: 'channels',
    description: '`channels`: journeys render and send; `record`: they only record what they would send (dry run)',
  },
  publicUrl: {
    env: 'RAPPORT_PUBLIC_URL',
    type: 'text',
    default: undefined,
    defaultText: '`http://HOST:PORT`',
    description: 'The address customers reach Rapport at: tracking links, unsubscribe pages, callbacks',
  },
  linkSecret: {
    env: 'RAPPORT_LINK_SECRET',
    type: 'text',
    default: undefined,
    defaultText: '(random, kept in the database once for every server; an old `<data dir>/link-secret` seeds it)',
    description: 'HMAC key of tracking, unsubscribe and confirmation links; at least 32 characters',
    secret: true,
  },
  twilioBaseUrl: { env: 'RAPPORT_TWILIO_BASE_URL', type: 'text', default: 'https://api.twilio.com', description: 'Base URL of the Twilio-compatible SMS API' },
  twilioAccountSid: {
    env: 'RAPPORT_TWILIO_ACCOUNT_SID',
    type: 'text',
    default: undefined,
    description: 'SMS account; SMS is on when this, the auth token and `RAPPORT_SMS_FROM` are all set',
    secret: true,
  },
  twilioAuthToken: { env: 'RAPPORT_TWILIO_AUTH_TOKEN', type: 'text', default: undefined, description: 'SMS auth token', secret: true },
  smsFrom: { env: 'RAPPORT_SMS_FROM', type: 'text', default: undefined, description: 'Sender number of SMS' },
  vapidKeysFile: {
    env: 'RAPPORT_VAPID_KEYS_FILE',
    type: 'text',
    default: undefined,
    defaultText: '(in the database, once for every server; an old `<data dir>/vapid.json` seeds it)',
    description: 'A file holding the web-push VAPID key pair instead (created there if missing)',
  },
  vapidSubject: { env: 'RAPPORT_VAPID_SUBJECT', type: 'text', default: 'mailto:admin@localhost', description: 'Contact sent to push services' },
  emailDoubleOptIn: { env: 'RAPPORT_EMAIL_DOUBLE_OPT_IN', type: 'boolean', default: false, description: 'Email marketing needs a confirmed (double) opt-in' },
  sendAttempts: { env: 'RAPPORT_SEND_ATTEMPTS', type: 'integer', default: 4, min: 1, max: 10, description: 'Provider attempts per send before it is recorded as failed' },
  sendBackoffMs: { env: 'RAPPORT_SEND_BACKOFF_MS', type: 'integer', default: 500, min: 0, max: 60_000, description: 'First backoff between send attempts (ms), doubled each time' },
  emailEventsSecret: {
    env: 'RAPPORT_EMAIL_EVENTS_SECRET',
    type: 'text',
    default: undefined,
    description: 'Standard Webhooks secret (`whsec_...`) the email provider signs bounce/complaint callbacks with',
    secret: true,
  },
  // Generous rate-limit defaults: above Segment's recommended 1,000 requests/s per workspace and
  // above what the benchmarks send from one address; operators and tests set tighter ones.
  rateIngestIp: {
    env: 'RAPPORT_RATE_INGEST_IP',
    type: 'integer',
    default: 5000,
    min: 0,
    max: 1_000_000,
    description: 'Tracking requests (/v1/*) per second per client address; `0` = no limit (see docs/ingest-limits.md)',
  },
  rateIngestIpBurst: {
    env: 'RAPPORT_RATE_INGEST_IP_BURST',
    type: 'integer',
    default: 20_000,
    min: 1,
    max: 10_000_000,
    defaultText: '`20000`, or the rate if larger',
    description: 'Burst of that bucket',
  },
  rateIngestKey: { env: 'RAPPORT_RATE_INGEST_KEY', type: 'integer', default: 5000, min: 0, max: 1_000_000, description: 'Authenticated tracking requests per second per write key; `0` = no limit' },
  rateIngestKeyBurst: {
    env: 'RAPPORT_RATE_INGEST_KEY_BURST',
    type: 'integer',
    default: 20_000,
    min: 1,
    max: 10_000_000,
    defaultText: '`20000`, or the rate if larger',
    description: 'Burst of that bucket',
  },
  rateAdminToken: { env: 'RAPPORT_RATE_ADMIN_TOKEN', type: 'integer', default: 200, min: 0, max: 1_000_000, description: 'Admin API requests per second per admin token; `0` = no limit' },
  rateAdminTokenBurst: {
    env: 'RAPPORT_RATE_ADMIN_TOKEN_BURST',
    type: 'integer',
    default: 2000,
    min: 1,
    max: 10_000_000,
    defaultText: '`2000`, or the rate if larger',
    description: 'Burst of that bucket',
  },
  ingestInFlightIp: {
    env: 'RAPPORT_INGEST_INFLIGHT_IP',
    type: 'integer',
    default: 16,
    min: 0,
    max: 100_000,
    description: 'Batch requests (`/v1/batch`, `/v1/import`, `/v1/b`) in flight at once per client address; more get 429 with Retry-After; `0` = no limit',
  },
  ingestInFlightKey: { env: 'RAPPORT_INGEST_INFLIGHT_KEY', type: 'integer', default: 32, min: 0, max: 100_000, description: 'Batch requests in flight at once per write key; `0` = no limit' },
  metricsToken: {
    env: 'RAPPORT_METRICS_TOKEN',
    type: 'text',
    default: undefined,
    secret: true,
    description:
      'Bearer token for `GET /metrics`. Unset: anyone may scrape, and only figures that name no workspace are shown. Set: a scrape without `Authorization: Bearer <token>` gets 401, and per-workspace figures are added',
  },
  readyMaxLagSeconds: {
    env: 'RAPPORT_READY_MAX_LAG_SECONDS',
    type: 'integer',
    default: 300,
    min: 0,
    max: 86_400,
    description: '`GET /readyz` answers 503 while the oldest unprocessed event is older than this many seconds; `0` leaves lag out of readiness',
  },
  shutdownTimeoutMs: {
    env: 'RAPPORT_SHUTDOWN_TIMEOUT_MS',
    type: 'integer',
    default: 20_000,
    min: 1000,
    max: 600_000,
    description: 'After SIGTERM/SIGINT, how long `rapport start` waits for in-flight requests and the current batch before it exits anyway (a second signal exits at once)',
  },
  pgPoolMax: {
    env: 'RAPPORT_PG_POOL_MAX',
    type: 'integer',
    default: 10,
    min: 1,
    max: 1000,
    description: "PostgreSQL connections the server's HTTP thread may hold, and the processor thread its own pool of the same size; see docs/deploy.md for the budget per process",
  },
  ingestShedLagMs: {
    env: 'RAPPORT_INGEST_SHED_LAG_MS',
    type: 'integer',
    default: 50,
    min: 0,
    max: 60_000,
    description:
      'Event-loop delay (ms, 90th percentile over the last half second) past which batch requests are refused with 429 and Retry-After while two or more are in flight, until the server catches up, so /healthz and single events stay fast; `0` = never shed',
  },
  outboxKeep: { env: 'RAPPORT_OUTBOX_KEEP', type: 'integer', default: 1000, min: 1, max: 1_000_000, description: 'Built-in email outbox (no SMTP): messages kept per workspace' },
  outboxDays: { env: 'RAPPORT_OUTBOX_DAYS', type: 'integer', default: 14, min: 1, max: 3650, description: 'Built-in email outbox: days a message is kept' },
  outboundAllow: {
    env: 'RAPPORT_OUTBOUND_ALLOW',
    type: 'text',
    default: undefined,
    description:
      "Comma-separated IP ranges outbound calls (webhooks, push, SMS, segment sync) may reach although private, e.g. `10.0.0.0/8` (docs/outbound.md); the operator's choice, never a workspace's",
  },
  secretKey: {
    env: 'RAPPORT_SECRET_KEY',
    type: 'text',
    default: undefined,
    defaultText: '(random, kept in `<data dir>/secret-key`)',
    description: '32-byte key (64 hex characters or base64) sealing destination secrets at rest',
    secret: true,
  },
  secretKeysOld: { env: 'RAPPORT_SECRET_KEYS_OLD', type: 'text', default: undefined, description: 'Comma-separated earlier keys, still opening values sealed before a rotation', secret: true },
  ownerEmail: {
    env: 'RAPPORT_OWNER_EMAIL',
    type: 'text',
    default: 'owner@localhost',
    description: 'Email of the owner created on first start (when the store has no user); the invitation that sets its password is printed once',
  },
  sessionIdleMinutes: { env: 'RAPPORT_SESSION_IDLE_MINUTES', type: 'integer', default: 720, min: 1, max: 525_600, description: 'A dashboard session unused this long ends (sign in again)' },
  sessionAbsoluteHours: { env: 'RAPPORT_SESSION_ABSOLUTE_HOURS', type: 'integer', default: 168, min: 1, max: 8760, description: 'A dashboard session ends this long after sign-in, however busy' },
  invitationDays: { env: 'RAPPORT_INVITATION_DAYS', type: 'integer', default: 7, min: 1, max: 365, description: 'Days an invitation link stays valid' },
  cookieSecure: {
    env: 'RAPPORT_COOKIE_SECURE',
    type: 'choice',
    values: ['auto', 'always'],
    default: 'auto',
    description: '`auto`: the session cookie is `Secure` when the request came over https (behind a proxy, with `RAPPORT_TRUST_PROXY`); `always`: always',
  },
  rateSignInIp: {
    env: 'RAPPORT_RATE_SIGNIN_IP',
    type: 'integer',
    default: 20,
    min: 0,
    max: 100_000,
    description: 'Sign-in and invitation-accept attempts per minute per client address (bursts of the same size); `0` = no limit',
  },
  rateSignInEmail: {
    env: 'RAPPORT_RATE_SIGNIN_EMAIL',
    type: 'integer',
    default: 10,
    min: 0,
    max: 100_000,
    description: 'Sign-in attempts per hour per email (bursts of the same size); `0` = no limit',
  },
  testDatabaseUrl: { env: 'RAPPORT_TEST_DATABASE_URL', type: 'text', default: undefined, description: 'Tests only: a PostgreSQL server to run the dialect suites on', secret: true },
} as const satisfies Record<string, Setting>;

function integer(env: Env, setting: IntegerSetting, fallback: number = setting.default): number {
  const { env: name, min, max } = setting;
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, setting: { env: string; values: readonly T[]; default: T }): T {
  const { env: name, values: allowed } = setting;
  const raw = env[name];
  if (raw === undefined || raw === '') return setting.default;
  const match = allowed.find((option) => option === raw.trim().toUpperCase() || option === raw.trim().toLowerCase());
  if (match === undefined) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return match;
}

function flag(env: Env, setting: { env: string; default: boolean }): boolean {
  const name = setting.env;
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return setting.default;
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'off', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

/** A text setting, trimmed; empty counts as unset. */
function text<D extends string | undefined>(env: Env, setting: { env: string; default: D }): string | D {
  return env[setting.env]?.trim() || setting.default;
}

function processorMode(env: Env): Config['processor'] {
  const name = settings.processor.env;
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || ['thread', '1', 'true', 'on', 'yes'].includes(raw)) return 'thread';
  if (raw === 'inline') return 'inline';
  if (['off', '0', 'false', 'no'].includes(raw)) return 'off';
  throw new ConfigError(`${name} must be thread, inline or off, got "${env[name]}"`);
}

function smtpUrl(env: Env): string | undefined {
  const raw = text(env, settings.smtpUrl);
  if (raw !== undefined && !/^smtps?:\/\//.test(raw)) throw new ConfigError(`${settings.smtpUrl.env} must start with smtp:// or smtps://, got "${raw.replace(/\/\/[^@/]*@/, '//***@')}"`);
  return raw;
}

/** The analytics engine and, for ClickHouse, where it is; the URL's password is never echoed. */
function analyticsEngineConfig(env: Env): Pick<Config, 'analyticsEngine' | 'clickhouseUrl'> {
  const analyticsEngine = oneOf(env, settings.analyticsEngine);
  const clickhouseUrl = text(env, settings.clickhouseUrl);
  const name = settings.clickhouseUrl.env;
  if (clickhouseUrl !== undefined && !/^(https?:\/\/[^/]+|chdb:.+)/.test(clickhouseUrl)) {
    throw new ConfigError(`${name} must be http(s)://user:password@host:8123/database or chdb:DIR, got "${clickhouseUrl.replace(/\/\/[^@/]*@/, '//***@')}"`);
  }
  if (analyticsEngine === 'clickhouse' && clickhouseUrl === undefined) {
    throw new ConfigError(`RAPPORT_ANALYTICS_ENGINE=clickhouse needs ${name}: http(s)://user:password@host:8123/database, or chdb:DIR for ClickHouse embedded by the chdb package`);
  }
  return { analyticsEngine, clickhouseUrl };
}

/** Channel settings (issue 5); secrets are never echoed in errors. */
function channelConfig(env: Env): Pick<Config, 'publicUrl' | 'linkSecret' | 'twilio' | 'vapidKeysFile' | 'vapidSubject' | 'emailDoubleOptIn' | 'sendAttempts' | 'sendBackoffMs' | 'emailEventsSecret'> {
  const port = integer(env, settings.port);
  const publicUrl = (text(env, settings.publicUrl) ?? `http://${text(env, settings.host)}:${port}`).replace(/\/$/, '');
  if (!/^https?:\/\/[^/]+/.test(publicUrl)) throw new ConfigError(`RAPPORT_PUBLIC_URL must be an http(s) URL such as https://rapport.shop.com, got "${publicUrl}"`);
  const linkSecret = text(env, settings.linkSecret);
  if (linkSecret !== undefined && linkSecret.length < 32) throw new ConfigError('RAPPORT_LINK_SECRET must be at least 32 characters (e.g. openssl rand -hex 32)');
  const accountSid = text(env, settings.twilioAccountSid);
  const authToken = text(env, settings.twilioAuthToken);
  const from = text(env, settings.smsFrom);
  const configured = [accountSid, authToken, from].filter((value) => value !== undefined).length;
  if (configured > 0 && configured < 3) throw new ConfigError('SMS needs RAPPORT_TWILIO_ACCOUNT_SID, RAPPORT_TWILIO_AUTH_TOKEN and RAPPORT_SMS_FROM together');
  const baseUrl = text(env, settings.twilioBaseUrl);
  if (!/^https?:\/\//.test(baseUrl)) throw new ConfigError(`RAPPORT_TWILIO_BASE_URL must be an http(s) URL, got "${baseUrl}"`);
  const eventsSecret = text(env, settings.emailEventsSecret);
  if (eventsSecret !== undefined && !eventsSecret.startsWith('whsec_')) throw new ConfigError('RAPPORT_EMAIL_EVENTS_SECRET must be a Standard Webhooks secret starting with whsec_');
  const vapidKeysFile = text(env, settings.vapidKeysFile);
  return {
    publicUrl,
    linkSecret,
    twilio: accountSid !== undefined && authToken !== undefined && from !== undefined ? { baseUrl, accountSid, authToken, from } : undefined,
    vapidKeysFile: vapidKeysFile !== undefined ? path.resolve(vapidKeysFile) : undefined,
    vapidSubject: text(env, settings.vapidSubject),
    emailDoubleOptIn: flag(env, settings.emailDoubleOptIn),
    sendAttempts: integer(env, settings.sendAttempts),
    sendBackoffMs: integer(env, settings.sendBackoffMs),
    emailEventsSecret: eventsSecret,
  };
}

/** The outbound path's allow list and the keys sealing secrets at rest (docs/outbound.md). */
function outboundConfig(env: Env): Pick<Config, 'outboundAllow' | 'secretKey' | 'secretKeysOld'> {
  const list = (name: string): string[] =>
    (env[name] ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
  const outboundAllow = list(settings.outboundAllow.env);
  for (const entry of outboundAllow) if (parseRange(entry) === undefined) throw new ConfigError(`RAPPORT_OUTBOUND_ALLOW entries are IP ranges such as 10.0.0.0/8 or 127.0.0.1/32, got "${entry}"`);
  const secretKey = text(env, settings.secretKey);
  const secretKeysOld = list(settings.secretKeysOld.env);
  const keys = [...(secretKey === undefined ? [] : [{ name: 'RAPPORT_SECRET_KEY', key: secretKey }]), ...secretKeysOld.map((key) => ({ name: 'RAPPORT_SECRET_KEYS_OLD', key }))];
  for (const { name, key } of keys) {
    try {
      parseSecretKey(key);
    } catch {
      throw new ConfigError(`${name} must hold 32-byte keys written as 64 hex characters or base64 (openssl rand -hex 32)`);
    }
  }
  return { outboundAllow, secretKey, secretKeysOld };
}

function rateLimit(env: Env, rate: IntegerSetting, burst: IntegerSetting): RateLimit {
  const perSecond = integer(env, rate);
  return { perSecond, burst: integer(env, burst, Math.max(burst.default, perSecond)) };
}

/** A limit given per `periodSeconds`, as a token bucket holding one period's worth. */
function perPeriod(env: Env, setting: IntegerSetting, periodSeconds: number): RateLimit {
  const count = integer(env, setting);
  return { perSecond: count / periodSeconds, burst: Math.max(1, count) };
}

function usersConfig(env: Env): UsersConfig {
  return {
    ownerEmail: text(env, settings.ownerEmail),
    sessionIdleMinutes: integer(env, settings.sessionIdleMinutes),
    sessionAbsoluteHours: integer(env, settings.sessionAbsoluteHours),
    invitationDays: integer(env, settings.invitationDays),
    cookieSecure: oneOf(env, settings.cookieSecure),
    signInPerIp: perPeriod(env, settings.rateSignInIp, 60),
    signInPerEmail: perPeriod(env, settings.rateSignInEmail, 3600),
  };
}

function rateLimitConfig(env: Env): RateLimits {
  return {
    ingestPerIp: rateLimit(env, settings.rateIngestIp, settings.rateIngestIpBurst),
    ingestPerWriteKey: rateLimit(env, settings.rateIngestKey, settings.rateIngestKeyBurst),
    adminPerToken: rateLimit(env, settings.rateAdminToken, settings.rateAdminTokenBurst),
  };
}

/**
 * Reads and validates configuration from an environment map.
 * @example const config = loadConfig(process.env);
 */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const databaseUrl = text(env, settings.databaseUrl);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`RAPPORT_DATABASE_URL must start with postgres:// or postgresql://, got "${databaseUrl}"`);
  }
  const config: Config = {
    port: integer(env, settings.port),
    host: text(env, settings.host),
    dataDir: path.resolve(text(env, settings.dataDir)),
    sdkDir: sdkDir(env),
    databaseUrl,
    bootstrapWriteKey: text(env, settings.bootstrapWriteKey),
    bootstrapAdminToken: text(env, settings.bootstrapAdminToken),
    logLevel: oneOf(env, settings.logLevel),
    role: oneOf(env, settings.role),
    // One process owns a SQLite store, so partitions only add commits there; PostgreSQL
    // workers split partitions between them.
    partitions: integer(env, settings.partitions, databaseUrl === undefined ? 1 : 8),
    sqliteSynchronous: oneOf(env, settings.sqliteSynchronous),
    processor: processorMode(env),
    processorBatchSize: integer(env, settings.processorBatchSize),
    processorLingerMs: integer(env, settings.processorLingerMs),
    eventRetentionDays: integer(env, settings.eventRetentionDays),
    eventCompactAfterMinutes: integer(env, settings.eventCompactAfterMinutes),
    trustProxy: flag(env, settings.trustProxy),
    smtpUrl: smtpUrl(env),
    smtpFrom: text(env, settings.smtpFrom),
    outboxKeep: integer(env, settings.outboxKeep),
    outboxDays: integer(env, settings.outboxDays),
    analyticsSyncMs: integer(env, settings.analyticsSyncMs),
    ...analyticsEngineConfig(env),
    recsRetrainMinutes: integer(env, settings.recsRetrainMinutes),
    journeyDelivery: oneOf(env, settings.journeyDelivery),
    ...channelConfig(env),
    ...outboundConfig(env),
    rateLimits: rateLimitConfig(env),
    users: usersConfig(env),
    ingestAdmission: {
      inFlightPerIp: integer(env, settings.ingestInFlightIp),
      inFlightPerWriteKey: integer(env, settings.ingestInFlightKey),
      shedLagMs: integer(env, settings.ingestShedLagMs),
    },
    operations: {
      metricsToken: text(env, settings.metricsToken),
      readyMaxLagSeconds: integer(env, settings.readyMaxLagSeconds),
      shutdownTimeoutMs: integer(env, settings.shutdownTimeoutMs),
      pgPoolMax: integer(env, settings.pgPoolMax),
    },
  };
  return { ...config, ...overrides };
}

function sdkDir(env: Env): string | undefined {
  const dir = text(env, settings.sdkDir);
  return dir === undefined ? undefined : path.resolve(dir);
}

/** The PostgreSQL URL for the dialect test runs, if any (tests read it through here too). */
export function testDatabaseUrl(env: Env = process.env): string | undefined {
  return text(env, settings.testDatabaseUrl);
}

/** Whether the store was named (RAPPORT_DATA_DIR or RAPPORT_DATABASE_URL) rather than defaulted to ./data. */
export function storeLocationChosen(env: Env = process.env): boolean {
  return Boolean(env.RAPPORT_DATA_DIR?.trim() || env.RAPPORT_DATABASE_URL?.trim());
}

/** The CLI's `--data-dir DIR`: what every later `loadConfig()` of this process reads as RAPPORT_DATA_DIR. */
export function useDataDir(dir: string, env: Env = process.env): void {
  env.RAPPORT_DATA_DIR = path.resolve(dir);
}
