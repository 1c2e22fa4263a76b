import type { WidgetContext, WidgetHandle } from './shared/context.js';
import { add, h } from './shared/dom.js';
import { button, frame, headline } from './shared/frame.js';
import { LATER, word } from './shared/text.js';

/**
 * Web-push soft prompt: asks in the page first, and only after "allow" lets the core raise the browser's
 * permission dialog (ctx.requestPush), so a "no" here never burns the one-time browser prompt.
 */
export default function mount(ctx: WidgetContext): WidgetHandle {
  const { content } = ctx;
  const ui = frame(ctx, 'corner', '.act{display:flex;flex-wrap:wrap;gap:8px}', content.position === 'left' ? 'start' : '');
  const allow = async (): Promise<void> => {
    ctx.clicked('allow');
    try {
      if ((await ctx.requestPush?.()) === 'granted') ctx.converted();
    } finally {
      ctx.close();
    }
  };
  add(
    ui.box,
    headline(content.headline),
    content.body === undefined ? null : h('p', {}, content.body),
    h(
      'div',
      { class: 'act' },
      button(content.cta ?? 'OK', () => void allow()),
      button(word(ctx, LATER), () => ctx.close(), true),
    ),
  );
  return ui.handle;
}
