import { RapportError } from '../../shared/errors.js';
import { connectionSettings, type ClickHouseConnection, type ClickHouseRow, type QueryParams } from './connection.js';

/*
 * ClickHouse embedded by the `chdb` package (the same engine and SQL dialect as a server). chdb
 * is about 550 MB installed, so it is not a dependency: CI installs it where the contract suite
 * runs (`.ci/run`), and this file loads it by a name TypeScript does not resolve, typed by the
 * small part of its API used here.
 */

interface ChdbResult {
  text(): string;
}

interface ChdbSession {
  queryBindAsync(query: string, params: object, options: { format: string }): Promise<ChdbResult>;
  insert(params: { table: string; values: string; format: 'JSONEachRow' }): Promise<unknown>;
  close(): void;
}

interface ChdbModule {
  Session: new (path: string, options: { connectionArgs: readonly string[] }) => ChdbSession;
  drainPending(): Promise<void>;
}

function isChdb(value: unknown): value is ChdbModule {
  return typeof value === 'object' && value !== null && 'Session' in value && typeof value.Session === 'function' && 'drainPending' in value && typeof value.drainPending === 'function';
}

/**
 * The chdb module, or undefined when it is not installed.
 * @example if ((await loadChdb()) === undefined) console.log('npm install --no-save chdb@3.4.0');
 */
export async function loadChdb(): Promise<ChdbModule | undefined> {
  const name = 'chdb';
  try {
    const loaded: unknown = await import(name);
    if (isChdb(loaded)) return loaded;
    const fallback: unknown = typeof loaded === 'object' && loaded !== null && 'default' in loaded ? loaded.default : undefined;
    return isChdb(fallback) ? fallback : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Embedded ClickHouse keeping its tables in `dir`. One data directory per process (a chdb rule):
 * close this connection before opening one on another directory.
 * @example const connection = await chdbConnection('data/analytics.chdb');
 */
export async function chdbConnection(dir: string): Promise<ClickHouseConnection> {
  const chdb = await loadChdb();
  if (chdb === undefined) throw new RapportError('unavailable', 'the chdb package is not installed: npm install --no-save chdb@3.4.0');
  // A connection closed earlier in this process may still be finishing: wait, or the new one is refused.
  await chdb.drainPending();
  const session = new chdb.Session(dir, { connectionArgs: Object.entries(connectionSettings).map(([name, value]) => `--${name}=${value}`) });
  // One statement at a time on the session, as the DuckDB file does.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn);
    chain = next.catch(() => undefined);
    return next;
  };
  return {
    where: dir,
    query: (sql: string, params: QueryParams = {}) =>
      serial(async () => {
        const body = (await session.queryBindAsync(sql, params, { format: 'JSONEachRow' })).text();
        return body
          .split('\n')
          .filter((line) => line !== '')
          .map((line): ClickHouseRow => {
            const row: unknown = JSON.parse(line);
            return typeof row === 'object' && row !== null ? { ...row } : {};
          });
      }),
    command: (sql: string, params: QueryParams = {}) =>
      serial(async () => {
        await session.queryBindAsync(sql, params, { format: 'JSONEachRow' });
      }),
    insert: (table: string, rows: readonly ClickHouseRow[]) =>
      serial(async () => {
        if (rows.length === 0) return;
        await session.insert({ table, values: rows.map((row) => JSON.stringify(row)).join('\n') + '\n', format: 'JSONEachRow' });
      }),
    async close() {
      await serial(async () => undefined);
      session.close();
      await chdb.drainPending();
    },
  };
}
