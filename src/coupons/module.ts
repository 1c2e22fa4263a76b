import { reportTo, type Kernel } from '../app/kernel.js';
import type { Module } from '../app/module.js';
import { CouponService } from './coupon-service.js';

/** How often redemptions (`Order Completed` with a code) are matched to issued coupons. */
const REDEMPTION_FOLLOW_MS = 5000;

/** Coupon pools, personal codes, offers and their redemptions. */
export interface CouponsModule extends Module {
  coupons: CouponService;
}

/** @example const coupons = couponsModule(kernel); */
export function couponsModule(kernel: Kernel): CouponsModule {
  const coupons = new CouponService({ database: kernel.database, clock: kernel.clock });
  return {
    name: 'coupons',
    dependencies: [],
    coupons,
    start: () => coupons.start(REDEMPTION_FOLLOW_MS, reportTo(kernel, 'coupon redemption follower failed')),
    stop: () => coupons.stop(),
  };
}
