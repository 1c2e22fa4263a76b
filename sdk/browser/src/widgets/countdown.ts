import type { WidgetContext, WidgetHandle } from './shared/context.js';
import { add, h } from './shared/dom.js';
import { cta, frame } from './shared/frame.js';

const UNITS = [
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
] as const;

/** "2 days 3 hr 4 min 5 sec" in the widget's language, from Intl (no word list to ship). */
function remaining(locale: string, seconds: number): string {
  let left = seconds;
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const amount = Math.floor(left / size);
    left -= amount * size;
    // Two digits below days, so the text keeps its width from one second to the next (no layout shift).
    if (amount > 0 || unit !== 'day') parts.push(new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short', minimumIntegerDigits: unit === 'day' ? 1 : 2 }).format(amount));
  }
  return parts.join(' ');
}

/** Countdown bar for a flash sale: ticks once a second until content.endsAt, then closes itself. */
export default function mount(ctx: WidgetContext): WidgetHandle {
  const { content } = ctx;
  const ui = frame(ctx, 'bar', '.clock{font-variant-numeric:tabular-nums;font-weight:700;unicode-bidi:isolate}', content.position === 'bottom' ? 'bottom' : '');
  const end = Date.parse(content.endsAt ?? '');
  // role=timer is not announced on every tick; the text is there when a reader reaches it.
  const clock = h('span', { class: 'clock', role: 'timer' });
  add(ui.box, h('p', { id: 'h' }, h('strong', {}, content.headline ?? ''), ' ', clock), cta(ctx));
  const tick = (): void => {
    const seconds = Math.floor((end - Date.now()) / 1000);
    if (!(seconds > 0)) {
      // Past the end (or no valid endsAt): close after mount returns, so the core has the handle.
      clearInterval(timer);
      setTimeout(() => ctx.close());
    } else clock.textContent = remaining(ctx.locale, seconds);
  };
  const timer = setInterval(tick, 1000);
  ui.onDestroy(() => clearInterval(timer));
  tick();
  return ui.handle;
}
