import type { DemoProduct } from '../../demo/catalog.js';

/** The shop's stylesheet: logical properties throughout, so the Arabic pages mirror without a second sheet. */
export const SHOP_CSS = `*{box-sizing:border-box}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic","Hiragino Sans","Noto Sans JP","Noto Sans CJK JP","Yu Gothic",Meiryo,sans-serif;color:#1b1b1b;background:#fbfaf7}
:lang(ja){line-break:strict}
:lang(ja) :is(h1,h2){word-break:keep-all;overflow-wrap:anywhere}
a{color:#0f5132}
.top{background:#fff;border-block-end:1px solid #e6e3dc}
.bar{display:flex;flex-wrap:wrap;align-items:center;gap:8px 24px;max-width:1200px;margin:0 auto;padding:12px 20px}
.logo{font-weight:800;font-size:1.2rem;text-decoration:none;color:#0f5132;margin-inline-end:auto}
.top ul{display:flex;flex-wrap:wrap;gap:4px 12px;list-style:none;margin:0;padding:0}
.top nav a,.cart-link{display:inline-flex;align-items:center;min-height:44px;padding:0 8px;text-decoration:none;color:#1b1b1b;border-radius:6px}
.top nav a[aria-current]{font-weight:700;text-decoration:underline}
.depts{max-width:1200px;margin:0 auto;padding:0 12px 4px}
.cart-link{font-weight:600}
.count{display:inline-grid;place-items:center;min-width:24px;height:24px;margin-inline-start:6px;border-radius:12px;background:#0f5132;color:#fff;font-size:.8rem}
main{max-width:1200px;margin:0 auto;padding:20px}
h1{font-size:1.8rem;line-height:1.25;margin:.4em 0}
.notice{padding:12px 16px;background:#fff4d6;border:1px solid #e0c060;border-radius:8px}
.slot{display:block;overflow:hidden;border-radius:12px;background:#efece5;margin:0 0 20px}
.slot-banner{height:220px}
.slot-recs{height:380px;margin-top:32px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:16px;list-style:none;margin:0;padding:0}
.card a{display:block;text-decoration:none;color:inherit}
.card img,.product img,.line img{display:block;width:100%;height:auto;border-radius:10px;background:#e6e3dc}
.card .name{display:block;margin-top:8px}
.price{display:block;font-weight:700}
.product{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:32px;align-items:start}
.brand{margin:0;color:#555;text-transform:uppercase;letter-spacing:.06em;font-size:.85rem}
.buy,.button,.line button{display:inline-flex;align-items:center;justify-content:center;min-height:48px;padding:0 24px;border:0;border-radius:8px;background:#0f5132;color:#fff;font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
.buy:disabled{background:#6b6b6b;cursor:not-allowed}
.line button{min-height:44px;padding:0 14px;background:transparent;color:#0f5132;box-shadow:inset 0 0 0 1px currentColor}
.lines{list-style:none;margin:0;padding:0}
.line{display:grid;grid-template-columns:80px 1fr auto auto auto;gap:8px 16px;align-items:center;padding:12px 0;border-block-end:1px solid #e6e3dc}
.subtotal{font-size:1.2rem}
.foot{max-width:1200px;margin:40px auto 0;padding:20px;color:#555;border-block-start:1px solid #e6e3dc}
:focus-visible{outline:3px solid #0f5132;outline-offset:2px}
@media (max-width:700px){.product{grid-template-columns:1fr}.line{grid-template-columns:64px 1fr auto}.slot-banner{height:260px}.slot-recs{height:400px}}
`;

/**
 * The shop's script: keeps the cart in a cookie (so the cart page renders on the server), and tells Rapport
 * about it through the SDK's public API: `rapport.track('Product Added' | 'Product Viewed')` and
 * `rapport.onsite.cart({ value, currency, items, productIds })` (value in minor units) on every page.
 */
