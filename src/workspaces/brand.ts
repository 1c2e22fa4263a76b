import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Clock } from '../shared/clock.js';
import { RapportError, type FieldIssue } from '../shared/errors.js';
import { expectedUpdatedAt, staleEdit } from '../shared/expected-update.js';
import type { Database } from '../storage/database.js';
import { readBrand, writeBrand } from './store/brand.js';
import { getWorkspace } from './store/workspaces.js';

/*
 * The workspace brand: what every starter template, hosted page (unsubscribe, preferences) and
 * analytics digest shows as the shop: its name, where it lives, its logo and colours, the postal
 * address the footer of marketing email must carry, and who email comes from.
 */

const HttpUrl = (description: string) => Type.String({ minLength: 8, maxLength: 2000, pattern: '^https?://\\S+$', description });
const HexColour = (description: string) => Type.String({ pattern: '^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$', description });

export const BrandSchema = Type.Object(
  {
    shopName: Type.String({ minLength: 1, maxLength: 120, description: 'The shop as customers know it: email headers, footers, page titles, report subjects' }),
    shopUrl: HttpUrl('The shop front (http or https); buttons lead here when a message has no more specific link'),
    logoUrl: Type.Optional(HttpUrl('A logo image (http or https), shown at the top of email, about 40 px high')),
    colors: Type.Optional(
      Type.Object(
        {
          primary: Type.Optional(HexColour('Buttons and accents, e.g. #2f6fed')),
          text: Type.Optional(HexColour('Body text, e.g. #1f2933')),
          background: Type.Optional(HexColour('Page background around the message, e.g. #f5f7fa')),
        },
        { additionalProperties: false },
      ),
    ),
    postalAddress: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'Postal address for the footer of marketing email (CAN-SPAM, many EU laws)' })),
    senderName: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Display name of the From header' })),
    senderEmail: Type.Optional(Type.String({ maxLength: 254, pattern: '^[^\\s@<>"]+@[^\\s@<>"]+\\.[^\\s@<>"]+$', description: 'Address of the From header' })),
    cartUrlPattern: Type.Optional(
      Type.String({
        maxLength: 2000,
        description: 'Link that restores a cart when its event carries no cart_url: {shop_url} and {cart_id} are filled in; default {shop_url}/cart?restore={cart_id}',
      }),
    ),
  },
  { additionalProperties: false, $id: 'Brand' },
);
export type Brand = Static<typeof BrandSchema>;

/** The brand with every default filled in, as templates, pages and reports use it. */
export const BrandViewSchema = Type.Object(
  {
    configured: Type.Boolean({ description: 'False until a brand is saved: the shop name is then the workspace name and there is no shop URL' }),
    shopName: Type.String(),
    shopUrl: Type.Union([Type.String(), Type.Null()]),
    logoUrl: Type.Union([Type.String(), Type.Null()]),
    colors: Type.Object({ primary: Type.String(), text: Type.String(), background: Type.String() }),
    postalAddress: Type.Union([Type.String(), Type.Null()]),
    senderName: Type.Union([Type.String(), Type.Null()]),
    senderEmail: Type.Union([Type.String(), Type.Null()]),
    cartUrlPattern: Type.String(),
    updatedAt: Type.Union([Type.String(), Type.Null()], {
      description: 'When the brand was last saved (null: never). Send it back as expectedUpdatedAt (or `never`) so a save over someone else’s answers 409 brand.edit_conflict',
    }),
  },
  { $id: 'BrandView' },
);
export type BrandView = Static<typeof BrandViewSchema>;

const defaultColors = { primary: '#2f6fed', text: '#1f2933', background: '#f5f7fa' };
const DEFAULT_CART_PATTERN = '{shop_url}/cart?restore={cart_id}';
const CACHE_MS = 2000;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Validates a brand; every problem names its field and how to fix it.
 * @example parseBrand({ shopName: 'Alpine Outfitters', shopUrl: 'https://alpine.example' })
 */
export function parseBrand(input: unknown): Brand {
  if (!Value.Check(BrandSchema, input)) {
    const issues: FieldIssue[] = [...Value.Errors(BrandSchema, input)].slice(0, 10).map((error) => {
      const field = error.path.slice(1).replaceAll('/', '.') || '(root)';
      const hint = /url/i.test(field) ? 'use an http:// or https:// URL' : /colors/.test(field) ? 'use a hex colour such as #2f6fed' : error.message;
      return { field, rule: 'schema', message: hint };
    });
    const first = issues[0];
    throw new RapportError('brand.invalid', `the brand is invalid: ${first === undefined ? '' : `${first.field}: ${first.message}`}`, issues);
  }
  const urls: [string, string | undefined][] = [
    ['shopUrl', input.shopUrl],
    ['logoUrl', input.logoUrl],
  ];
  for (const [field, value] of urls) {
    if (value !== undefined && !isHttpUrl(value))
      throw new RapportError('brand.url_invalid', `${field} "${value}" is not a valid http(s) URL`, [{ field, rule: 'url', message: 'use an http:// or https:// URL' }]);
  }
  if (input.cartUrlPattern !== undefined) {
    const sample = fillCartPattern(input.cartUrlPattern, input.shopUrl, 'c1');
    if (!isHttpUrl(sample)) {
      throw new RapportError('brand.url_invalid', `cartUrlPattern must give an http(s) URL once {shop_url} and {cart_id} are filled in, got "${sample}"`, [
        { field: 'cartUrlPattern', rule: 'url', message: 'start it with {shop_url} or http(s)://' },
      ]);
    }
  }
  return input;
}

