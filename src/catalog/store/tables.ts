/* The catalog module's tables (row types; see src/storage/schema.ts for the conventions). */

export interface ProductsTable {
  workspace_id: string;
  id: string;
  sku: string | null;
  name: string;
  url: string | null;
  image_url: string | null;
  category: string | null;
  brand: string | null;
  price: number | null;
  currency: string | null;
  inventory: number | null;
  attributes: string;
  created_at: number;
  updated_at: number;
}

/** The catalog module's tables by name, part of the store's `Schema`. */
export interface CatalogTables {
  products: ProductsTable;
}
