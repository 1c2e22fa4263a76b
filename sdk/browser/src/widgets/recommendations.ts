import type { Recommendation, WidgetContext, WidgetHandle } from './shared/context.js';
import { add, fill, h, safeUrl } from './shared/dom.js';
import { frame, headline } from './shared/frame.js';
import { NEXT, PREV, money, word } from './shared/text.js';

const CSS = `.corner .box{width:min(640px,calc(100vw - 32px))}
.inline .box{padding:16px}
ul{display:flex;gap:12px;margin:0;padding:0 0 4px;list-style:none;overflow-x:auto;scroll-snap-type:x mandatory;scroll-behavior:smooth}
li{flex:0 0 150px;scroll-snap-align:start}
li a{display:block;min-height:44px;color:inherit;text-decoration:none;border-radius:var(--r)}
li img,.ph{display:block;width:100%;aspect-ratio:1;object-fit:cover;border-radius:var(--r);background:#eee}
.nm{display:block;margin-top:6px;font-size:.9em;line-height:1.3}.pr{display:block;font-weight:700}
.nav{display:flex;justify-content:flex-end;gap:8px;margin-top:8px}.nav .rp-btn{padding:0;width:44px;font-size:20px}
[dir=rtl] .nav .rp-btn{transform:scaleX(-1)}
@media (prefers-reduced-motion:reduce){ul{scroll-behavior:auto}}
.still ul{scroll-behavior:auto}`;

/** The product picture; a picture that fails to load (a catalog pointing at another host) becomes a plain tile, not a broken-image icon. */
function picture(src: string): HTMLElement {
  const img = h('img', { src, alt: '', loading: 'lazy' });
  img.addEventListener('error', () => img.replaceWith(h('span', { class: 'ph', 'aria-hidden': 'true' })), { once: true });
  return img;
}

/** One product card; a click is attributed to the recommendation it came from. */
function card(ctx: WidgetContext, item: Recommendation): HTMLElement {
  const src = safeUrl(item.imageUrl);
  const click = (): void => ctx.clicked('recommendation', { recommendation_id: item.recommendationId, product_id: item.id });
  return h(
    'li',
    {},
    h(
      'a',
      { href: safeUrl(item.url) ?? '#', click },
      src === undefined ? null : picture(src),
      h('span', { class: 'nm' }, item.name),
      item.price === undefined ? null : h('span', { class: 'pr' }, money(ctx, Math.round(item.price * 100), item.currency)),
    ),
  );
}

/**
 * Recommendations carousel: products from ctx.recommendations(content.strategy, content.count) in a
 * scroll-snapping row with previous/next buttons; inside the reserved slot when the campaign has one,
 * else as a corner panel. Nothing is shown (the widget closes) when there is nothing to recommend.
 */
export default function mount(ctx: WidgetContext): WidgetHandle {
  const { content } = ctx;
  const ui = frame(ctx, ctx.campaign.slot === undefined ? 'corner' : 'inline', CSS);
  const list = h('ul', { 'aria-labelledby': 'h', tabindex: 0 });
  const scroll = (direction: number): void => list.scrollBy({ left: direction * (ctx.dir === 'rtl' ? -1 : 1) * list.clientWidth * 0.8 });
  const nav = h(
    'div',
    { class: 'nav' },
    h('button', { type: 'button', class: 'rp-btn ghost', 'aria-label': word(ctx, PREV), click: () => scroll(-1) }, '‹'),
    h('button', { type: 'button', class: 'rp-btn ghost', 'aria-label': word(ctx, NEXT), click: () => scroll(1) }, '›'),
  );
  add(ui.box, headline(content.headline), list, nav);
  // Shown only once the products are in, so the box never grows (or moves the slot's content) after it appears.
  ui.box.hidden = true;
  ctx.recommendations(content.strategy ?? 'popular', Math.min(Math.max(content.count ?? 8, 1), 24)).then(
    (items) => {
      if (items.length === 0) return ctx.close();
      fill(list, ...items.map((item) => card(ctx, item)));
      ui.box.hidden = false;
    },
    () => ctx.close(),
  );
  return ui.handle;
}
