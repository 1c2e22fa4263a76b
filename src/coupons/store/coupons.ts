import { sql } from 'kysely';
import { payloadColumns, payloadText } from '../../storage/payload-codec.js';
import type { Tx } from '../../storage/database.js';

export interface CouponPoolRecord {
  id: string;
  name: string;
  prefix: string;
  /** JSON text of the offer rule. */
  offer: string;
  expiresAfterDays: number | null;
  expiresAt: number | null;
  createdAt: number;
}

export interface CouponRecord {
  code: string;
  poolId: string;
  offer: string | null;
  profileId: string | null;
  messageId: string | null;
  createdAt: number;
  issuedAt: number | null;
  expiresAt: number | null;
  redeemedAt: number | null;
  orderId: string | null;
  revenue: number | null;
}

export async function insertCouponPool(db: Tx, workspaceId: string, pool: CouponPoolRecord): Promise<void> {
  await db
    .insertInto('coupon_pools')
    .values({
      workspace_id: workspaceId,
      id: pool.id,
      name: pool.name,
      prefix: pool.prefix,
      offer: pool.offer,
      expires_after_days: pool.expiresAfterDays,
      expires_at: pool.expiresAt,
      created_at: pool.createdAt,
    })
    .execute();
}

export async function findCouponPool(db: Tx, workspaceId: string, id: string): Promise<CouponPoolRecord | undefined> {
  const row = await db.selectFrom('coupon_pools').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row === undefined
    ? undefined
    : { id: row.id, name: row.name, prefix: row.prefix, offer: row.offer, expiresAfterDays: row.expires_after_days, expiresAt: row.expires_at, createdAt: row.created_at };
}

export async function listCouponPools(db: Tx, workspaceId: string): Promise<CouponPoolRecord[]> {
  const rows = await db.selectFrom('coupon_pools').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').execute();
  return rows.map((row) => ({ id: row.id, name: row.name, prefix: row.prefix, offer: row.offer, expiresAfterDays: row.expires_after_days, expiresAt: row.expires_at, createdAt: row.created_at }));
}

/** Workspaces that have coupon pools (the redemption follower reads only their events). */
export async function workspacesWithPools(db: Tx): Promise<string[]> {
  const rows = await db.selectFrom('coupon_pools').select('workspace_id').distinct().execute();
  return rows.map((row) => row.workspace_id);
}

/** Adds codes to a pool; codes that exist already (in any pool) are skipped and returned. */
export async function insertCoupons(db: Tx, workspaceId: string, poolId: string, codes: readonly string[], now: number): Promise<string[]> {
  const skipped: string[] = [];
  for (let start = 0; start < codes.length; start += 1000) {
    const chunk = codes.slice(start, start + 1000);
    const existing = await db.selectFrom('coupons').select('code').where('workspace_id', '=', workspaceId).where('code', 'in', chunk).execute();
    const taken = new Set(existing.map((row) => row.code));
    const fresh = chunk.filter((code) => !taken.has(code));
    skipped.push(...chunk.filter((code) => taken.has(code)));
    if (fresh.length === 0) continue;
    await db
      .insertInto('coupons')
      .values(
        fresh.map((code) => ({
          workspace_id: workspaceId,
          code,
          pool_id: poolId,
          offer: null,
          profile_id: null,
          message_id: null,
          created_at: now,
          issued_at: null,
          expires_at: null,
          redeemed_at: null,
          order_id: null,
          revenue: null,
        })),
      )
      .onConflict((conflict) => conflict.columns(['workspace_id', 'code']).doNothing())
      .execute();
  }
  return skipped;
}

/** The oldest unissued code of an uploaded pool, claimed for one person (inside a transaction). */
export async function claimUnissuedCoupon(
  db: Tx,
  workspaceId: string,
  poolId: string,
  claim: { profileId: string; messageId: string | null; offer: string; issuedAt: number; expiresAt: number | null },
): Promise<string | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const candidate = await db
      .selectFrom('coupons')
      .select('code')
      .where('workspace_id', '=', workspaceId)
      .where('pool_id', '=', poolId)
      .where('issued_at', 'is', null)
      .orderBy('created_at')
      .orderBy('code')
      .limit(1)
      .executeTakeFirst();
    if (candidate === undefined) return undefined;
    const result = await db
      .updateTable('coupons')
      .set({ profile_id: claim.profileId, message_id: claim.messageId, offer: claim.offer, issued_at: claim.issuedAt, expires_at: claim.expiresAt })
      .where('workspace_id', '=', workspaceId)
      .where('code', '=', candidate.code)
      .where('issued_at', 'is', null)
      .executeTakeFirst();
    // Another sender took it between the read and the update: try the next one.
    if (Number(result.numUpdatedRows) > 0) return candidate.code;
  }
  return undefined;
}

