/* The coupons module's tables (row types; see src/storage/schema.ts for the conventions). */

export interface CouponPoolsTable {
  workspace_id: string;
  id: string;
  name: string;
  prefix: string;
  offer: string;
  expires_after_days: number | null;
  expires_at: number | null;
  created_at: number;
}

export interface CouponsTable {
  workspace_id: string;
  code: string;
  pool_id: string;
  offer: string | null;
  profile_id: string | null;
  message_id: string | null;
  created_at: number;
  issued_at: number | null;
  expires_at: number | null;
  redeemed_at: number | null;
  order_id: string | null;
  revenue: number | null;
}

export interface CouponCursorsTable {
  workspace_id: string;
  partition: number;
  seq: number;
}

/** The coupons module's tables by name, part of the store's `Schema`. */
export interface CouponTables {
  coupon_pools: CouponPoolsTable;
  coupons: CouponsTable;
  coupon_cursors: CouponCursorsTable;
}
