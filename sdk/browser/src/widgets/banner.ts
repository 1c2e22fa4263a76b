import type { WidgetContext, WidgetHandle } from './shared/context.js';
import { add, h, safeUrl } from './shared/dom.js';
import { cta, frame } from './shared/frame.js';

const CSS = `.inline .box{display:flex;flex-direction:column;justify-content:center;align-items:flex-start;padding:16px;padding-inline:24px 56px}
.img{position:absolute;inset:0;width:100%;height:100%;object-fit:cover;z-index:0}
.txt{position:relative;z-index:1;max-width:60ch}
.img+.txt{background:var(--b);padding:12px 16px;border-radius:var(--r)}
.box h2{padding:0;margin-bottom:.2em}
.x{z-index:2}`;

/**
 * Banner: fills the shop's reserved slot (the core mounts the host inside it) and never grows it,
 * so the page does not move: height 100 % of the slot, overflow hidden.
 */
export default function mount(ctx: WidgetContext): WidgetHandle {
  const { content } = ctx;
  const ui = frame(ctx, 'inline', CSS);
  const src = safeUrl(content.imageUrl);
  add(
    ui.box,
    src === undefined ? null : h('img', { class: 'img', src, alt: content.imageAlt ?? '' }),
    h('div', { class: 'txt' }, h('h2', { id: 'h' }, content.headline ?? ''), content.body === undefined ? null : h('p', {}, content.body), cta(ctx)),
  );
  return ui.handle;
}
