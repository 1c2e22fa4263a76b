import { sql } from 'kysely';
import { dialectOf, lockKey, type Tx } from './database.js';

/**
 * Claims `name` for the rest of the caller's transaction, without waiting: true when this
 * transaction holds it, false when another process's transaction does (PostgreSQL
 * `pg_try_advisory_xact_lock`, released by the commit or rollback, so a crashed holder never
 * keeps it and no pooled connection is left holding it). SQLite: writers take turns on the one
 * file, so the transaction already runs alone and this is always true.
 * @example await database.transaction(async (trx) => { if (!(await claimForTransaction(trx, 'segments.due'))) return 0; ... });
 */
export async function claimForTransaction(trx: Tx, name: string): Promise<boolean> {
  if (dialectOf(trx) !== 'postgres') return true;
  const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${lockKey(name)}) as ok`.execute(trx);
  return rows[0]?.ok === true;
}
