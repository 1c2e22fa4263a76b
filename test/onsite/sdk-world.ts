import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildSdk, type SdkManifest } from '../../sdk/browser/build.mjs';
import type { CompiledCampaign, OnsiteConfig, VisitorFacts } from '../../sdk/browser/src/core/types.js';
import { tempDir } from '../helpers/databases.js';
import { ADMIN_TOKEN, listen, startTestRapport, WRITE_KEY, waitFor, type TestRapport } from '../helpers/server.js';

/*
 * The world of the SDK tests: the SDK built (with the fixture widget chunk) into a temp dir, a real
 * Rapport serving it and ingesting, a "shop" on another origin serving plain pages with the
 * install snippet (optionally under a strict CSP), and headless Chromium. The on-site config and
 * visitor endpoints belong to the onsite-server branch; until it is merged they are answered here
 * per browser context with the contract's shapes (route fulfilment), everything else is real.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
export const NONCE = 'n0nceT3st';
/** The optional inline stub of the install snippet (docs/modules/onsite.md): calls made before the loader arrives queue up. */
export const STUB =
  'window.rapport=window.rapport||[];["track","identify","page","group","alias","reset","ready","consent"].forEach(function(m){rapport[m]=rapport[m]||function(){rapport.push([m].concat([].slice.call(arguments)))}});';

export interface ShopPage {
  consent?: 'granted' | 'denied' | 'pending';
  csp?: boolean;
  lang?: string;
  /** Extra inline script run before the loader (with the nonce). */
  script?: string;
  /** Leave out the loader tag (the page installs nothing). */
  bare?: boolean;
}

export interface SdkWorld {
  rapport: TestRapport;
  base: string;
  shop: string;
  manifest: SdkManifest;
  sdkDir: string;
  browser: Browser;
  /** A URL on the shop origin whose page has the snippet installed. */
  pageUrl(pathname: string, page?: ShopPage): string;
  /** A new browser context whose /v1/onsite calls answer with `config` and `facts`. */
  context(config?: OnsiteConfig, facts?: VisitorFacts): Promise<BrowserContext>;
  events(query: Record<string, string>): Promise<Array<{ messageId: string; event: string | null; type: string; anonymousId: string | null; userId: string | null; message: Record<string, unknown> }>>;
  /** Waits until `count` events match `query` and returns them. */
  waitForEvents(query: Record<string, string>, count: number): Promise<Awaited<ReturnType<SdkWorld['events']>>>;
  stop(): Promise<void>;
}

const pages = new Map<string, ShopPage>();

function shopHtml(base: string, page: ShopPage, pathname: string): string {
  const nonce = page.csp ? ` nonce="${NONCE}"` : '';
  const consent = page.consent === undefined ? '' : ` data-consent="${page.consent}"`;
  const loader = page.bare ? '' : `<script async${nonce} src="${base}/sdk/v1/loader.js" data-write-key="${WRITE_KEY}"${consent}></script>`;
  return `<!doctype html><html lang="${page.lang ?? 'en'}"><head><meta charset="utf-8"><title>Shop ${pathname}</title>
<script${nonce}>window.pageErrors=[];addEventListener('error',function(e){pageErrors.push(String(e.message))});${page.script ?? ''}</script>${loader}</head>
<body style="margin:0"><h1 id="title" style="height:40px;margin:0">Shop</h1><button id="page-button">Page button</button>
<div id="promo-slot" style="height:80px"></div><div id="content" style="height:3000px">Products</div></body></html>`;
}