/** Inserts a freshly generated code already issued; false when the code exists (regenerate). */
export async function insertIssuedCoupon(db: Tx, workspaceId: string, coupon: CouponRecord): Promise<boolean> {
  const result = await db
    .insertInto('coupons')
    .values({
      workspace_id: workspaceId,
      code: coupon.code,
      pool_id: coupon.poolId,
      offer: coupon.offer,
      profile_id: coupon.profileId,
      message_id: coupon.messageId,
      created_at: coupon.createdAt,
      issued_at: coupon.issuedAt,
      expires_at: coupon.expiresAt,
      redeemed_at: null,
      order_id: null,
      revenue: null,
    })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'code']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function findCoupon(db: Tx, workspaceId: string, code: string): Promise<CouponRecord | undefined> {
  const row = await db.selectFrom('coupons').selectAll().where('workspace_id', '=', workspaceId).where('code', '=', code).executeTakeFirst();
  return row === undefined
    ? undefined
    : {
        code: row.code,
        poolId: row.pool_id,
        offer: row.offer,
        profileId: row.profile_id,
        messageId: row.message_id,
        createdAt: row.created_at,
        issuedAt: row.issued_at,
        expiresAt: row.expires_at,
        redeemedAt: row.redeemed_at,
        orderId: row.order_id,
        revenue: row.revenue,
      };
}

/** The code a message issued (a retried send reuses it). */
export async function findCouponByMessage(db: Tx, workspaceId: string, messageId: string): Promise<string | undefined> {
  const row = await db.selectFrom('coupons').select('code').where('workspace_id', '=', workspaceId).where('message_id', '=', messageId).executeTakeFirst();
  return row?.code;
}

/** Marks a code redeemed once; a later order fills order and revenue if still empty. */
export async function redeemCoupon(db: Tx, workspaceId: string, code: string, redemption: { at: number; orderId: string | null; revenue: number | null }): Promise<boolean> {
  const result = await db
    .updateTable('coupons')
    .set((eb) => ({
      redeemed_at: eb.fn.coalesce('redeemed_at', sql<number>`${redemption.at}`),
      order_id: eb.fn.coalesce('order_id', sql<string | null>`${redemption.orderId}`),
      revenue: eb.fn.coalesce('revenue', sql<number | null>`${redemption.revenue}`),
    }))
    .where('workspace_id', '=', workspaceId)
    .where('code', '=', code)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export interface PoolReportRow {
  poolId: string;
  codes: number;
  issued: number;
  redeemed: number;
  revenue: number;
}

/** Issued vs redeemed vs revenue, per pool. */
export async function couponReport(db: Tx, workspaceId: string): Promise<PoolReportRow[]> {
  const rows = await db
    .selectFrom('coupons')
    .select((eb) => [
      'pool_id',
      eb.fn.countAll<number>().as('codes'),
      eb.fn.count<number>('issued_at').as('issued'),
      eb.fn.count<number>('redeemed_at').as('redeemed'),
      eb.fn.coalesce(eb.fn.sum<number>('revenue'), sql<number>`0`).as('revenue'),
    ])
    .where('workspace_id', '=', workspaceId)
    .groupBy('pool_id')
    .execute();
  return rows.map((row) => ({ poolId: row.pool_id, codes: Number(row.codes), issued: Number(row.issued), redeemed: Number(row.redeemed), revenue: Number(row.revenue) }));
}

export async function readCouponCursors(db: Tx, workspaceId: string): Promise<Map<number, number>> {
  const rows = await db.selectFrom('coupon_cursors').select(['partition', 'seq']).where('workspace_id', '=', workspaceId).execute();
  return new Map(rows.map((row) => [row.partition, Number(row.seq)]));
}

export async function writeCouponCursor(db: Tx, workspaceId: string, partition: number, seq: number): Promise<void> {
  await db
    .insertInto('coupon_cursors')
    .values({ workspace_id: workspaceId, partition, seq })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'partition']).doUpdateSet({ seq }))
    .execute();
}

/** Coupon events after a cursor in one partition, in sequence order. */
export async function readCouponEvents(db: Tx, workspaceId: string, partition: number, after: number, limit: number): Promise<{ seq: number; receivedAt: number; payload: string }[]> {
  const rows = await db
    .selectFrom('events')
    .select(['seq', 'received_at', ...payloadColumns])
    .where('workspace_id', '=', workspaceId)
    .where('partition', '=', partition)
    .where('seq', '>', after)
    .where('event', 'in', ['Coupon Applied', 'Order Completed'])
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ seq: Number(row.seq), receivedAt: Number(row.received_at), payload: payloadText(row.payload, row) }));
}

/** The partitions a workspace's log has (from its heads) and each head. */
export async function readLogHeads(db: Tx, workspaceId: string): Promise<Map<number, number>> {
  const rows = await db.selectFrom('log_heads').select(['partition', 'head']).where('workspace_id', '=', workspaceId).execute();
  return new Map(rows.map((row) => [row.partition, Number(row.head)]));
}
