import type { WidgetContext, WidgetHandle } from './shared/context.js';
import { add, h } from './shared/dom.js';
import { cta, frame } from './shared/frame.js';

/** Hello bar: one line of text and a call to action across the top (or bottom) of the page, over it, never pushing it. */
export default function mount(ctx: WidgetContext): WidgetHandle {
  const { content } = ctx;
  const ui = frame(ctx, 'bar', '', content.position === 'bottom' ? 'bottom' : '');
  add(ui.box, h('p', { id: 'h' }, h('strong', {}, content.headline ?? ''), content.body === undefined ? null : ` ${content.body}`), cta(ctx));
  return ui.handle;
}