function fillCartPattern(pattern: string, shopUrl: string, cartId: string): string {
  return pattern.replaceAll('{shop_url}', shopUrl.replace(/\/+$/, '')).replaceAll('{cart_id}', encodeURIComponent(cartId));
}

/**
 * The link back to a cart: the cart event's own `cart_url` when it is an http(s) URL, else the
 * brand's pattern with the cart id, else the shop's cart page; null without a shop URL.
 * @example cartUrl(brand, { cartId: 'c42' }) // 'https://alpine.example/cart?restore=c42'
 */
export function cartUrl(brand: BrandView, cart: { cartUrl?: unknown; cartId?: unknown }): string | null {
  if (typeof cart.cartUrl === 'string' && isHttpUrl(cart.cartUrl)) return cart.cartUrl;
  if (brand.shopUrl === null) return null;
  if (typeof cart.cartId === 'string' && cart.cartId !== '') return fillCartPattern(brand.cartUrlPattern, brand.shopUrl, cart.cartId);
  return `${brand.shopUrl.replace(/\/+$/, '')}/cart`;
}

/**
 * The brand as Liquid sees it (`brand.name`, `brand.url`, `brand.colors.primary`, ...).
 * @example brandContext(view).name // 'Alpine Outfitters'
 */
export function brandContext(brand: BrandView): Record<string, unknown> {
  return {
    name: brand.shopName,
    url: brand.shopUrl,
    logo_url: brand.logoUrl,
    colors: { ...brand.colors },
    postal_address: brand.postalAddress,
    sender_name: brand.senderName,
    sender_email: brand.senderEmail,
  };
}

/**
 * The From header a brand asks for, or undefined to keep the configured one.
 * @example fromHeader(view) // '"Alpine Outfitters" <hello@alpine.example>'
 */
export function fromHeader(brand: BrandView): string | undefined {
  if (brand.senderEmail === null) return undefined;
  const name = (brand.senderName ?? brand.shopName).replace(/["\\\r\n]/g, '');
  return `"${name}" <${brand.senderEmail}>`;
}

/**
 * The brand of a shop that saved none: its name, default colours, no URLs.
 * @example unbranded('Default').shopUrl // null
 */
export function unbranded(shopName: string): BrandView {
  return {
    configured: false,
    shopName,
    shopUrl: null,
    logoUrl: null,
    colors: { ...defaultColors },
    postalAddress: null,
    senderName: null,
    senderEmail: null,
    cartUrlPattern: DEFAULT_CART_PATTERN,
    updatedAt: null,
  };
}

/**
 * Reads and saves the brand of each workspace; reads are cached for two seconds because every
 * send and page asks for it.
 * @example const brand = await brands.get('default'); brand.shopName
 */
export class BrandService {
  private readonly cache = new Map<string, { value: Promise<BrandView>; at: number }>();

  constructor(private readonly deps: { database: Database; clock: Clock }) {}

  get(workspaceId: string): Promise<BrandView> {
    const now = this.deps.clock.now();
    const cached = this.cache.get(workspaceId);
    if (cached !== undefined && now - cached.at < CACHE_MS && now >= cached.at) return cached.value;
    const value = this.load(workspaceId);
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(workspaceId, { value, at: now });
    value.catch(() => this.cache.delete(workspaceId));
    return value;
  }

  /**
   * Replaces the brand (validated first). With `expectedUpdatedAt` (the updatedAt the editor read,
   * `never` when none was saved), a brand saved by someone else since answers `brand.edit_conflict`.
   */
  async put(workspaceId: string, input: unknown, options: { expectedUpdatedAt?: string } = {}): Promise<BrandView> {
    const expected = expectedUpdatedAt(options.expectedUpdatedAt, 'the brand');
    const brand = parseBrand(input);
    const written = await writeBrand(this.deps.database.db, workspaceId, JSON.stringify(brand), this.deps.clock.now(), expected);
    this.cache.delete(workspaceId);
    if (!written) throw new RapportError('brand.edit_conflict', ...staleEdit('the brand', (await readBrand(this.deps.database.db, workspaceId))?.updatedAt));
    return this.get(workspaceId);
  }

  private async load(workspaceId: string): Promise<BrandView> {
    const stored = await readBrand(this.deps.database.db, workspaceId);
    const value: unknown = stored === undefined ? undefined : JSON.parse(stored.brand);
    if (value !== undefined && Value.Check(BrandSchema, value)) {
      return {
        configured: true,
        shopName: value.shopName,
        shopUrl: value.shopUrl,
        logoUrl: value.logoUrl ?? null,
        colors: { ...defaultColors, ...value.colors },
        postalAddress: value.postalAddress ?? null,
        senderName: value.senderName ?? null,
        senderEmail: value.senderEmail ?? null,
        cartUrlPattern: value.cartUrlPattern ?? DEFAULT_CART_PATTERN,
        updatedAt: stored === undefined ? null : new Date(stored.updatedAt).toISOString(),
      };
    }
    const workspace = await getWorkspace(this.deps.database.db, workspaceId);
    return unbranded(workspace?.name ?? workspaceId);
  }
}
