import type { Reveal, WidgetContext } from './context.js';
import { h } from './dom.js';
import { button } from './frame.js';
import { COPIED, COPY, NO_CODE, word } from './text.js';

/** A revealed code with a copy button, or the "no code" sentence when the pool had none for this visitor. */
export function couponView(ctx: WidgetContext, result: Reveal): HTMLElement {
  const code = result.code;
  if (code === null) return h('p', {}, word(ctx, NO_CODE));
  const copy = button(word(ctx, COPY), () => {
    ctx.clicked('copy');
    void navigator.clipboard?.writeText(code).then(
      () => (copy.textContent = word(ctx, COPIED)),
      () => undefined,
    );
  });
  return h('div', { class: 'cpn' }, h('p', {}, h('span', { class: 'code' }, code)), copy);
}

/** Asks the server for the code; a failed request reads as "no code" rather than breaking the widget. */
export async function revealCode(ctx: WidgetContext): Promise<Reveal> {
  try {
    return await ctx.reveal();
  } catch {
    return { code: null, reason: 'failed' };
  }
}
