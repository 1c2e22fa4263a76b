/** A row as read from ClickHouse in `JSONEachRow`: numbers, strings, booleans, arrays, null. */
export type ClickHouseRow = Record<string, unknown>;

/** Values of `{name:Type}` placeholders: bound by the engine, never spliced into SQL text. */
export type QueryParams = Record<string, string | number | boolean | readonly string[]>;

/**
 * What the ClickHouse engine needs of a connection. Parallel implementations:
 * `server-connection.ts` (`@clickhouse/client`, a real server) and `chdb-connection.ts` (the
 * same engine embedded by the `chdb` package, for tests and one machine).
 */
export interface ClickHouseConnection {
  /** Where it points, for messages (never carries a password). */
  readonly where: string;
  /** Rows of one query. */
  query(sql: string, params?: QueryParams): Promise<ClickHouseRow[]>;
  /** A statement without rows (DDL, INSERT ... SELECT, DELETE, ALTER ... UPDATE). */
  command(sql: string, params?: QueryParams): Promise<void>;
  /** Rows appended to a table as `JSONEachRow`. */
  insert(table: string, rows: readonly ClickHouseRow[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Settings every connection runs with, on both implementations: outer joins give NULL (not the
 * type's default) where nothing matched, as DuckDB does; mutations (merges moving events) and
 * deletes finish before the call returns; 64-bit integers come back as JSON numbers.
 */
export const connectionSettings = {
  join_use_nulls: 1,
  mutations_sync: '2',
  lightweight_deletes_sync: '2',
  output_format_json_quote_64bit_integers: 0,
} as const;

export { count, text } from '../sql-values.js';
