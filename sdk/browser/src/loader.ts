/*
 * The loader (served at /sdk/v1/loader.js with a short cache): defines the analytics.js-style stub
 * `window.rapport` that queues calls, reads its settings from its own <script> tag, and inserts
 * the content-hashed core (long cache) asynchronously, passing on the tag's CSP nonce. It never
 * blocks rendering and never throws into the page.
 *
 *   <script async src="https://rapport.example.com/sdk/v1/loader.js" data-write-key="WK"></script>
 */
declare const __RAPPORT_CORE__: string;

type Stub = unknown[] & Record<string, unknown> & { onsite?: Record<string, unknown>; loaded?: boolean };

const METHODS = ['load', 'track', 'identify', 'page', 'group', 'alias', 'reset', 'ready', 'consent'];

(() => {
  try {
    const w = window as unknown as { rapport?: Stub };
    const stub: Stub = w.rapport ?? ([] as unknown as Stub);
    w.rapport = stub;
    if (!Array.isArray(stub) || stub.loaded) return; // the core already runs, or the loader ran twice
    stub.loaded = true;
    const queue =
      (name: string) =>
      (...args: unknown[]) => {
        stub.push([name, ...args]);
      };
    for (const name of METHODS) if (typeof stub[name] !== 'function') stub[name] = queue(name);
    stub.onsite = { show: queue('onsite.show'), cart: queue('onsite.cart') };
    const me = document.currentScript as HTMLScriptElement | null;
    const src = me?.src ?? '';
    const base = src.slice(0, src.lastIndexOf('/'));
    const host = me?.getAttribute('data-host') ?? base.replace(/\/sdk\/v1$/, '');
    const key = me?.getAttribute('data-write-key');
    if (key) {
      const consent = me?.getAttribute('data-consent');
      stub.unshift(['load', key, { host, ...(consent ? { consent } : {}) }]);
    }
    const script = document.createElement('script');
    script.async = true;
    script.src = `${base}/${__RAPPORT_CORE__}`;
    const nonce = me?.nonce ?? me?.getAttribute('nonce');
    if (nonce) script.nonce = nonce;
    (document.head ?? document.documentElement).appendChild(script);
  } catch (error) {
    try {
      console.warn('[rapport]', error);
    } catch {
      // nothing more to do: the page must not notice
    }
  }
})();
