import { DEMO_SHOP_PATH, type DemoProduct } from '../../demo/catalog.js';
import { shopText, SHOP_LANGS, type ShopLang, type ShopText } from './shop-text.js';

/** What every page needs: its language, the CSP nonce of this response, and the demo write key (null: demo not loaded). */
export interface PageContext {
  lang: ShopLang;
  nonce: string;
  writeKey: string | null;
  /** Path of this page without the query, for the language links. */
  path: string;
}

/** Where the storefront is served; the demo's catalog links here. */
export const SHOP_BASE = DEMO_SHOP_PATH;
/** The reserved slots campaigns can target (`slot` of a banner or recommendations campaign). */
export const BANNER_SLOT = '#rapport-banner';
export const RECS_SLOT = '#rapport-recs';

const LANG_NAMES: Record<ShopLang, string> = { en: 'English', ar: 'العربية', ja: '日本語' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const link = (ctx: PageContext, path: string): string => `${SHOP_BASE}${path}${ctx.lang === 'en' ? '' : `?lang=${ctx.lang}`}`;

/** Catalog prices are in major units; the label follows the page's language. */
export function formatPrice(lang: ShopLang, price: number, currency: string): string {
  return new Intl.NumberFormat(lang, { style: 'currency', currency }).format(price);
}

export function departmentSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function header(ctx: PageContext, text: ShopText, departments: readonly string[]): string {
  const langs = SHOP_LANGS.map(
    (lang) =>
      `<li><a href="${SHOP_BASE}${ctx.path}${lang === 'en' ? '' : `?lang=${lang}`}" lang="${lang}" hreflang="${lang}"${lang === ctx.lang ? ' aria-current="true"' : ''}>${LANG_NAMES[lang]}</a></li>`,
  ).join('');
  const nav = departments.map((name) => `<li><a href="${link(ctx, `/c/${departmentSlug(name)}`)}">${escapeHtml(text.departments[name] ?? name)}</a></li>`).join('');
  return `<header class="top"><div class="bar">
<a class="logo" href="${link(ctx, '')}">${escapeHtml(text.shop)}</a>
<nav aria-label="${escapeHtml(text.language)}" class="langs"><ul>${langs}</ul></nav>
<a class="cart-link" href="${link(ctx, '/cart')}">${escapeHtml(text.cart)} <span class="count" data-cart-count>0</span></a>
</div><nav aria-label="${escapeHtml(text.home)}" class="depts"><ul>${nav}</ul></nav></header>`;
}

/** The page frame: CSP-nonced SDK loader snippet (when the demo is loaded), the shop's script and stylesheet. */
export function layout(ctx: PageContext, title: string, main: string, departments: readonly string[]): string {
  const text = shopText(ctx.lang);
  const snippet = ctx.writeKey === null ? '' : `<script async nonce="${ctx.nonce}" src="/sdk/v1/loader.js" data-write-key="${escapeHtml(ctx.writeKey)}"></script>\n`;
  const notice = ctx.writeKey === null ? `<p class="notice" role="note">${escapeHtml(text.notLoaded)}</p>` : '';
  return `<!doctype html>
<html lang="${ctx.lang}" dir="${ctx.lang === 'ar' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · ${escapeHtml(text.shop)}</title>
<link rel="stylesheet" href="${SHOP_BASE}/assets/shop.css">
${snippet}<script defer nonce="${ctx.nonce}" src="${SHOP_BASE}/assets/shop.js"></script>
</head><body>
${header(ctx, text, departments)}
<main id="main">${notice}${main}</main>
<footer class="foot"><p>${escapeHtml(text.tagline)}</p></footer>
</body></html>`;
}

function card(ctx: PageContext, product: DemoProduct): string {
  return `<li class="card"><a href="${link(ctx, `/p/${encodeURIComponent(product.id)}`)}">
<img src="${SHOP_BASE}/img/${encodeURIComponent(product.id)}.svg" alt="" width="300" height="300" loading="lazy">
<span class="name" dir="auto">${escapeHtml(product.name ?? product.id)}</span>
<span class="price">${formatPrice(ctx.lang, product.price, product.currency)}</span></a></li>`;
}

export function grid(ctx: PageContext, products: readonly DemoProduct[]): string {
  return `<ul class="grid">${products.map((product) => card(ctx, product)).join('')}</ul>`;
}

export function homePage(ctx: PageContext, featured: readonly DemoProduct[], departments: readonly string[]): string {
  const text = shopText(ctx.lang);
  const main = `<section id="${BANNER_SLOT.slice(1)}" class="slot slot-banner" aria-label="${escapeHtml(text.promotions)}"></section>
<h1>${escapeHtml(text.tagline)}</h1><h2>${escapeHtml(text.featured)}</h2>${grid(ctx, featured)}`;
  return layout(ctx, text.home, main, departments);
}

export function categoryPage(ctx: PageContext, department: string, products: readonly DemoProduct[], departments: readonly string[]): string {
  const text = shopText(ctx.lang);
  const title = text.departments[department] ?? department;
  return layout(ctx, title, `<h1>${escapeHtml(title)}</h1>${grid(ctx, products)}`, departments);
}

/** The product page: its data rides on data-* attributes for the add-to-cart script and the Product Viewed event. */
export function productPage(ctx: PageContext, product: DemoProduct, departments: readonly string[]): string {
  const text = shopText(ctx.lang);
  const data = {
    id: product.id,
    sku: product.sku,
    name: product.name ?? product.id,
    price: product.price,
    currency: product.currency,
    category: product.category.join(' > '),
    brand: product.brand,
    url: product.url,
  };
  const soldOut = product.inventory <= 0;
  const main = `<article class="product" data-product="${escapeHtml(JSON.stringify(data))}">
<img src="${SHOP_BASE}/img/${encodeURIComponent(product.id)}.svg" alt="${escapeHtml(product.name ?? '')}" width="600" height="600">
<div class="info"><p class="brand" dir="auto">${escapeHtml(product.brand)}</p><h1 dir="auto">${escapeHtml(product.name ?? product.id)}</h1>
<p class="price">${formatPrice(ctx.lang, product.price, product.currency)}</p>
<p class="stock">${escapeHtml(soldOut ? text.soldOut : text.inStock)}</p>
<button type="button" class="buy" data-add${soldOut ? ' disabled' : ''}>${escapeHtml(soldOut ? text.soldOut : text.addToCart)}</button>
<p class="status" role="status" data-added="${escapeHtml(text.added)}"></p></div></article>
<section id="${RECS_SLOT.slice(1)}" class="slot slot-recs" aria-label="${escapeHtml(text.recommended)}"></section>`;
  return layout(ctx, product.name ?? product.id, main, departments);
}

export interface CartLine {
  product: DemoProduct;
  quantity: number;
}

export function cartPage(ctx: PageContext, lines: readonly CartLine[], departments: readonly string[]): string {
  const text = shopText(ctx.lang);
  if (lines.length === 0)
    return layout(
      ctx,
      text.cart,
      `<h1>${escapeHtml(text.cart)}</h1><p>${escapeHtml(text.emptyCart)}</p><p><a class="button" href="${link(ctx, '')}">${escapeHtml(text.continueShopping)}</a></p>`,
      departments,
    );
  const currency = lines[0]?.product.currency ?? 'USD';
  const subtotal = lines.reduce((sum, line) => sum + Math.round(line.product.price * 100) * line.quantity, 0) / 100;
  const rows = lines.map(
    ({ product, quantity }) => `<li class="line"><img src="${SHOP_BASE}/img/${encodeURIComponent(product.id)}.svg" alt="" width="80" height="80">
<a href="${link(ctx, `/p/${encodeURIComponent(product.id)}`)}">${escapeHtml(product.name ?? product.id)}</a>
<span>${escapeHtml(text.quantity)}: ${quantity}</span><span class="price">${formatPrice(ctx.lang, product.price * quantity, product.currency)}</span>
<button type="button" data-remove="${escapeHtml(product.id)}" aria-label="${escapeHtml(`${text.remove}: ${product.name ?? product.id}`)}">${escapeHtml(text.remove)}</button></li>`,
  );
  const main = `<h1>${escapeHtml(text.cart)}</h1><ul class="lines">${rows.join('')}</ul>
<p class="subtotal">${escapeHtml(text.subtotal)}: <strong>${formatPrice(ctx.lang, subtotal, currency)}</strong></p>
<p><a class="button" href="${link(ctx, '')}">${escapeHtml(text.continueShopping)}</a></p>`;
  return layout(ctx, text.cart, main, departments);
}

export function notFoundPage(ctx: PageContext, departments: readonly string[]): string {
  const text = shopText(ctx.lang);
  return layout(ctx, text.notFound, `<h1>${escapeHtml(text.notFound)}</h1><p><a class="button" href="${link(ctx, '')}">${escapeHtml(text.continueShopping)}</a></p>`, departments);
}
