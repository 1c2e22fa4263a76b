import { reportTo, type Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { ProfilesModule } from '../profiles/index.js';
import { CouponService } from './coupon-service.js';
import { couponsRoutes } from './routes.js';

/** How often redemptions (`Order Completed` with a code) are matched to issued coupons. */
const REDEMPTION_FOLLOW_MS = 5000;

/** Coupon pools, personal codes, offers and their redemptions. */
export interface CouponsModule extends Module {
  coupons: CouponService;
}

/**
 * Builds the coupons module; its API issues a code to a profile from the profile's scores (the profiles module).
 * @example const coupons = couponsModule(kernel, { profiles });
 */
export function couponsModule(kernel: Kernel, deps: { profiles: ProfilesModule }): CouponsModule {
  const coupons = new CouponService({ database: kernel.database, clock: kernel.clock });
  return {
    name: 'coupons',
    dependencies: dependsOn(deps),
    coupons,
    routes: (scope) => couponsRoutes(scope, coupons, deps.profiles.profiles),
    start: () => coupons.start(REDEMPTION_FOLLOW_MS, reportTo(kernel, 'coupon redemption follower failed')),
    stop: () => coupons.stop(),
  };
}