function startShop(base: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://shop');
    const page = pages.get(url.searchParams.get('p') ?? '') ?? {};
    const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
    if (page.csp) headers['content-security-policy'] = `script-src 'self' 'nonce-${NONCE}'; object-src 'none'; base-uri 'none'`;
    response.writeHead(200, headers).end(shopHtml(base, page, url.pathname));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

export const noFacts: VisitorFacts = {
  profileId: null,
  identified: false,
  verified: false,
  country: 'DE',
  locale: null,
  segments: [],
  tiers: { clv: null, churn: null },
  cart: null,
  subscribed: { email: false, sms: false, push: false },
  visits: { first: null, last30d: 0 },
  queued: [],
  converted: [],
};

/** A live modal campaign of the fixture widget; `overrides` changes any field. */
export function popupCampaign(overrides: Partial<CompiledCampaign> = {}): CompiledCampaign {
  return {
    id: 'cmp_popup',
    type: 'popup',
    priority: 10,
    modal: true,
    triggers: [{ type: 'page_load' }],
    audience: [],
    caps: { frequency: 'always' },
    salt: 'cmp_popup',
    holdout: 0,
    defaultLocale: 'en',
    variants: [{ key: 'a', weight: 1, content: { en: { headline: 'Hello offer' }, ar: { headline: 'عرض' } } }],
    ...overrides,
  };
}

export function onsiteConfig(campaigns: CompiledCampaign[], overrides: Partial<OnsiteConfig> = {}): OnsiteConfig {
  return {
    version: `v-${campaigns.map((campaign) => campaign.id).join(',')}`,
    workspace: 'default',
    brand: { primaryColor: '#0a5', textColor: '#111', backgroundColor: '#fff' },
    global: { maxModalsPerPage: 1, quietPeriodSeconds: 0 },
    consentMode: 'off',
    campaigns,
    ...overrides,
  };
}

let pageCounter = 0;

/** Starts the world; `widgetDirs` defaults to the fixture widget (pass sdk/browser/src/widgets for the real ones). */
export async function startSdkWorld(options: { widgetDirs?: string[] } = {}): Promise<SdkWorld> {
  const sdkDir = tempDir();
  const manifest = await buildSdk({ outDir: sdkDir, widgetDirs: options.widgetDirs ?? [path.join(here, 'fixtures', 'widgets')] });
  const rapport = await startTestRapport('sqlite', { RAPPORT_SDK_DIR: sdkDir });
  const { url: base } = await listen(rapport.rapport);
  const shop = await startShop(base);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const events: SdkWorld['events'] = async (query) => {
    const response = await fetch(`${base}/api/v1/events?${new URLSearchParams({ limit: '1000', ...query })}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (!response.ok) throw new Error(`events: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { events: Awaited<ReturnType<SdkWorld['events']>> }).events;
  };
  return {
    rapport,
    base,
    shop: shop.url,
    manifest,
    sdkDir,
    browser,
    events,
    pageUrl(pathname, page = {}) {
      const key = `p${++pageCounter}`;
      pages.set(key, page);
      return `${shop.url}${pathname}${pathname.includes('?') ? '&' : '?'}p=${key}`;
    },
    async context(config, facts = noFacts) {
      const context = await browser.newContext();
      const cors = { 'access-control-allow-origin': '*' };
      await context.route(`${base}/v1/onsite/config**`, (route) =>
        route.fulfill({ status: config === undefined ? 404 : 200, headers: cors, json: config ?? { error: { code: 'not_found', message: 'no config' } } }),
      );
      await context.route(`${base}/v1/onsite/visitor**`, (route) => route.fulfill({ headers: cors, json: facts }));
      return context;
    },
    waitForEvents: (query, count) =>
      waitFor(`${count} event(s) ${JSON.stringify(query)}`, async () => {
        const found = await events(query);
        return found.length >= count ? found : undefined;
      }),
    async stop() {
      await browser.close();
      await shop.close();
      await rapport.stop();
    },
  };
}

/** Resolves with the next `rapport:onsite` decision for `campaignId` (installed before the page's scripts run). */
export async function watchDecisions(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const decisions: Array<{ campaignId: string; outcome: string }> = [];
    Object.assign(window, { decisions });
    addEventListener('rapport:onsite', (event) => decisions.push((event as CustomEvent<{ campaignId: string; outcome: string }>).detail));
  });
}

export async function decision(page: Page, campaignId: string, index = 0): Promise<string> {
  const handle = await page.waitForFunction(
    ([id, at]) => (window as unknown as { decisions?: Array<{ campaignId: string; outcome: string }> }).decisions?.filter((entry) => entry.campaignId === id)[at]?.outcome,
    [campaignId, index] as const,
  );
  return String(await handle.jsonValue());
}
