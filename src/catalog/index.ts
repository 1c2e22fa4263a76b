/*
 * The catalog module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { CatalogModule } from './module.js';
export { BACK_IN_STOCK, PRICE_DROPPED } from './catalog-service.js';
export type { CatalogService } from './catalog-service.js';
export { BulkProductsBody, Product, ProductInput, ProductListQuery, ProductPage, UpsertProductsResult, normalizeCategory } from './product.js';
export { findProductsByIds, readCatalogPage, readNewestProducts, readServingProducts, readTrackedInventory } from './store/products.js';
export { readShopCurrency } from './store/shop-currency.js';
