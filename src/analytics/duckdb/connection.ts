import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';

/** A row as read from DuckDB: BIGINT as bigint, DOUBLE as number, VARCHAR as string, lists as arrays. */
export type DuckRow = Record<string, unknown>;

/**
 * One DuckDB file and one connection, with calls serialized: the replica writes and the analyses
 * read through it, and DuckDB runs each statement on all cores anyway.
 * @example const duck = await DuckFile.open('data/analytics.duckdb'); await duck.all('select 1');
 */
export class DuckFile {
  #chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(file: string, options: { threads?: number } = {}): Promise<DuckFile> {
    const config: Record<string, string> = {};
    if (options.threads !== undefined) config.threads = String(options.threads);
    const instance = await DuckDBInstance.create(file, config);
    return new DuckFile(instance, await instance.connect());
  }

  /** Runs `fn` with the connection once every earlier call has finished. */
  exclusive<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const next = this.#chain.then(() => fn(this.connection));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** Rows of one statement, `$1`-style parameters bound. */
  all(sql: string, params: DuckDBValue[] = []): Promise<DuckRow[]> {
    return this.exclusive(async (connection) => (await connection.runAndReadAll(sql, params)).getRowObjectsJS());
  }

  run(sql: string, params: DuckDBValue[] = []): Promise<void> {
    return this.exclusive(async (connection) => {
      await connection.run(sql, params);
    });
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

export { count, text, toNumber } from '../sql-values.js';
