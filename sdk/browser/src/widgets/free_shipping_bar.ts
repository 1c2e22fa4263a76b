import type { WidgetContext, WidgetHandle } from './shared/context.js';
import { add, h } from './shared/dom.js';
import { frame } from './shared/frame.js';
import { money } from './shared/text.js';

const CSS = `.bar .box{flex-direction:column;gap:4px}
.trk{width:min(420px,100%);height:8px;border-radius:4px;background:#0002;overflow:hidden}
.fil{height:100%;width:0;background:var(--p);border-radius:4px;transition:width .4s ease-out}`;

/**
 * Free-shipping bar: "Spend {remaining} more for free shipping", following the cart live through ctx.onCart;
 * content.reachedText once the cart value (minor units) reaches content.threshold.
 */
export default function mount(ctx: WidgetContext): WidgetHandle {
  const { content } = ctx;
  const ui = frame(ctx, 'bar', CSS, content.position === 'bottom' ? 'bottom' : '');
  const text = h('p', { id: 'h' });
  const fillBar = h('div', { class: 'fil' });
  const track = h('div', { class: 'trk', role: 'progressbar', 'aria-labelledby': 'h', 'aria-valuemin': 0, 'aria-valuemax': 100 }, fillBar);
  add(ui.box, text, track);
  const threshold = Math.max(1, content.threshold ?? 0);
  const update = (): void => {
    const cart = ctx.cart();
    const value = Math.max(0, cart?.value ?? 0);
    const left = threshold - value;
    const percent = Math.min(100, Math.round((value / threshold) * 100));
    text.textContent = left <= 0 ? (content.reachedText ?? '') : (content.progressText ?? '{remaining}').replace('{remaining}', money(ctx, left, content.currency ?? cart?.currency));
    track.setAttribute('aria-valuenow', String(percent));
    fillBar.style.width = `${percent}%`;
  };
  ui.onDestroy(ctx.onCart(update));
  update();
  return ui.handle;
}
