import path from 'node:path';

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
    trustProxy: flag(env, 'RAPPORT_TRUST_PROXY', false),
  };
  return { ...config, ...overrides };
}

/** The PostgreSQL URL for the dialect test runs, if any (tests read it through here too). */
export function testDatabaseUrl(env: Env = process.env): string | undefined {
  return env.RAPPORT_TEST_DATABASE_URL?.trim() || undefined;
}
