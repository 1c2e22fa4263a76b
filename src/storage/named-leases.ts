import { randomUUID } from 'node:crypto';
import type { Tx } from './database.js';

/*
 * Named leases (table `named_leases`): a process holds one while it keeps renewing it, and
 * another takes it over once it has expired (the holder died or hung). Unlike a session-level
 * advisory lock, a lease keeps no connection checked out and no session state, so it works
 * through a transaction-pooling PgBouncer; the price is that a crashed holder blocks others
 * until its lease expires.
 */

/**
 * Takes or renews the lease `name` for `holder` until `now + ttlMs`; false while another holder's lease runs.
 * @example if (await holdLease(db, 'analytics.replica:clickhouse', processId, Date.now(), 30_000)) await replica.sync();
 */
export async function holdLease(db: Tx, name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
  await db
    .insertInto('named_leases')
    .values({ name, holder, expires_at: now + ttlMs })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute();
  const result = await db
    .updateTable('named_leases')
    .set({ holder, expires_at: now + ttlMs })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('holder', '=', holder), eb('expires_at', '<=', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Gives the lease up (a clean stop), so another process takes over at once.
 * @example await releaseLease(db, 'analytics.replica:clickhouse', processId);
 */
export async function releaseLease(db: Tx, name: string, holder: string): Promise<void> {
  await db.deleteFrom('named_leases').where('name', '=', name).where('holder', '=', holder).execute();
}

export interface LeaseTiming {
  /** How long the lease lasts unrenewed: how long a crashed holder keeps others out. */
  ttlMs: number;
  /** How often the holder renews it while `fn` runs (well under `ttlMs`). */
  renewMs: number;
  now: () => number;
}

/**
 * Runs `fn` while holding the lease `name` (renewed in the background); undefined without
 * running it when another holder's lease runs. The lease is released when `fn` settles.
 * @example await withLease(database.db, 'predictive:ws_1', refresh, { ttlMs: 30_000, renewMs: 10_000, now: Date.now });
 */
export async function withLease<T>(db: Tx, name: string, fn: () => Promise<T>, timing: LeaseTiming): Promise<T | undefined> {
  const holder = randomUUID();
  if (!(await holdLease(db, name, holder, timing.now(), timing.ttlMs))) return undefined;
  // A renewal only extends this holder's row (it never inserts one, so a renewal still in flight
  // when the lease is released cannot bring it back). A failed renewal (the store briefly
  // unreachable) is tried again at the next tick; the lease lapses only if renewals keep failing
  // for the whole ttl.
  let renewing: Promise<unknown> = Promise.resolve();
  const renew = setInterval(() => {
    renewing = db
      .updateTable('named_leases')
      .set({ expires_at: timing.now() + timing.ttlMs })
      .where('name', '=', name)
      .where('holder', '=', holder)
      .execute()
      .catch(() => undefined);
  }, timing.renewMs);
  renew.unref();
  try {
    return await fn();
  } finally {
    clearInterval(renew);
    await renewing;
    await releaseLease(db, name, holder).catch(() => undefined);
  }
}
