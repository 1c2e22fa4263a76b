/*
 * The coupons module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { CouponsModule } from './module.js';
export { CouponService } from './coupon-service.js';
export type { IssuedCoupon, PoolInput } from './coupon-service.js';
export { describeOffer } from './offer.js';
export type { OfferRule } from './offer.js';
