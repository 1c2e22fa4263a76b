import { assignVector } from './onsite/assign.js';
import { cachedConfig, fetchConfig } from './onsite/config.js';
import { Onsite } from './onsite/runtime.js';
import { allowStorage, read, write } from './storage.js';
import { Tracker } from './tracker.js';
import { isObject, report, safe } from './util.js';
import type { Cart, OnsiteConfig } from './types.js';

/*
 * The core: replaces the loader's stub `window.rapport` (an array of queued calls) with the real
 * API and replays the queue in order. Every public entry point is wrapped by `safe`, so nothing
 * the SDK does can throw into the page.
 *
 * Consent: with `consent: 'pending' | 'denied'` (or a workspace in consent mode "required"),
 * nothing is stored and nothing is sent — not even the configuration is fetched when the page
 * says so up front — until `rapport.consent(true)`. "forms_only" shows campaigns and sends their
 * forms (which carry their own consent) but tracks nothing and stores nothing.
 */
type ConsentState = 'granted' | 'denied' | 'pending' | 'forms';
type LoadOptions = { host?: string; consent?: 'granted' | 'denied' | 'pending'; serviceWorker?: string; page?: boolean };
type Call = [string, ...unknown[]];

const CONSENT = 'rapport:consent';
const queue: unknown = (window as unknown as { rapport?: unknown }).rapport;
let tracker: Tracker | undefined;
let onsite: Onsite | undefined;
let loaded = false;
let ready = false;
let readyCallbacks: Array<() => void> = [];
/** The configuration fetched to learn the consent mode: the runtime starts with it instead of asking again. */
let fetched: OnsiteConfig | undefined;
let lastPath = '';

function setConsent(state: ConsentState): void {
  if (state === 'denied') write('local', CONSENT, null); // a withdrawn consent: forget it while storing is still allowed
  allowStorage(state === 'granted');
  if (tracker === undefined || onsite === undefined) return;
  onsite.factsAllowed = state === 'granted';
  if (state === 'granted') {
    write('local', CONSENT, 'granted');
    tracker.transport.start();
    if (onsite.config !== null) onsite.refreshFacts(false); // the runtime ran without facts (forms only) until now
  } else if (state === 'denied') {
    tracker.transport.discard();
  }
  if ((state === 'granted' || state === 'forms') && onsite.config === null) void onsite.start(cachedConfig(), fetched).catch(report);
}

/** A page view per distinct path+query: SPA routers call pushState/replaceState or go back. */
function watchNavigation(): void {
  const changed = safe(() => {
    const path = location.pathname + location.search;
    if (path === lastPath) return;
    lastPath = path;
    tracker?.page([]);
    onsite?.navigate();
  });
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      changed();
      return result;
    };
  }
  addEventListener('popstate', () => {
    safe(() => onsite?.emit('$back'))(); // a mobile exit-intent signal, before the new page re-arms
    changed();
  });
}

function watchPageHide(): void {
  const hide = safe(() => tracker?.transport.beacon());
  addEventListener('pagehide', hide);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') hide();
  });
}

/** Decides consent from the page's option, a consent given earlier, or the workspace's consent mode. */
async function decideConsent(options: LoadOptions, host: string, writeKey: string): Promise<void> {
  if (options.consent === 'denied' || options.consent === 'pending') {
    setConsent(read('local', CONSENT) === 'granted' && options.consent === 'pending' ? 'granted' : options.consent);
    return;
  }
  if (options.consent === 'granted' || read('local', CONSENT) === 'granted') {
    setConsent('granted');
    return;
  }
  const cached = cachedConfig();
  fetched = cached === undefined ? await fetchConfig({ host, writeKey }, undefined).catch(() => undefined) : undefined;
  const config = cached ?? fetched;
  const mode = config?.consentMode ?? 'off';
  // The fetched copy sits in memory until consent allows storing; start() picks it up from there.
  setConsent(mode === 'off' ? 'granted' : mode === 'forms_only' ? 'forms' : 'pending');
}

function load(writeKey: unknown, options: unknown = {}): void {
  if (loaded || typeof writeKey !== 'string' || writeKey === '') return;
  loaded = true;
  const opts: LoadOptions = isObject(options) ? options : {};
  const host = (typeof opts.host === 'string' ? opts.host : location.origin).replace(/\/+$/, '');
  tracker = new Tracker(host, writeKey);
  onsite = new Onsite({ host, writeKey }, tracker, opts.serviceWorker ?? `${host}/sdk/v1/sw.js`);
  watchNavigation();
  watchPageHide();
  lastPath = location.pathname + location.search;
  if (opts.page !== false) tracker.page([]);
  void decideConsent(opts, host, writeKey)
    .catch(report)
    .finally(() => {
      ready = true;
      const callbacks = readyCallbacks;
      readyCallbacks = [];
      for (const callback of callbacks) safe(callback)();
    });
}

const api = {
  load: safe(load),
  track: safe((...args: unknown[]) => tracker?.track(args)),
  identify: safe((...args: unknown[]) => tracker?.identify(args)),
  page: safe((...args: unknown[]) => tracker?.page(args)),
  group: safe((...args: unknown[]) => tracker?.group(args)),
  alias: safe((...args: unknown[]) => tracker?.alias(args)),
  reset: safe(() => {
    tracker?.reset();
    onsite?.refreshFacts(true);
  }),
  ready: safe((callback: unknown) => {
    if (typeof callback !== 'function') return;
    if (ready) setTimeout(safe(callback as () => void), 0);
    else readyCallbacks.push(callback as () => void);
  }),
  consent: safe((granted: unknown) => setConsent(granted === true ? 'granted' : 'denied')),
  onsite: {
    show: safe((id: unknown, variant?: unknown) => {
      if (typeof id === 'string') onsite?.show(id, typeof variant === 'string' ? variant : undefined);
    }),
    cart: safe((cart: unknown) => {
      if (!isObject(cart)) return;
      const value = Number(cart.value) || 0;
      const productIds = Array.isArray(cart.productIds) ? cart.productIds.map(String) : [];
      const next: Cart = { value, currency: typeof cart.currency === 'string' ? cart.currency : null, items: Number(cart.items) || 0, productIds };
      onsite?.setCart(next);
    }),
    /** Bucket and variant index exactly as the server and src/experiments/assignment-cases.json compute them. */
    bucket: safe((seed: string, unit: string, weights: number[], traffic: number) => assignVector(String(seed), String(unit), weights, traffic)),
  },
  /** Stub functions the page kept from before the core arrived push `[name, ...args]`: still served. */
  push: safe((...items: unknown[]) => items.forEach(dispatch)),
};

/** One queued call, `[name, ...args]`, as the loader's stub (or `rapport.push`) records it. */
function dispatch(item: unknown): void {
  if (!Array.isArray(item) || typeof item[0] !== 'string') return;
  const [name, ...args] = item as Call;
  if (name === 'onsite.show') api.onsite.show(args[0], args[1]);
  else if (name === 'onsite.cart') api.onsite.cart(args[0]);
  else if (name !== 'onsite' && name !== 'push' && Object.prototype.hasOwnProperty.call(api, name)) (api[name as 'track'] as (...values: unknown[]) => void)(...args);
}

function replay(): void {
  (window as unknown as { rapport: typeof api }).rapport = api;
  if (Array.isArray(queue)) for (const item of queue as unknown[]) dispatch(item);
}

safe(replay)();
