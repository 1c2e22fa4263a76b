import path from 'node:path';
import { parseRange } from '../channels/outbound/address.js';
import { parseSecretKey } from '../shared/secret-box.js';

/** Typed, validated configuration. This file is the only place that reads `process.env`. */
export interface Config {
  /** HTTP port; `PORT`, default 4000. */
  port: number;
  /** Interface to bind; `HOST`, default 127.0.0.1. */
  host: string;
  /** Directory for the embedded SQLite store; `RAPPORT_DATA_DIR`, default `./data`. */
  dataDir: string;
  /** PostgreSQL URL; when set, PostgreSQL replaces the embedded SQLite store. */
  databaseUrl: string | undefined;
  /** Write key used on first start instead of a random one. */
  bootstrapWriteKey: string | undefined;
  /** Admin token used on first start instead of a random one. */
  bootstrapAdminToken: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
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
  /** Minutes between retrainings of the recommendation models; `RAPPORT_RECS_RETRAIN_MINUTES`, 0 = only when asked. */
  recsRetrainMinutes: number;
  /** Where journeys deliver: `channels` (render and send for real) or `record` (store what would be sent, a dry run); `RAPPORT_JOURNEY_DELIVERY`. */
  journeyDelivery: 'channels' | 'record';
  /** Channels (issue 5): public base URL of this server for tracking, unsubscribe and confirmation links; `RAPPORT_PUBLIC_URL`. */
  publicUrl: string;
  /** HMAC key of those links; `RAPPORT_LINK_SECRET`, else a random key kept in `<dataDir>/link-secret`. */
  linkSecret: string | undefined;
  /** Twilio-compatible SMS API: `RAPPORT_TWILIO_BASE_URL` (default https://api.twilio.com), `_ACCOUNT_SID`, `_AUTH_TOKEN`, and `RAPPORT_SMS_FROM`. */
  twilio: { baseUrl: string; accountSid: string; authToken: string; from: string } | undefined;
  /** Where the VAPID key pair for web push lives (created on first use); `RAPPORT_VAPID_KEYS_FILE`, default (undefined) `<dataDir>/vapid.json`. */
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

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const match = allowed.find((option) => option === raw.trim().toUpperCase() || option === raw.trim().toLowerCase());
  if (match === undefined) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return match;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'off', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function processorMode(env: Env): Config['processor'] {
  const raw = env.RAPPORT_PROCESSOR?.trim().toLowerCase();
  if (raw === undefined || raw === '' || ['thread', '1', 'true', 'on', 'yes'].includes(raw)) return 'thread';
  if (raw === 'inline') return 'inline';
  if (['off', '0', 'false', 'no'].includes(raw)) return 'off';
  throw new ConfigError(`RAPPORT_PROCESSOR must be thread, inline or off, got "${env.RAPPORT_PROCESSOR}"`);
}

function smtpUrl(env: Env): string | undefined {
  const raw = env.RAPPORT_SMTP_URL?.trim() || undefined;
  if (raw !== undefined && !/^smtps?:\/\//.test(raw)) throw new ConfigError(`RAPPORT_SMTP_URL must start with smtp:// or smtps://, got "${raw.replace(/\/\/[^@/]*@/, '//***@')}"`);
  return raw;
}

/** Channel settings (issue 5); secrets are never echoed in errors. */
function channelConfig(env: Env): Pick<Config, 'publicUrl' | 'linkSecret' | 'twilio' | 'vapidKeysFile' | 'vapidSubject' | 'emailDoubleOptIn' | 'sendAttempts' | 'sendBackoffMs' | 'emailEventsSecret'> {
  const port = integer(env, 'PORT', 4000, 0, 65535);
  const publicUrl = (env.RAPPORT_PUBLIC_URL?.trim() || `http://${env.HOST?.trim() || '127.0.0.1'}:${port}`).replace(/\/$/, '');
  if (!/^https?:\/\/[^/]+/.test(publicUrl)) throw new ConfigError(`RAPPORT_PUBLIC_URL must be an http(s) URL such as https://rapport.shop.com, got "${publicUrl}"`);
  const linkSecret = env.RAPPORT_LINK_SECRET?.trim() || undefined;
  if (linkSecret !== undefined && linkSecret.length < 32) throw new ConfigError('RAPPORT_LINK_SECRET must be at least 32 characters (e.g. openssl rand -hex 32)');
  const accountSid = env.RAPPORT_TWILIO_ACCOUNT_SID?.trim() || undefined;
  const authToken = env.RAPPORT_TWILIO_AUTH_TOKEN?.trim() || undefined;
  const from = env.RAPPORT_SMS_FROM?.trim() || undefined;
  const configured = [accountSid, authToken, from].filter((value) => value !== undefined).length;
  if (configured > 0 && configured < 3) throw new ConfigError('SMS needs RAPPORT_TWILIO_ACCOUNT_SID, RAPPORT_TWILIO_AUTH_TOKEN and RAPPORT_SMS_FROM together');
  const baseUrl = env.RAPPORT_TWILIO_BASE_URL?.trim() || 'https://api.twilio.com';
  if (!/^https?:\/\//.test(baseUrl)) throw new ConfigError(`RAPPORT_TWILIO_BASE_URL must be an http(s) URL, got "${baseUrl}"`);
  const eventsSecret = env.RAPPORT_EMAIL_EVENTS_SECRET?.trim() || undefined;
  if (eventsSecret !== undefined && !eventsSecret.startsWith('whsec_')) throw new ConfigError('RAPPORT_EMAIL_EVENTS_SECRET must be a Standard Webhooks secret starting with whsec_');
  return {
    publicUrl,
    linkSecret,
    twilio: accountSid !== undefined && authToken !== undefined && from !== undefined ? { baseUrl, accountSid, authToken, from } : undefined,
    vapidKeysFile: env.RAPPORT_VAPID_KEYS_FILE?.trim() ? path.resolve(env.RAPPORT_VAPID_KEYS_FILE.trim()) : undefined,
    vapidSubject: env.RAPPORT_VAPID_SUBJECT?.trim() || 'mailto:admin@localhost',
    emailDoubleOptIn: flag(env, 'RAPPORT_EMAIL_DOUBLE_OPT_IN', false),
    sendAttempts: integer(env, 'RAPPORT_SEND_ATTEMPTS', 4, 1, 10),
    sendBackoffMs: integer(env, 'RAPPORT_SEND_BACKOFF_MS', 500, 0, 60_000),
    emailEventsSecret: eventsSecret,
  };
}

/** The outbound path's allow list and the keys sealing secrets at rest (docs/outbound.md). */
function outboundConfig(env: Env): Pick<Config, 'outboundAllow' | 'secretKey' | 'secretKeysOld'> {
  const list = (name: string): string[] => (env[name] ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const outboundAllow = list('RAPPORT_OUTBOUND_ALLOW');
  for (const entry of outboundAllow) if (parseRange(entry) === undefined) throw new ConfigError(`RAPPORT_OUTBOUND_ALLOW entries are IP ranges such as 10.0.0.0/8 or 127.0.0.1/32, got "${entry}"`);
  const secretKey = env.RAPPORT_SECRET_KEY?.trim() || undefined;
  const secretKeysOld = list('RAPPORT_SECRET_KEYS_OLD');
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

function rateLimit(env: Env, name: string, perSecond: number, burst: number): RateLimit {
  const rate = integer(env, name, perSecond, 0, 1_000_000);
  return { perSecond: rate, burst: integer(env, `${name}_BURST`, Math.max(burst, rate), 1, 10_000_000) };
}

// Generous defaults: above Segment's recommended 1,000 requests/s per workspace and above what
// the benchmarks send from one address; operators and tests set tighter ones.
function rateLimitConfig(env: Env): RateLimits {
  return {
    ingestPerIp: rateLimit(env, 'RAPPORT_RATE_INGEST_IP', 5000, 20_000),
    ingestPerWriteKey: rateLimit(env, 'RAPPORT_RATE_INGEST_KEY', 5000, 20_000),
    adminPerToken: rateLimit(env, 'RAPPORT_RATE_ADMIN_TOKEN', 200, 2000),
  };
}

/**
 * Reads and validates configuration from an environment map.
 * @example const config = loadConfig(process.env);
 */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const databaseUrl = env.RAPPORT_DATABASE_URL?.trim() || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`RAPPORT_DATABASE_URL must start with postgres:// or postgresql://, got "${databaseUrl}"`);
  }
  const config: Config = {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: env.HOST?.trim() || '127.0.0.1',
    dataDir: path.resolve(env.RAPPORT_DATA_DIR?.trim() || './data'),
    databaseUrl,
    bootstrapWriteKey: env.RAPPORT_BOOTSTRAP_WRITE_KEY?.trim() || undefined,
    bootstrapAdminToken: env.RAPPORT_BOOTSTRAP_ADMIN_TOKEN?.trim() || undefined,
    logLevel: oneOf(env, 'RAPPORT_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    // One process owns a SQLite store, so partitions only add commits there; PostgreSQL
    // workers split partitions between them.
    partitions: integer(env, 'RAPPORT_PARTITIONS', databaseUrl === undefined ? 1 : 8, 1, 1024),
    sqliteSynchronous: oneOf(env, 'RAPPORT_SQLITE_SYNCHRONOUS', ['NORMAL', 'FULL'] as const, 'NORMAL'),
    processor: processorMode(env),
    processorBatchSize: integer(env, 'RAPPORT_PROCESSOR_BATCH', 2000, 1, 100000),
    processorLingerMs: integer(env, 'RAPPORT_PROCESSOR_LINGER_MS', 25, 0, 10000),
    eventRetentionDays: integer(env, 'RAPPORT_EVENT_RETENTION_DAYS', 0, 0, 100000),
    eventCompactAfterMinutes: integer(env, 'RAPPORT_EVENT_COMPACT_AFTER_MINUTES', 10, 0, 525_600),
    trustProxy: flag(env, 'RAPPORT_TRUST_PROXY', false),
    smtpUrl: smtpUrl(env),
    smtpFrom: env.RAPPORT_SMTP_FROM?.trim() || 'Rapport <reports@localhost>',
    outboxKeep: integer(env, 'RAPPORT_OUTBOX_KEEP', 1000, 1, 1_000_000),
    outboxDays: integer(env, 'RAPPORT_OUTBOX_DAYS', 14, 1, 3650),
    analyticsSyncMs: integer(env, 'RAPPORT_ANALYTICS_SYNC_MS', 5000, 0, 86_400_000),
    recsRetrainMinutes: integer(env, 'RAPPORT_RECS_RETRAIN_MINUTES', 360, 0, 525_600),
    journeyDelivery: oneOf(env, 'RAPPORT_JOURNEY_DELIVERY', ['channels', 'record'] as const, 'channels'),
    ...channelConfig(env),
    ...outboundConfig(env),
    rateLimits: rateLimitConfig(env),
  };
  return { ...config, ...overrides };
}

/** The PostgreSQL URL for the dialect test runs, if any (tests read it through here too). */
export function testDatabaseUrl(env: Env = process.env): string | undefined {
  return env.RAPPORT_TEST_DATABASE_URL?.trim() || undefined;
}

/** Whether the store was named (RAPPORT_DATA_DIR or RAPPORT_DATABASE_URL) rather than defaulted to ./data. */
export function storeLocationChosen(env: Env = process.env): boolean {
  return Boolean(env.RAPPORT_DATA_DIR?.trim() || env.RAPPORT_DATABASE_URL?.trim());
}

/** The CLI's `--data-dir DIR`: what every later `loadConfig()` of this process reads as RAPPORT_DATA_DIR. */
export function useDataDir(dir: string, env: Env = process.env): void {
  env.RAPPORT_DATA_DIR = path.resolve(dir);
}
