import { Row } from './row.js';

export type MappedProduct = { ok: true; product: Record<string, unknown> } | { ok: false; reason: string };

/**
 * A catalog row → a `ProductInput`-shaped object for `CatalogService.upsertProducts`, which
 * validates it. `category` may be a path ("A > B") or a JSON array; an `attributes` JSON column
 * and every column not named here become attributes.
 * @example mapProductRow({ product_id: 'p1', title: 'Mug', price: '8.50', stock: '3' })
 */
export function mapProductRow(fields: Record<string, unknown>): MappedProduct {
  const row = new Row(fields);
  const product: Record<string, unknown> = {};
  const put = (name: string, value: unknown) => {
    if (value !== undefined) product[name] = value;
  };
  put('id', row.text('id', 'product_id', 'productid'));
  put('sku', row.text('sku'));
  put('name', row.text('name', 'title', 'product_name'));
  put('url', row.text('url', 'product_url', 'link'));
  put('image_url', row.text('image_url', 'image', 'image_link'));
  const category = row.value('category', 'category_path', 'product_type');
  if (category !== undefined) {
    const text = typeof category.value === 'string' ? category.value.trim() : undefined;
    product.category = text !== undefined && text.startsWith('[') ? row.json(category.name) : category.value;
  }
  put('brand', row.text('brand', 'vendor'));
  put('price', row.number('price'));
  put('currency', row.text('currency'));
  put('inventory', row.integer('inventory', 'stock', 'quantity', 'qty', 'inventory_quantity'));
  const attributes = row.json('attributes');
  if (attributes !== undefined && (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes))) {
    row.problems.push('attributes must be a JSON object');
  }
  const extra = row.rest();
  if (Object.keys(extra).length > 0 || attributes !== undefined) {
    product.attributes = { ...(typeof attributes === 'object' && attributes !== null ? attributes : {}), ...extra };
  }
  if (row.problems.length > 0) return { ok: false, reason: row.problems.join('; ') };
  return { ok: true, product };
}
