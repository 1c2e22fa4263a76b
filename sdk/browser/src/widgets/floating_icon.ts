import type { WidgetContext, WidgetHandle } from './shared/context.js';
import { h } from './shared/dom.js';
import { frame } from './shared/frame.js';

/** A price-tag icon drawn in SVG (an emoji would need a colour-emoji font the visitor may not have). */
function tagIcon(): Element {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'ic');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', 'M3 3h8l10 10-8 8L3 11zM7.5 6a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute('fill-rule', 'evenodd');
  svg.append(path);
  return svg;
}

const CSS = `.corner .box{width:auto;padding:0;border-radius:999px;display:flex;align-items:center;bottom:20px;inset-inline:20px auto}
.open{display:flex;align-items:center;gap:10px;min-height:56px;padding-block:6px;padding-inline:8px 52px;border:0;border-radius:999px;background:var(--p);color:var(--o);font:inherit;font-weight:600;cursor:pointer;max-width:calc(100vw - 40px)}
.ic{width:40px;height:40px;padding:8px;border-radius:50%;background:var(--o);color:var(--p);flex:none}
.x{top:6px;color:var(--o)}
@media (prefers-reduced-motion:no-preference){.ic{animation:rp-bob 2s ease-in-out 3}}
@keyframes rp-bob{50%{transform:translateY(-3px)}}`;

/**
 * Floating icon: a small teaser pill standing for a campaign the visitor closed (campaign.teaserOf).
 * Its click is `ctx.clicked('open')`, on which the core reopens that campaign past its caps.
 */
export default function mount(ctx: WidgetContext): WidgetHandle {
  const { content } = ctx;
  const ui = frame(ctx, 'corner', CSS, 'start');
  ui.box.setAttribute('role', 'region');
  const open = (): void => {
    ctx.clicked('open');
    ctx.close();
  };
  ui.box.prepend(h('button', { type: 'button', class: 'open', id: 'h', click: open }, tagIcon(), content.headline ?? content.cta ?? ''));
  return ui.handle;
}
