import { isJsonObject, type JsonObject } from '../ingest/index.js';
import { currentTraits, type ProfileState } from '../profiles/index.js';
import type { CatalogItem, Interaction, InteractionKind, VisitorContext } from './engine.js';
import { ownValue } from '../shared/own.js';

/*
 * From stored events and profiles to the plain data the models take. Pure: the service reads
 * the rows and passes them here.
 */

const kinds: Readonly<Record<string, InteractionKind>> = {
  'Product Viewed': 'view',
  'Product Clicked': 'view',
  'Product Added': 'cart',
  'Order Completed': 'purchase',
};

function text(value: unknown): string | null {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function productIdOf(properties: JsonObject): string | null {
  return text(properties.product_id) ?? text(properties.productId) ?? text(properties.sku) ?? text(properties.id);
}

/**
 * The product interactions in one tracked event: one for a view or an add, one per line of an order.
 * @example interactionsOf('prf_1', 'Product Viewed', { product_id: 'p1' }, 1000) // [{ profile: 'prf_1', item: 'p1', kind: 'view', t: 1000 }]
 */
export function interactionsOf(profile: string, event: string, properties: unknown, t: number, groups?: readonly string[]): Interaction[] {
  const kind = ownValue(kinds, event);
  if (kind === undefined || !isJsonObject(properties)) return [];
  const extra = groups === undefined ? {} : { groups };
  if (kind !== 'purchase') {
    const item = productIdOf(properties);
    return item === null ? [] : [{ profile, item, kind, t, ...extra }];
  }
  const lines = Array.isArray(properties.products) ? properties.products : [];
  const result: Interaction[] = [];
  for (const line of lines) {
    if (!isJsonObject(line)) continue;
    const item = productIdOf(line);
    const quantity = typeof line.quantity === 'number' && line.quantity > 0 ? line.quantity : 1;
    if (item !== null) result.push({ profile, item, kind, t, quantity, ...extra });
  }
  return result;
}

/**
 * The `properties` of a stored event payload (JSON text of the normalized message).
 * @example propertiesOfPayload('{"properties":{"product_id":"p1"}}') // { product_id: 'p1' }
 */
export function propertiesOfPayload(payload: string): unknown {
  try {
    const message: unknown = JSON.parse(payload);
    return isJsonObject(message) ? message.properties : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The groups a profile belongs to for best-sellers: gender, country and city from its traits
 * (top level or `address`), and the text-valued scores (an RFM group, a segment) as `key:value`.
 * @example profileGroups(state, { rfm_group: 'champions' }) // ['gender:female', 'country:fr', 'rfm_group:champions']
 */
export function profileGroups(state: ProfileState | undefined, scores: Record<string, unknown> = {}): string[] {
  const groups: string[] = [];
  if (state !== undefined) {
    const traits = currentTraits(state);
    const address = isJsonObject(traits.address) ? traits.address : {};
    const add = (key: string, value: unknown) => {
      const found = text(value);
      if (found !== null) groups.push(`${key}:${found.toLowerCase()}`);
    };
    add('gender', traits.gender);
    add('country', traits.country ?? address.country);
    add('city', traits.city ?? address.city);
  }
  for (const [key, value] of Object.entries(scores)) if (typeof value === 'string' && value !== '') groups.push(`${key}:${value.toLowerCase()}`);
  return groups;
}

/**
 * What the engine needs about a visitor, from the profile state (viewed list, cart) and the
 * profile's recent product events (newest first).
 * @example visitorContext(state, recentInteractions, ['gender:female'])
 */
export function visitorContext(state: ProfileState | undefined, recent: readonly Interaction[], groups: readonly string[]): VisitorContext {
  const viewed = state?.viewed.map((view) => ({ id: view.id, t: view.t })) ?? [];
  const cart = state?.cart?.items.map((item) => item.id) ?? [];
  const purchased = recent.filter((interaction) => interaction.kind === 'purchase').map((interaction) => ({ id: interaction.item, t: interaction.t }));
  const history = [...recent].reverse().map((interaction) => interaction.item);
  return { viewed, purchased, cart, history, groups };
}

/** Attribute names that hold the price before a discount. */
const compareAtKeys = ['compare_at_price', 'compareAtPrice', 'original_price', 'list_price', 'msrp', 'regular_price'];

/**
 * A catalog row as the engine sees it; the pre-discount price comes from the attributes.
 * @example catalogItem({ id: 'p1', category: null, brand: null, price: 80, inventory: 3, createdAt: 0 }, { compare_at_price: 100 })
 */
export function catalogItem(
  row: { id: string; category: string | null; brand: string | null; price: number | null; inventory: number | null; createdAt: number },
  attributes: Record<string, unknown>,
): CatalogItem {
  let compareAtPrice: number | null = null;
  for (const key of compareAtKeys) {
    const value = attributes[key];
    const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    if (Number.isFinite(number) && number > 0) {
      compareAtPrice = number;
      break;
    }
  }
  return { id: row.id, category: row.category, brand: row.brand, price: row.price, inventory: row.inventory, createdAt: row.createdAt, compareAtPrice };
}
