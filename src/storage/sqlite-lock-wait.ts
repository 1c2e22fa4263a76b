import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { turnBudget } from '../shared/yield-slices.js';
import { SqliteDialect, type CompiledQuery, type DatabaseConnection, type Driver, type QueryCompiler, type QueryResult, type TransactionSettings } from 'kysely';

/*
 * Waiting for SQLite's write lock without holding the event loop. The processor thread writes
 * the same file through its own connection, and better-sqlite3 waits for a lock inside the
 * statement call: with `busy_timeout` set, `begin immediate` slept on the event-loop thread
 * until the processor's transaction committed (measured under bench:hostile: up to 940 ms,
 * during which no request, /healthz included, was served). The connection is opened with
 * `busy_timeout = 0` instead, so a statement that meets the lock fails at once with
 * SQLITE_BUSY, and the driver below runs it again after a timer: other work runs meanwhile.
 */

/** How long a statement waits for the lock in all before its SQLITE_BUSY is thrown (the former busy_timeout). */
export const LOCK_WAIT_MS = 10_000;
const MAX_POLL_MS = 8;

/**
 * A statement that failed because another connection holds the lock and made no change: safe to
 * run again. SQLITE_BUSY_SNAPSHOT is not among them: its transaction read a state that another
 * connection has since changed, so only a new transaction helps.
 */
export function isLockBusy(error: unknown): boolean {
  const code: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'code') : undefined;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_RECOVERY';
}

/**
 * Runs `run` until it does not fail with a busy lock, waiting on timers (1, 2, 4, then every
 * 8 ms) in between, for at most `waitMs` in all; then its last error is thrown.
 * @example await retryWhileBusy(() => connection.executeQuery(query));
 */
export async function retryWhileBusy<T>(run: () => Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T> {
  const started = performance.now();
  let pollMs = 1;
  for (;;) {
    try {
      return await run();
    } catch (error) {
      if (!isLockBusy(error) || performance.now() - started >= waitMs) throw error;
      await sleep(pollMs);
      pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    }
  }
}

/*
 * Statements run synchronously, and Kysely chains them in microtasks: when a long transaction
 * released the connection, every query queued behind it (and each one's follow-up queries) ran
 * in the same macrotask, 15-30 ms of CPU under bench:hostile. Past 10 ms of statements in one
 * loop turn, the next statement waits for a turn (one slice per turn, shared with all sliced work).
 */
const statementTurns = turnBudget();

class LockWaitingConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const pause = statementTurns();
    if (pause !== undefined) await pause;
    return retryWhileBusy(() => this.inner.executeQuery<R>(compiledQuery));
  }

  streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(compiledQuery, chunkSize);
  }
}

function innerOf(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof LockWaitingConnection ? connection.inner : connection;
}

/** Kysely's SQLite driver, its connection wrapped so that statements meeting the lock wait on timers. */
class LockWaitingDriver implements Driver {
  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new LockWaitingConnection(await this.inner.acquireConnection());
  }

  // Kysely's driver runs begin/commit/savepoints through the connection it is given: the wrapper, so they wait on timers too.
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  async savepoint(connection: DatabaseConnection, savepointName: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.savepoint?.(connection, savepointName, compileQuery);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, savepointName: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.rollbackToSavepoint?.(connection, savepointName, compileQuery);
  }

  async releaseSavepoint(connection: DatabaseConnection, savepointName: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.releaseSavepoint?.(connection, savepointName, compileQuery);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(innerOf(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/**
 * Kysely's SqliteDialect whose statements wait for a busy lock on timers instead of inside
 * SQLite. Open the handle with `busy_timeout = 0`, or SQLite still sleeps before failing.
 * @example new Kysely<Schema>({ dialect: new LockWaitingSqliteDialect({ database: handle }) });
 */
export class LockWaitingSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    return new LockWaitingDriver(super.createDriver());
  }
}
