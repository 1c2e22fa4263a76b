import { randomUUID } from 'node:crypto';
import type { Tx } from '../../storage/database.js';

/*
 * The lease on feeding a shared replica: a process holds it while it keeps renewing it, and
 * another takes it over once it has expired (the holder died or hung).
 */

/**
 * Takes or renews the lease `name` for `holder` until `now + ttlMs`; false while another holder's lease runs.
 * @example if (await holdLease(db, 'clickhouse', processId, Date.now(), 30_000)) await replica.sync();
 */
export async function holdLease(db: Tx, name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
  await db
    .insertInto('analytics_replica_lease')
    .values({ name, holder, expires_at: now + ttlMs })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute();
  const result = await db
    .updateTable('analytics_replica_lease')
    .set({ holder, expires_at: now + ttlMs })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('holder', '=', holder), eb('expires_at', '<=', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Gives the lease up (a clean stop), so another process takes over at once.
 * @example await releaseLease(db, 'clickhouse', processId);
 */
export async function releaseLease(db: Tx, name: string, holder: string): Promise<void> {
  await db.deleteFrom('analytics_replica_lease').where('name', '=', name).where('holder', '=', holder).execute();
}

/** A lease as the replica uses it. */
export interface Lease {
  /** Takes or renews it; false while another process holds it. */
  hold(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * The lease `name` for one process (a random holder id), lasting `ttlMs` from each renewal.
 * @example const lease = replicaLease(database.db, 'clickhouse', () => clock.now());
 */
export function replicaLease(db: Tx, name: string, now: () => number, ttlMs = 30_000): Lease {
  const holder = randomUUID();
  return {
    hold: () => holdLease(db, name, holder, now(), ttlMs),
    release: () => releaseLease(db, name, holder),
  };
}