export const SHOP_JS = `(() => {
  const COOKIE = 'rapport_demo_cart';
  // The loader is async and may run after this script: calls go through the analytics.js-style queue
  // (window.rapport as an array of [method, ...args]) until the SDK has replaced it.
  window.rapport = window.rapport || [];
  const call = (name, ...args) => {
    try {
      const sdk = window.rapport;
      const method = name === 'onsite.cart' ? sdk.onsite?.cart : sdk[name];
      if (typeof method === 'function') method.apply(name === 'onsite.cart' ? sdk.onsite : sdk, args);
      else if (Array.isArray(sdk)) sdk.push([name, ...args]);
    } catch {}
  };
  const read = () => {
    const match = document.cookie.match(/(?:^|; )rapport_demo_cart=([^;]*)/);
    const cart = new Map();
    if (match) for (const part of decodeURIComponent(match[1]).split(',').slice(0, 50)) {
      const [id, qty, price] = part.split(':');
      if (id) cart.set(id, { qty: Math.min(99, Math.max(1, parseInt(qty, 10) || 1)), price: Math.max(0, parseInt(price, 10) || 0) });
    }
    return cart;
  };
  const write = (cart) => {
    const value = [...cart].map(([id, line]) => id + ':' + line.qty + ':' + line.price).join(',');
    document.cookie = COOKIE + '=' + encodeURIComponent(value) + '; path=/demo/shop; max-age=2592000; samesite=lax';
  };
  const summary = (cart) => {
    let value = 0, items = 0;
    for (const line of cart.values()) { value += line.qty * line.price; items += line.qty; }
    return { value, currency: 'USD', items, productIds: [...cart.keys()] };
  };
  const tell = (cart) => {
    const s = summary(cart);
    for (const el of document.querySelectorAll('[data-cart-count]')) el.textContent = String(s.items);
    call('onsite.cart', s);
  };
  const article = document.querySelector('[data-product]');
  const product = article ? JSON.parse(article.getAttribute('data-product')) : null;
  const properties = (p) => ({ product_id: p.id, sku: p.sku, name: p.name, price: p.price, currency: p.currency, category: p.category, brand: p.brand, url: p.url });
  if (product) call('track', 'Product Viewed', properties(product));
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target.closest('[data-add],[data-remove]') : null;
    if (!target) return;
    const cart = read();
    if (target.hasAttribute('data-remove')) {
      cart.delete(target.getAttribute('data-remove'));
      write(cart);
      tell(cart);
      location.reload();
      return;
    }
    if (!product) return;
    const line = cart.get(product.id) || { qty: 0, price: Math.round(product.price * 100) };
    line.qty = Math.min(99, line.qty + 1);
    cart.set(product.id, line);
    write(cart);
    call('track', 'Product Added', { ...properties(product), quantity: 1 });
    tell(cart);
    const status = document.querySelector('[data-added]');
    if (status) status.textContent = status.getAttribute('data-added');
  });
  tell(read());
})();
`;

const HUES: Record<string, number> = { Apparel: 150, Footwear: 25, Beauty: 330, Home: 200, Electronics: 260 };

/** A product picture for the demo (the catalog's image URLs point at a shop that does not exist): a tinted tile with the product's initials. */
export function productSvg(product: DemoProduct): string {
  const hue = HUES[product.category[0] ?? ''] ?? 90;
  const noun = (product.name ?? '')
    .split(' ')
    .slice(-2)
    .map((word) => word[0] ?? '')
    .join('')
    .toUpperCase()
    .replace(/[^A-Z]/g, '');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600" viewBox="0 0 600 600"><rect width="600" height="600" fill="hsl(${hue} 35% 88%)"/><circle cx="300" cy="280" r="150" fill="hsl(${hue} 40% 72%)"/><text x="300" y="330" font-family="sans-serif" font-size="140" font-weight="700" text-anchor="middle" fill="hsl(${hue} 45% 25%)">${noun}</text></svg>`;
}
