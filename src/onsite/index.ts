/*
 * The on-site module's surface for other modules and the entry points (its registration is in
 * module.ts, which only the composition root imports).
 */
export { OnsiteQueue } from './onsite.js';
export type { Onsite } from './onsite.js';
export type { OnsiteReport } from './report.js';
export type { OnsiteModule } from './module.js';
export { DEFAULT_SDK_DIR, loadSdkAssets, sdkResponse } from './sdk-assets.js';
export { installStarters, starterCampaigns } from './starters.js';
export { SHOP_CSS, SHOP_JS, productSvg } from './storefront/assets.js';
export { SHOP_BASE, cartPage, categoryPage, departmentSlug, homePage, notFoundPage, productPage } from './storefront/pages.js';
export type { PageContext } from './storefront/pages.js';
export { shopLang } from './storefront/shop-text.js';
export { cartLines, demoProducts, demoWriteKey, shopCsp } from './storefront/shop.js';
