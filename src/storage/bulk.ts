import type SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, sql, type RawBuilder } from 'kysely';
import type { Database, Dialect, Tx } from './database.js';

/*
 * Bulk statements for the processor's hot path, where a batch writes thousands of rows.
 * - SQLite: one cached prepared statement per table, run row by row on the raw handle inside
 *   the caller's transaction (microseconds a row, no SQL text of varying length to prepare).
 * - PostgreSQL: multi-row inserts as SQL text with bound parameters; building a Kysely query
 *   tree for thousands of rows costs more than running the statement.
 * Lists of keys are passed as one parameter (`json_each` / `= any`) so the SQL text never
 * changes with the list's length and the statement cache keeps hitting.
 */

/** What a bulk write needs to know about the store. */
export type BulkTarget = Pick<Database, 'dialect' | 'sqlite'>;

// PostgreSQL allows 65535 bound parameters per statement; stay well below.
const MAX_PARAMETERS = 30_000;

const statements = new WeakMap<SqliteDatabase.Database, Map<string, SqliteDatabase.Statement>>();

/** A prepared statement for `text` on this SQLite handle, prepared once per handle. */
export function prepared(handle: SqliteDatabase.Database, text: string): SqliteDatabase.Statement {
  let cache = statements.get(handle);
  if (cache === undefined) {
    cache = new Map();
    statements.set(handle, cache);
  }
  let statement = cache.get(text);
  if (statement === undefined) {
    statement = handle.prepare(text);
    cache.set(text, statement);
  }
  return statement;
}

/** SQLite binds numbers, strings, null, bigint and buffers only. */
function bindable(value: unknown): string | number | bigint | Buffer | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || Buffer.isBuffer(value)) return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw new Error(`cannot bind a ${typeof value} to SQLite`);
}

/**
 * Inserts `rows` (values in `columns` order) into `table` inside the caller's transaction.
 * `conflict` is an optional `on conflict ...` clause, identical in SQLite and PostgreSQL.
 * @example await bulkInsert(trx, database, 'profile_events', ['workspace_id', 'profile_id'], [['w', 'p']]);
 */
export async function bulkInsert(db: Tx, target: BulkTarget, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], conflict = ''): Promise<void> {
  if (rows.length === 0) return;
  const head = `insert into "${table}" (${columns.map((column) => `"${column}"`).join(', ')}) values `;
  const tail = conflict === '' ? '' : ` ${conflict}`;
  if (target.dialect === 'sqlite' && target.sqlite !== undefined) {
    const statement = prepared(target.sqlite, `${head}(${columns.map(() => '?').join(', ')})${tail}`);
    for (const row of rows) statement.run(...row.map(bindable));
    return;
  }
  const perChunk = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  for (let start = 0; start < rows.length; start += perChunk) {
    const chunk = rows.slice(start, start + perChunk);
    const parameters: unknown[] = [];
    const tuples: string[] = [];
    for (const row of chunk) {
      if (row.length !== columns.length) throw new Error(`bulkInsert into ${table}: a row has ${row.length} values for ${columns.length} columns`);
      const marks: string[] = [];
      for (const value of row) {
        parameters.push(value);
        marks.push(target.dialect === 'postgres' ? `$${parameters.length}` : '?');
      }
      tuples.push(`(${marks.join(', ')})`);
    }
    await db.executeQuery(CompiledQuery.raw(`${head}${tuples.join(', ')}${tail}`, parameters));
  }
}

/**
 * `column IN (values)` with the whole list as one parameter, so the SQL text does not depend
 * on the list's length.
 * @example query.where(inList('sqlite', 'value', ['a', 'b']))
 */
export function inList(dialect: Dialect, column: string, values: readonly string[]): RawBuilder<boolean> {
  if (dialect === 'postgres') return sql<boolean>`${sql.ref(column)} = any(${[...values]}::text[])`;
  return sql<boolean>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(values)}))`;
}
