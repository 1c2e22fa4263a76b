import type { WidgetContext, WidgetHandle } from './context.js';
import { h, safeUrl } from './dom.js';
import { addCss, baseCss } from './style.js';
import { CLOSE, word } from './text.js';

/** How a widget sits on the page: a modal dialog, a corner panel, a bar across the top or bottom, or inside a reserved slot. */
export type Kind = 'modal' | 'corner' | 'bar' | 'inline';

export interface Frame {
  /** The dialog or region element; the widget fills it (the close button is already in it). */
  box: HTMLElement;
  /** Registers cleanup to run on destroy (timers, listeners). */
  onDestroy(cleanup: () => void): void;
  /** Focuses the first focusable element (after a modal changes step). */
  focusFirst(): void;
  handle: WidgetHandle;
}

const FOCUSABLE = 'button:not([disabled]),a[href],input:not([disabled]),textarea,select,[tabindex]:not([tabindex="-1"])';

/** The elements a Tab can reach inside the widget, in order. */
function focusables(root: ShadowRoot): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
}

/** Keeps Tab inside a modal: from the last element to the first and back. */
function trapTab(root: ShadowRoot, event: KeyboardEvent): void {
  const list = focusables(root);
  const first = list[0];
  const last = list[list.length - 1];
  if (first === undefined || last === undefined) return;
  const active = root.activeElement;
  const outside = active === null || !list.includes(active as HTMLElement);
  if (event.shiftKey && (active === first || outside)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (active === last || outside)) {
    event.preventDefault();
    first.focus();
  }
}

/**
 * Builds the widget's shell in its shadow root: brand stylesheet, a wrapper carrying lang and dir,
 * the labelled box (role=dialog + aria-modal for modals, a labelled region otherwise), a close button,
 * ESC to close, and for modals a focus trap that gives focus back to where it was on destroy.
 * The box is labelled by the widget's element with id "h" (its headline).
 */
export function frame(ctx: WidgetContext, kind: Kind, css: string, extraClass = ''): Frame {
  // An inline widget's host sits in the page's reserved slot and takes exactly its size.
  addCss(ctx.root, baseCss(ctx.brand) + (kind === 'inline' ? ':host{display:block;height:100%}' : '') + css);
  const modal = kind === 'modal';
  const dialog = modal || kind === 'corner';
  const box = h('div', { class: 'box', role: dialog ? 'dialog' : 'region', 'aria-modal': modal ? 'true' : null, 'aria-labelledby': 'h', tabindex: -1 });
  const close = h('button', { type: 'button', class: 'x', 'aria-label': ctx.content.closeLabel ?? word(ctx, CLOSE), click: () => ctx.close() }, '×');
  box.append(close);
  const wrap = h('div', { class: `rp ${kind} ${extraClass}${ctx.reducedMotion ? ' still' : ''}`, lang: ctx.locale, dir: ctx.dir }, box);
  ctx.root.append(wrap);

  const previous = modal ? (document.activeElement as HTMLElement | null) : null;
  const cleanups: (() => void)[] = [];
  const onKey = (event: Event): void => {
    const key = event as KeyboardEvent;
    if (key.key === 'Escape') {
      key.stopPropagation();
      ctx.close();
    } else if (modal && key.key === 'Tab') trapTab(ctx.root, key);
  };
  ctx.root.addEventListener('keydown', onKey);
  const focusFirst = (): void => (focusables(ctx.root).find((el) => el !== close) ?? close).focus();
  if (modal) queueMicrotask(focusFirst);
  return {
    box,
    focusFirst,
    onDestroy: (cleanup) => cleanups.push(cleanup),
    handle: {
      destroy() {
        ctx.root.removeEventListener('keydown', onKey);
        for (const cleanup of cleanups) cleanup();
        const hadFocus = ctx.root.activeElement !== null;
        wrap.remove();
        if (previous !== null && hadFocus && previous.isConnected) previous.focus();
      },
    },
  };
}

/** The widget's headline, the element that labels its box. */
export function headline(text: string | undefined): HTMLHeadingElement {
  return h('h2', { id: 'h' }, text ?? '');
}

/** A primary (or ghost) button. */
export function button(label: string, onClick: () => void, ghost = false): HTMLButtonElement {
  return h('button', { type: 'button', class: ghost ? 'rp-btn ghost' : 'rp-btn', click: onClick }, label);
}

/** The content's call to action: a link when it has a safe URL, else a button; either logs the click. */
export function cta(ctx: WidgetContext, onClick?: () => void): HTMLElement | null {
  const label = ctx.content.cta;
  if (label === undefined || label === '') return null;
  const href = safeUrl(ctx.content.ctaUrl);
  const act = (): void => {
    ctx.clicked('cta');
    onClick?.();
  };
  return href === undefined ? button(label, act) : h('a', { class: 'rp-btn', href, click: act }, label);
}
