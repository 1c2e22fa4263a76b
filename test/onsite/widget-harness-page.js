// @ts-check
/**
 * The page side of the widget harness: the few things the SDK core does for a widget (shadow host,
 * WidgetContext, exposure events), written plainly so widgets can be tested before and apart from the core.
 * reveal/submit/recommendations/inbox go to the harness's HTTP server; nothing is stubbed in the widget.
 */

/** @type {{ event: string, properties: Record<string, unknown> }[]} */
const events = [];
/** @type {{ value: number, currency: string | null, items: number } | null} */
let cart = null;
/** @type {Set<() => void>} */
const cartListeners = new Set();
let shift = 0;

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) shift += /** @type {any} */ (entry).value;
}).observe({ type: 'layout-shift', buffered: true });

/** @param {string} path @param {unknown} [body] */
async function call(path, body) {
  const response = await fetch(path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

/**
 * Mounts a widget chunk the way the core does.
 * @param {{ type: string, campaign: any, content: any, locale: string, dir: 'ltr' | 'rtl', brand: any, reducedMotion?: boolean, push?: string | null, inbox?: boolean }} spec
 */
async function mount(spec) {
  const module = await import(`/widgets/${spec.type}.js`);
  const host = document.createElement('div');
  host.setAttribute('data-rapport', spec.campaign.id);
  const slot = spec.campaign.slot ? document.querySelector(spec.campaign.slot) : null;
  // Placed as the SDK core places hosts: overlays in a fixed host (modals: the whole viewport, others: zero size).
  if (slot === null) host.style.cssText = spec.campaign.modal ? 'position:fixed;inset:0;z-index:2147483000' : 'position:fixed;top:0;left:0;width:0;height:0;z-index:2147483000';
  (slot ?? document.body).append(host);
  const root = host.attachShadow({ mode: 'open' });
  const base = { campaign_id: spec.campaign.id, variant: 'a' };
  let closed = false;
  /** @type {{ destroy(): void } | undefined} */
  let handle;
  const ctx = {
    root,
    host,
    campaign: spec.campaign,
    variant: 'a',
    content: spec.content,
    locale: spec.locale,
    dir: spec.dir,
    brand: spec.brand,
    visitor: null,
    reducedMotion: spec.reducedMotion ?? matchMedia('(prefers-reduced-motion: reduce)').matches,
    cart: () => cart,
    onCart: (/** @type {() => void} */ listener) => (cartListeners.add(listener), () => cartListeners.delete(listener)),
    reveal: () => call('/reveal', { campaignId: spec.campaign.id, variant: 'a' }),
    submit: (/** @type {object} */ data) => call('/submit', { campaignId: spec.campaign.id, variant: 'a', ...data }),
    recommendations: (/** @type {string} */ strategy, /** @type {number} */ count) => call(`/recs?strategy=${strategy}&count=${count}`),
    clicked: (/** @type {string=} */ target, /** @type {object=} */ properties) => events.push({ event: 'Experience Clicked', properties: { ...base, target, ...properties } }),
    converted: () => events.push({ event: 'Experience Submitted', properties: base }),
    close: () => {
      if (closed) return;
      closed = true;
      events.push({ event: 'Experience Closed', properties: base });
      handle?.destroy();
      host.remove();
    },
    ...(spec.push ? { requestPush: async () => spec.push } : {}),
    ...(spec.inbox ? { inbox: () => call('/inbox'), markInbox: (/** @type {string} */ id, /** @type {string} */ state) => call(`/inbox/${id}/${state}`, {}) } : {}),
  };
  handle = module.default(ctx);
  events.push({ event: 'Experience Viewed', properties: base });
}

/** Resolves once every animation in the widget (and the page) has finished, then two frames later. */
async function settled() {
  const animations = document.getAnimations().concat(...[...document.querySelectorAll('[data-rapport]')].map((host) => host.shadowRoot?.getAnimations() ?? []));
  await Promise.all(animations.map((animation) => animation.finished.catch(() => undefined)));
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  // Layout-shift entries are delivered in a task after the frame; let it run.
  await new Promise((resolve) => setTimeout(resolve, 0));
}

/** @param {{ value: number, currency: string | null, items: number } | null} next */
function setCart(next) {
  cart = next;
  for (const listener of cartListeners) listener();
}

/** @type {any} */ (window).__rp = { mount, settled, setCart, events, shift: () => shift };
