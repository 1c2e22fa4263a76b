import type { Reveal, WidgetContext, WidgetHandle } from './shared/context.js';
import { couponView, revealCode } from './shared/coupon.js';
import { add, fill, h } from './shared/dom.js';
import { button, frame, headline } from './shared/frame.js';
import { REVEAL, SCRATCH, word } from './shared/text.js';

const CSS = `.scr{position:relative;height:120px;margin:0 0 14px;border-radius:var(--r);overflow:hidden;background:#f3f3f3;color:#111;display:grid;place-items:center}
canvas{position:absolute;inset:0;width:100%;height:100%;touch-action:none;cursor:grab}
.act{display:flex;flex-wrap:wrap;gap:8px;align-items:center}`;

/** Paints the scratch layer: brand colour with the "scratch" hint on it. */
function paint(canvas: HTMLCanvasElement, hint: string): CanvasRenderingContext2D | null {
  // Layout size, not the bounding box: the dialog may still be scaling in.
  const box = { width: canvas.offsetWidth, height: canvas.offsetHeight };
  const scale = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(box.width * scale));
  canvas.height = Math.max(1, Math.round(box.height * scale));
  const g = canvas.getContext('2d', { willReadFrequently: true });
  if (g === null) return null;
  const style = getComputedStyle(canvas);
  g.scale(scale, scale);
  g.fillStyle = style.getPropertyValue('--p').trim() || '#1d4ed8';
  g.fillRect(0, 0, box.width, box.height);
  g.fillStyle = style.getPropertyValue('--o').trim() || '#fff';
  g.font = `600 18px ${style.fontFamily}`;
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.fillText(hint, box.width / 2, box.height / 2, box.width - 24);
  g.globalCompositeOperation = 'destination-out';
  g.lineWidth = 36;
  g.lineCap = g.lineJoin = 'round';
  return g;
}

/** Share of the layer already scratched away (sampled: every 16th pixel). */
function cleared(canvas: HTMLCanvasElement, g: CanvasRenderingContext2D): number {
  const data = g.getImageData(0, 0, canvas.width, canvas.height).data;
  let clear = 0;
  let total = 0;
  for (let at = 3; at < data.length; at += 64) {
    total++;
    if (data[at] === 0) clear++;
  }
  return total === 0 ? 1 : clear / total;
}

/**
 * Scratch coupon: a modal with a canvas to scratch by mouse or touch (pointer events). The code is issued
 * by ctx.reveal() when scratching starts; past 45 % scratched (or the "reveal" button, the keyboard and
 * screen-reader way) it is shown in full with a copy button.
 */
export default function mount(ctx: WidgetContext): WidgetHandle {
  const ui = frame(ctx, 'modal', CSS);
  const under = h('span', { class: 'code', 'aria-hidden': 'true' }, '…');
  const canvas = h('canvas', { 'aria-hidden': 'true' });
  const act = h('div', { class: 'act', 'aria-live': 'polite' });
  add(ui.box, headline(ctx.content.headline), ctx.content.body === undefined ? null : h('p', {}, ctx.content.body), h('div', { class: 'scr' }, under, canvas), act);
  let pending: Promise<Reveal> | undefined;
  const issue = (): Promise<Reveal> => {
    pending ??= revealCode(ctx).then((result) => {
      under.textContent = result.code ?? '—';
      if (result.code !== null) ctx.converted();
      return result;
    });
    return pending;
  };
  const finish = async (): Promise<void> => {
    const result = await issue();
    canvas.remove();
    fill(act, couponView(ctx, result));
  };
  fill(
    act,
    button(ctx.content.cta ?? word(ctx, REVEAL), () => {
      ctx.clicked('reveal');
      void finish().then(ui.focusFirst);
    }),
  );
  const g = paint(canvas, word(ctx, SCRATCH));
  let last: [number, number] | null = null;
  const at = (event: PointerEvent): [number, number] => {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) * canvas.offsetWidth) / box.width, ((event.clientY - box.top) * canvas.offsetHeight) / box.height];
  };
  canvas.addEventListener('pointerdown', (event) => {
    if (g === null) return;
    canvas.setPointerCapture?.(event.pointerId);
    if (pending === undefined) ctx.clicked('scratch');
    void issue();
    last = at(event);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (g === null || last === null) return;
    const next = at(event);
    g.beginPath();
    g.moveTo(...last);
    g.lineTo(...next);
    g.stroke();
    last = next;
  });
  const stop = (): void => {
    last = null;
    if (g !== null && canvas.isConnected && cleared(canvas, g) > 0.45) void finish();
  };
  canvas.addEventListener('pointerup', stop);
  canvas.addEventListener('pointercancel', stop);
  return ui.handle;
}
