import type { WidgetContext, WidgetHandle } from './shared/context.js';
import { couponView, revealCode } from './shared/coupon.js';
import { add, fill, h } from './shared/dom.js';
import { button, cta, frame, headline } from './shared/frame.js';
import { REVEAL, word } from './shared/text.js';

/**
 * Side coupon: a panel that slides in from the inline end (the left in Arabic). The code is issued only
 * when the visitor asks for it (ctx.reveal), so showing the panel costs the coupon pool nothing.
 */
export default function mount(ctx: WidgetContext): WidgetHandle {
  const { content } = ctx;
  const ui = frame(ctx, 'corner', '.act{display:flex;flex-wrap:wrap;gap:8px;align-items:center}', content.position === 'left' ? 'start' : '');
  const action = h('div', { class: 'act', 'aria-live': 'polite' });
  add(ui.box, headline(content.headline), content.body === undefined ? null : h('p', {}, content.body), action);
  if (content.coupon === undefined) fill(action, cta(ctx));
  else
    fill(
      action,
      button(content.cta ?? word(ctx, REVEAL), async () => {
        ctx.clicked('reveal');
        const result = await revealCode(ctx);
        fill(action, couponView(ctx, result));
        if (result.code !== null) ctx.converted();
        ui.focusFirst();
      }),
    );
  return ui.handle;
}
