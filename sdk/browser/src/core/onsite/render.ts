import { report } from '../util.js';
import type { Brand, CompiledCampaign, WidgetContext, WidgetHandle, WidgetModule } from '../types.js';

/** Widget type -> content hash of its chunk, written in by sdk/browser/build.mjs. */
declare const __RAPPORT_WIDGETS__: Record<string, string>;

/*
 * The renderer: a Shadow DOM host per campaign (no CSS leaks either way), base CSS from the brand,
 * the widget chunk loaded lazily, and the modal duties (ESC, focus trap, focus return). Overlays sit
 * in fixed, zero-size hosts (modals: the whole viewport) so they never shift the page's layout;
 * inline widgets only go into the slot the page reserved for them.
 */
export type WidgetHooks = Omit<WidgetContext, 'root' | 'host' | 'close' | 'reducedMotion' | 'dir' | 'brand'>;

export interface Rendered {
  host: HTMLElement;
  close(): void;
}

const FOCUSABLE = 'a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex="-1"])';
const RTL = /^(ar|he|iw|fa|ur|ps|sd|ug|yi|dv|ku)(-|$)/i;
const BASE_CSS =
  ':host{all:initial;font-family:var(--r-font);color:var(--r-text);line-height:1.4}*,*::before,*::after{box-sizing:border-box}@media (prefers-reduced-motion:reduce){*,*::before,*::after{animation:none!important;transition:none!important}}';
const chunks = new Map<string, Promise<WidgetModule>>();

export const dirOf = (locale: string): 'ltr' | 'rtl' => (RTL.test(locale) ? 'rtl' : 'ltr');

/** Whether this build has a chunk for the widget type. */
export const hasWidget = (type: string): boolean => Object.prototype.hasOwnProperty.call(__RAPPORT_WIDGETS__, type);

/** Loads (once) a widget chunk; also used to warm the cache when a campaign is armed. */
export function loadWidget(base: string, type: string): Promise<WidgetModule> {
  let chunk = chunks.get(type);
  if (chunk === undefined) {
    chunk = import(`${base}/widgets/${type}.${__RAPPORT_WIDGETS__[type]}.js`) as Promise<WidgetModule>;
    chunks.set(type, chunk);
    chunk.catch(() => chunks.delete(type));
  }
  return chunk;
}

function baseStyles(root: ShadowRoot): void {
  try {
    // A constructed sheet is not an inline <style>, so a page's strict style-src does not block it.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(BASE_CSS);
    root.adoptedStyleSheets = [sheet];
  } catch {
    const style = document.createElement('style');
    style.textContent = BASE_CSS;
    root.appendChild(style);
  }
}

function createHost(campaign: CompiledCampaign, brand: Brand, locale: string): HTMLElement | undefined {
  const slot = campaign.slot === undefined ? null : document.querySelector(campaign.slot);
  if (campaign.slot !== undefined && slot === null) return undefined;
  const host = document.createElement('div');
  host.setAttribute('data-rapport-campaign', campaign.id);
  host.setAttribute('lang', locale);
  host.setAttribute('dir', dirOf(locale));
  const style = host.style;
  // Inline: its own formatting context, so a widget's margins cannot collapse through the slot and shift the page.
  style.cssText = slot !== null ? 'display:flow-root' : campaign.modal ? 'position:fixed;inset:0;z-index:2147483000' : 'position:fixed;top:0;left:0;width:0;height:0;z-index:2147483000';
  style.setProperty('--r-primary', brand.primaryColor);
  style.setProperty('--r-text', brand.textColor);
  style.setProperty('--r-bg', brand.backgroundColor);
  style.setProperty('--r-font', brand.fontFamily ?? 'system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic","Noto Sans JP",sans-serif');
  style.setProperty('--r-radius', `${brand.borderRadius ?? 8}px`);
  (slot ?? document.body ?? document.documentElement).appendChild(host);
  return host;
}

function focusables(root: ShadowRoot): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((element) => element.getClientRects().length > 0);
}

/** ESC closes; for modals Tab cycles inside the shadow root only while it is open. */
function keyHandler(modal: boolean, host: HTMLElement, root: ShadowRoot, close: () => void): (event: KeyboardEvent) => void {
  return (event) => {
    const inside = document.activeElement === host;
    if (event.key === 'Escape' && (modal || inside)) {
      event.stopPropagation();
      close();
      return;
    }
    if (event.key !== 'Tab' || !modal) return;
    const items = focusables(root);
    const first = items[0];
    const last = items[items.length - 1];
    if (first === undefined || last === undefined) return;
    const active = root.activeElement;
    if (!inside || active === null || (event.shiftKey && active === first) || (!event.shiftKey && active === last)) {
      event.preventDefault();
      (event.shiftKey ? last : first).focus();
    }
  };
}

/**
 * Mounts a campaign's widget; resolves undefined when its slot is missing or its chunk fails
 * (the page stays as it was). `onClose` runs once, however the widget goes away.
 */
export async function render(base: string, campaign: CompiledCampaign, brand: Brand, locale: string, hooks: WidgetHooks, onClose: () => void): Promise<Rendered | undefined> {
  const module = await loadWidget(base, campaign.type);
  const host = createHost(campaign, brand, locale);
  if (host === undefined) return undefined;
  const root = host.attachShadow({ mode: 'open' });
  baseStyles(root);
  const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  let handle: WidgetHandle | undefined;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    document.removeEventListener('keydown', onKey, true);
    try {
      handle?.destroy();
    } catch (error) {
      report(error);
    }
    host.remove();
    if (campaign.modal && previous !== null && previous.isConnected) previous.focus();
    onClose();
  };
  const onKey = keyHandler(campaign.modal, host, root, close);
  document.addEventListener('keydown', onKey, true);
  const reducedMotion = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
  try {
    handle = module.default({ ...hooks, root, host, brand, dir: dirOf(locale), reducedMotion, close });
  } catch (error) {
    report(error);
    closed = true;
    document.removeEventListener('keydown', onKey, true);
    host.remove();
    return undefined;
  }
  if (campaign.modal) (root.querySelector<HTMLElement>('[autofocus]') ?? focusables(root)[0])?.focus();
  return { host, close };
}
