import type { Brand } from './context.js';

// CJK and Arabic faces follow the brand font so Japanese and Arabic never fall back to a bitmap or tofu.
const FONTS = 'system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic","Noto Naskh Arabic","Hiragino Sans","Noto Sans JP","Noto Sans CJK JP","Yu Gothic",Meiryo,Tahoma,sans-serif';

/** A brand colour is used only if the browser parses it as a colour, so config text cannot break out of the rule. */
function color(value: string | undefined, fallback: string): string {
  return value !== undefined && CSS.supports('color', value) ? value : fallback;
}

/** Relative luminance of #111, the dark text colour. */
const DARK_LUMINANCE = 0.0056;

/** Black or white text, whichever reads better on `background` (WCAG relative luminance of an sRGB colour). */
function onColor(background: string): string {
  const probe = document.createElement('canvas').getContext('2d');
  if (probe === null) return '#fff';
  probe.fillStyle = background;
  const hex = probe.fillStyle; // canvas normalises any colour to #rrggbb (or rgba() with alpha)
  const channels = hex.startsWith('#') ? [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16) / 255) : [0, 0, 0];
  const [r = 0, g = 0, b = 0] = channels.map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // Against the dark text actually used (#111, luminance 0.0056), not pure black: on mid blues such as
  // #2f6fed black would win by a hair, yet #111 then misses 4.5:1 where white reaches it.
  return (luminance + 0.05) / (DARK_LUMINANCE + 0.05) > 1.05 / (luminance + 0.05) ? '#111' : '#fff';
}

/** The brand as custom properties on the widget wrapper, plus the rules every widget shares. */
export function baseCss(brand: Brand): string {
  const primary = color(brand.primaryColor, '#1d4ed8');
  const family = (brand.fontFamily ?? '').replace(/[^\w\s,"'-]/g, '');
  const radius = Math.min(Math.max(Number(brand.borderRadius ?? 8) || 0, 0), 32);
  return `:host{all:initial}
.rp{--p:${primary};--o:${onColor(primary)};--t:${color(brand.textColor, '#111')};--b:${color(brand.backgroundColor, '#fff')};--r:${radius}px;--s:1;font:16px/1.45 ${family === '' ? '' : family + ','}${FONTS};color:var(--t);text-align:start}
.rp[dir=rtl]{--s:-1}
.rp *{box-sizing:border-box}
[hidden]{display:none!important}
.rp:lang(ja){line-break:strict}
.rp:lang(ja) :is(h2,.rp-btn){word-break:keep-all;overflow-wrap:anywhere}
.rp:lang(ja) :is(h2,p,.rp-btn,label){word-break:auto-phrase}
.box{position:relative;background:var(--b);color:var(--t);border-radius:var(--r);padding:20px;box-shadow:0 8px 32px #0005;z-index:2147483000}
h2{font-size:1.25em;line-height:1.3;margin:0 0 .4em;padding-inline-end:40px}
p{margin:0 0 .8em}
.rp-btn{display:inline-flex;align-items:center;justify-content:center;gap:6px;min-height:44px;min-width:44px;padding:0 18px;border:0;border-radius:var(--r);background:var(--p);color:var(--o);font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
.rp-btn.ghost{background:transparent;color:var(--t);box-shadow:inset 0 0 0 1px currentColor}
.x{position:absolute;top:2px;inset-inline-end:2px;width:44px;height:44px;border:0;border-radius:50%;background:transparent;color:inherit;font:24px/1 sans-serif;cursor:pointer}
:focus-visible{outline:3px solid var(--p);outline-offset:2px}
input:not([type=checkbox]):not([type=radio]),textarea{display:block;width:100%;min-height:44px;padding:8px 12px;border:1px solid #767676;border-radius:var(--r);background:#fff;color:#111;font:inherit}
.chk{display:flex;gap:10px;align-items:flex-start;min-height:44px;padding:10px 0;cursor:pointer}
.chk input{width:22px;height:22px;margin:0;flex:none;accent-color:var(--p)}
.err{color:#b00020;background:#fff;margin:.4em 0 0}
.code{display:inline-block;font:700 1.4em/1.2 ui-monospace,Menlo,Consolas,monospace;letter-spacing:.08em;padding:8px 14px;border:2px dashed currentColor;border-radius:var(--r);direction:ltr;unicode-bidi:isolate}
.modal{position:fixed;inset:0;display:grid;place-items:center;padding:16px;background:#000a;z-index:2147483000;animation:rp-fade .2s ease-out}
.modal .box{width:min(460px,100%);max-height:calc(100vh - 32px);overflow:auto;animation:rp-pop .25s ease-out}
.corner .box{position:fixed;bottom:16px;inset-inline-end:16px;width:min(360px,calc(100vw - 32px));max-height:calc(100vh - 32px);overflow:auto;animation:rp-slide .35s ease-out}
.corner.start .box{inset-inline-end:auto;inset-inline-start:16px;--m:-1}
.bar .box{position:fixed;inset-inline:0;top:0;min-height:56px;display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center;justify-content:center;padding:6px 52px;border-radius:0;box-shadow:0 2px 10px #0003;animation:rp-fade .3s ease-out}
.bar.bottom .box{top:auto;bottom:0}
.bar p,.bar h2{margin:0;padding:0;font-size:1em}
.inline,.inline .box{height:100%}
.inline .box{box-shadow:none;overflow:hidden;z-index:auto}
@keyframes rp-fade{from{opacity:0}}
@keyframes rp-pop{from{opacity:0;transform:scale(.96)}}
@keyframes rp-slide{from{transform:translateX(calc(var(--s) * var(--m,1) * 120%))}}
.still *,.still{animation:none!important;transition:none!important}
@media (prefers-reduced-motion:reduce){.rp,.rp *{animation:none!important;transition:none!important}}
`;
}

/** Adds a stylesheet to the shadow root: a constructed sheet (no style-src needed under a strict CSP), else a <style>. */
export function addCss(root: ShadowRoot, css: string): void {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } catch {
    const style = document.createElement('style');
    style.textContent = css;
    root.append(style);
  }
}
