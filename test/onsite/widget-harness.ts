/**
 * Widget test harness: bundles a widget chunk with esbuild exactly as shipped (ESM, minified), serves it
 * with a page under a strict nonce CSP, and answers the WidgetContext's network calls (reveal, submit,
 * recommendations, inbox) on a loopback HTTP server that records every request. The page side
 * (widget-harness-page.js) mounts the widget into a real shadow root in headless Chromium.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BRAND, campaignFor, contentFor, type Lang, type WidgetType } from './widget-fixtures.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const WIDGETS = fileURLToPath(new URL('../../sdk/browser/src/widgets/', import.meta.url));

const built = new Map<string, Promise<string>>();

/** The widget chunk as it ships: one ESM file, minified, no runtime dependencies. */
export function bundleWidget(type: string): Promise<string> {
  let code = built.get(type);
  if (code === undefined) {
    code = build({ entryPoints: [`${WIDGETS}${type}.ts`], bundle: true, format: 'esm', minify: true, target: 'es2020', write: false, logLevel: 'silent' }).then(
      (result) => result.outputFiles[0]?.text ?? '',
    );
    built.set(type, code);
  }
  return code;
}

export interface Recorded {
  method: string;
  path: string;
  body: unknown;
}

export interface Harness {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

const RECOMMENDATIONS = Array.from({ length: 6 }, (_, index) => ({
  id: `prod_000${index + 1}`,
  name: ['Nordwind Olive Rain Jacket', 'Stride Lab Court Sneaker', 'Lumi Night Serum', 'Hearth Cast Iron Pan', 'Voltra Power Bank', 'Kiln Stoneware Mug'][index] ?? '',
  url: `/product/${index + 1}`,
  imageUrl: `/img/${index}.svg`,
  price: 19.99 + index * 10,
  currency: 'USD',
  recommendationId: `rec.popular.r${index}`,
}));

const INBOX = {
  messages: [
    { id: 'm1', title: 'Your order has shipped', body: 'Track it any time from your account.', url: '/orders/1', createdAt: '2026-12-06T10:00:00Z', read: false },
    { id: 'm2', title: 'Price drop on your wishlist', body: 'The Chelsea Boot is now 20% off.', url: null, createdAt: '2026-12-01T08:00:00Z', read: true },
  ],
  unread: 1,
};

const PAGE_CSS = `body{margin:0;font:16px/1.5 system-ui,"Noto Sans","Noto Sans Arabic","Noto Sans JP",sans-serif;color:#222}
header{display:flex;justify-content:space-between;align-items:center;padding:12px 24px;background:#f4f4f4}
h1{font-size:20px;margin:0}main{padding:24px}button{min-height:44px;min-width:44px}
#slot{height:220px;margin:0 0 24px;background:#fafafa}#slot.tall{height:380px}`;

const FILLER: Record<Lang, string> = {
  en: 'Our autumn collection is here: soft knits, sturdy boots and everything for the kitchen.',
  ar: 'وصلت تشكيلة الخريف: ملابس محبوكة ناعمة وأحذية متينة وكل ما تحتاجه للمطبخ.',
  ja: '秋のコレクションが入荷しました。やわらかなニット、丈夫なブーツ、キッチン用品までそろっています。',
};

function page(lang: Lang, nonce: string, tall: boolean): string {
  const dir = lang === 'ar' ? 'rtl' : 'ltr';
  const paragraphs = Array.from({ length: 8 }, () => `<p>${FILLER[lang]}</p>`).join('');
  return `<!doctype html><html lang="${lang}" dir="${dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Widget harness</title><link rel="stylesheet" href="/page.css"><script type="module" nonce="${nonce}" src="/harness.js"></script></head>
<body><header><h1>Harness shop</h1><button id="opener" type="button">Menu</button></header>
<main><section id="slot" aria-label="Promotions"${tall ? ' class="tall"' : ''}></section>${paragraphs}</main></body></html>`;
}

async function bodyOf(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

/** The response for one harness request: [status, content type, body]. */
async function answer(path: string, query: URLSearchParams, nonce: string): Promise<[number, string, string | Buffer]> {
  const json = (value: unknown): [number, string, string] => [200, 'application/json', JSON.stringify(value)];
  if (path === '/page') return [200, 'text/html; charset=utf-8', page((query.get('lang') ?? 'en') as Lang, nonce, query.has('tall'))];
  if (path === '/page.css') return [200, 'text/css', PAGE_CSS];
  if (path === '/harness.js') return [200, 'text/javascript', await readFile(`${HERE}widget-harness-page.js`)];
  const widget = /^\/widgets\/([a-z_]+)\.js$/.exec(path);
  if (widget?.[1] !== undefined) return [200, 'text/javascript', await bundleWidget(widget[1])];
  if (path.startsWith('/img/'))
    return [200, 'image/svg+xml', `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><rect width="300" height="300" fill="hsl(${Number(path.slice(5, 6)) * 55} 45% 75%)"/></svg>`];
  if (path === '/reveal') return json({ code: 'SAVE-7Q2X', discount: { kind: 'percent', value: 10 } });
  if (path === '/submit') return json({ ok: true, doubleOptIn: false });
  if (path === '/recs') return json(RECOMMENDATIONS.slice(0, Number(query.get('count') ?? 6)));
  if (path === '/inbox') return json(INBOX);
  if (path.startsWith('/inbox/')) return json({ ok: true, changed: true });
  return [404, 'text/plain', 'not found'];
}

/** Starts the harness server on a random loopback port. */
export async function startHarness(): Promise<Harness> {
  const requests: Recorded[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const body = await bodyOf(request);
      if (!['/page', '/page.css', '/harness.js'].includes(url.pathname) && !url.pathname.startsWith('/widgets/') && !url.pathname.startsWith('/img/')) {
        requests.push({ method: request.method ?? 'GET', path: url.pathname + url.search, body });
      }
      const nonce = randomBytes(12).toString('base64');
      const [status, type, payload] = await answer(url.pathname, url.searchParams, nonce);
      response.writeHead(status, {
        'content-type': type,
        'content-security-policy': `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'self'; img-src 'self' data:; connect-src 'self'`,
      });
      response.end(payload);
    })().catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

export interface MountOptions {
  lang?: Lang;
  reducedMotion?: boolean;
  push?: string | null;
  inbox?: boolean;
  content?: Record<string, unknown>;
}

/** Opens the harness page in `lang` and mounts widget `type` into it; resolves when the widget has settled. */
export async function openWidget(page: Page, harness: Harness, type: WidgetType, options: MountOptions = {}): Promise<void> {
  await page.goto(`${harness.url}/page?lang=${options.lang ?? 'en'}${type === 'recommendations' ? '&tall' : ''}`);
  await page.waitForFunction(() => '__rp' in window);
  await mountAgain(page, type, options);
}

/** Opens the bare harness page in `lang`, with nothing mounted. */
export async function openPage(page: Page, harness: Harness, lang: Lang = 'en'): Promise<void> {
  await page.goto(`${harness.url}/page?lang=${lang}`);
  await page.waitForFunction(() => '__rp' in window);
}

/** Mounts a widget from a hand-made spec (own campaign id, content and brand); does not wait for it to show. */
export async function mountSpec(page: Page, spec: { type: WidgetType; id: string; content: Record<string, unknown>; brand?: Record<string, string> }): Promise<void> {
  const full = { type: spec.type, campaign: { id: spec.id, type: spec.type, modal: false }, content: spec.content, locale: 'en', dir: 'ltr', brand: spec.brand ?? BRAND };
  await page.evaluate((value) => (window as unknown as { __rp: { mount(spec: unknown): Promise<void> } }).__rp.mount(value), full);
}

/** Mounts widget `type` on the already open harness page. */
export async function mountAgain(page: Page, type: WidgetType, options: MountOptions = {}): Promise<void> {
  const lang = options.lang ?? 'en';
  const spec = {
    type,
    campaign: campaignFor(type),
    content: options.content ?? contentFor(type, lang),
    locale: lang,
    dir: lang === 'ar' ? 'rtl' : 'ltr',
    brand: BRAND,
    reducedMotion: options.reducedMotion,
    push: options.push,
    inbox: options.inbox ?? type === 'inbox',
  };
  await page.evaluate((value) => (window as unknown as { __rp: { mount(spec: unknown): Promise<void> } }).__rp.mount(value), spec);
  await page.locator(`[data-rapport="${spec.campaign.id}"] .box`).waitFor({ state: 'visible' });
  if (type === 'recommendations' || type === 'inbox') await page.locator(`[data-rapport] li`).first().waitFor();
  await settled(page);
}

/** Waits for the widget's animations to end and layout shifts to be reported. */
export function settled(page: Page): Promise<void> {
  return page.evaluate(() => (window as unknown as { __rp: { settled(): Promise<void> } }).__rp.settled());
}

/** The exposure and interaction events the widget's context logged. */
export function events(page: Page): Promise<{ event: string; properties: Record<string, unknown> }[]> {
  return page.evaluate(() => (window as unknown as { __rp: { events: { event: string; properties: Record<string, unknown> }[] } }).__rp.events);
}

/** Sum of layout-shift values since the page loaded. */
export function layoutShift(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __rp: { shift(): number } }).__rp.shift());
}

let axeSource: Promise<string> | undefined;

/** axe-core's violations for the whole page, shadow roots included. */
export async function axeViolations(page: Page): Promise<{ id: string; nodes: { target: unknown }[] }[]> {
  // Evaluated through the DevTools protocol, so it runs under any page CSP; read from disk once per file.
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(await axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: unknown): Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({ id: violation.id, nodes: violation.nodes.map((node) => ({ target: node.target })) }));
  });
}

/**
 * The visitor's anonymous id, once the SDK core has loaded and written it. Read straight after a
 * page load it can still be missing on a loaded machine (the loader queues calls until the core
 * arrives), and a test that looked the visitor up by '' would wait for nothing.
 */
export async function anonymousIdOf(page: Page): Promise<string> {
  const handle = await page.waitForFunction(() => localStorage.getItem('rapport:anon'), undefined, { timeout: 30_000 });
  return String(await handle.jsonValue());
}
