import { sql } from 'kysely';
import type { Db, Tx } from '../../storage/database.js';

/* The lease table's reads and writes (see ../leases.ts for what the leases mean). */

/** The database's clock in ms: every process compares lease times on one clock. */
const dbNow = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/**
 * One manager's round, in one transaction: heartbeat, forget workers whose heartbeat expired,
 * renew this owner's leases, then release those above its fair share or claim free and expired
 * ones up to it. Returns the partitions it holds afterwards.
 */
export async function leaseRound(db: Db, { owner, partitions, ttlMs }: { owner: string; partitions: number; ttlMs: number }): Promise<{ held: Set<number>; workers: number }> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ now: number }>`select ${dbNow} as now`.execute(trx);
    const now = Number(rows[0]?.now ?? Date.now());
    const until = now + ttlMs;
    await sql`insert into log_leases (partition, owner, expires_at, renewed_at) select p, null, 0, 0 from generate_series(0, ${partitions - 1}) p on conflict do nothing`.execute(trx);
    await trx
      .insertInto('log_workers')
      .values({ owner, expires_at: until })
      .onConflict((conflict) => conflict.column('owner').doUpdateSet({ expires_at: until }))
      .execute();
    await trx.deleteFrom('log_workers').where('expires_at', '<', now).execute();
    const live = await trx
      .selectFrom('log_workers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const workers = Math.max(1, Number(live.n));
    const share = Math.ceil(partitions / workers);
    const renewed = await trx.updateTable('log_leases').set({ expires_at: until, renewed_at: now }).where('owner', '=', owner).where('partition', '<', partitions).returning('partition').execute();
    const mine = renewed.map((row) => row.partition).sort((a, b) => a - b);
    if (mine.length > share) {
      const extra = mine.splice(share);
      await trx.updateTable('log_leases').set({ owner: null, expires_at: 0 }).where('owner', '=', owner).where('partition', 'in', extra).execute();
    } else if (mine.length < share) {
      const claimed = await sql<{ partition: number }>`update log_leases set owner = ${owner}, expires_at = ${until}, renewed_at = ${now}
          where partition in (select partition from log_leases where partition < ${partitions} and (owner is null or expires_at < ${now})
                              order by partition limit ${share - mine.length} for update skip locked)
          returning partition`.execute(trx);
      mine.push(...claimed.rows.map((row) => row.partition));
    }
    return { held: new Set(mine), workers };
  });
}

/** The partitions an owner holds unexpired. */
export async function heldPartitions(db: Tx, owner: string): Promise<Set<number>> {
  const rows = await db.selectFrom('log_leases').select('partition').where('owner', '=', owner).where('expires_at', '>', dbNow).execute();
  return new Set(rows.map((row) => row.partition));
}

/** Inside a batch's transaction: whether the owner holds the partition, locking the lease row for share until commit. */
export async function holdsLease(trx: Tx, owner: string, partition: number): Promise<boolean> {
  const row = await trx.selectFrom('log_leases').select('partition').where('partition', '=', partition).where('owner', '=', owner).where('expires_at', '>', dbNow).forShare().executeTakeFirst();
  return row !== undefined;
}

/** Gives up an owner's leases and heartbeat at once. */
export async function releaseLeases(db: Db, owner: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('log_leases').set({ owner: null, expires_at: 0 }).where('owner', '=', owner).execute();
    await trx.deleteFrom('log_workers').where('owner', '=', owner).execute();
  });
}
