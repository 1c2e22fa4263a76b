import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_TOKEN, listen, startTestRapport, waitFor, type TestRapport } from '../helpers/server.js';
import { DEMO_SOURCE } from '../../src/demo/demo-api.js';
import { cartLines, demoProducts } from '../../src/onsite/storefront/shop.js';
import { anonymousIdOf, axeViolations, launch } from './widget-harness.js';

/*
 * The demo storefront on a real Rapport: pages, nonce CSP and SDK snippet, accessibility in three
 * languages, and the shop script's calls reaching Rapport through the real loader and core from
 * /sdk/v1 (the widgets on these pages: e2e-storefront.test.ts).
 */

let server: TestRapport;
let url: string;
let browser: Browser;
let writeKey: string;

beforeAll(async () => {
  server = await startTestRapport('sqlite');
  url = (await listen(server.rapport)).url;
  browser = await launch();
  await mkdir('test-artifacts/onsite', { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(path: string, viewport = { width: 1440, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${url}${path}`);
  return page;
}

type Logged = { event: string | null; message: { properties?: Record<string, unknown> } };

/** The `event` tracks of this page's visitor that reached Rapport's log, once there are `count` of them. */
async function logged(page: Page, event: string, count: number): Promise<Logged[]> {
  const anonymousId = await anonymousIdOf(page);
  return waitFor(`${count} "${event}" from the storefront`, async () => {
    const response = await server.rapport.app.inject({ url: `/api/v1/events?${new URLSearchParams({ anonymousId, event, limit: '100' })}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const events = (response.json() as { events: Logged[] }).events;
    return events.length >= count ? events : undefined;
  });
}

describe('demo storefront', () => {
  it('says how to load the demo until its write key exists, then installs the SDK snippet under a nonce CSP', async () => {
    const before = await server.rapport.app.inject({ url: '/demo/shop' });
    expect(before.statusCode).toBe(200);
    expect(before.body).toContain('npm run demo');
    expect(before.body).not.toContain('/sdk/v1/loader.js');

    writeKey = (await server.rapport.workspaces.createWriteKey('default', DEMO_SOURCE)).key;
    const after = await server.rapport.app.inject({ url: '/demo/shop?lang=ar' });
    const nonce = /'nonce-([^']+)'/.exec(String(after.headers['content-security-policy']))?.[1];
    expect(nonce).toBeTruthy();
    expect(after.body).toContain(`<script async nonce="${nonce}" src="/sdk/v1/loader.js" data-write-key="${writeKey}"></script>`);
    expect(after.body).toContain('<html lang="ar" dir="rtl">');
    expect(after.body).toContain('id="rapport-banner"');
    expect((await server.rapport.app.inject({ url: '/demo/shop/p/nope' })).statusCode).toBe(404);
    expect((await server.rapport.app.inject({ url: '/demo/shop/img/..%2Fx.svg' })).statusCode).toBe(400);
  });

  it.each(['en', 'ar', 'ja'])('has no axe-core violations on home, category, product and cart pages (%s)', async (lang) => {
    const product = demoProducts().find((entry) => entry.inventory > 0);
    for (const path of ['/demo/shop', '/demo/shop/c/footwear', `/demo/shop/p/${product?.id}`, '/demo/shop/cart']) {
      const page = await open(`${path}?lang=${lang}`);
      expect({ path, violations: await axeViolations(page) }).toEqual({ path, violations: [] });
      const name = path.split('/')[3] ?? 'home';
      for (const width of [375, 1440]) {
        await page.setViewportSize({ width, height: 900 });
        await page.screenshot({ path: `test-artifacts/onsite/storefront-${name}-${lang}-${width}.png` });
      }
      await page.context().close();
    }
  });

  it('adds to the cart: Product Viewed and Product Added reach Rapport through the real SDK, and the cart page lists it', async () => {
    const product = demoProducts().find((entry) => entry.inventory > 0);
    if (product === undefined) throw new Error('no product in stock');
    const page = await open(`/demo/shop/p/${product.id}`);
    await page.waitForFunction(() => !Array.isArray((window as unknown as { rapport: unknown }).rapport)); // the core took over the queue
    await page.click('[data-add]');
    await page.click('[data-add]');
    const [viewed] = await logged(page, 'Product Viewed', 1);
    expect(viewed?.message.properties).toMatchObject({ product_id: product.id });
    const added = await logged(page, 'Product Added', 2);
    expect(added[0]?.message.properties).toMatchObject({ product_id: product.id, price: product.price, quantity: 1 });
    expect(await page.textContent('[data-cart-count]')).toBe('2');

    await page.goto(`${url}/demo/shop/cart`);
    expect(await page.locator('.line').count()).toBe(1);
    expect(await page.textContent('.line')).toContain('2');
    await Promise.all([page.waitForEvent('load'), page.click('[data-remove]')]);
    expect(await page.locator('.line').count()).toBe(0);
    await page.context().close();
  });

  it('reads only catalog products from the cart cookie, whatever else it holds', () => {
    const products = demoProducts(5);
    const byId = new Map(products.map((product) => [product.id, product]));
    expect(cartLines('rapport_demo_cart=%E0%A4%A', byId)).toEqual([]);
    const lines = cartLines(`other=1; rapport_demo_cart=${encodeURIComponent('__proto__:3:1,prod_0002:500:1,nope:1:1,prod_0001:x:0')}`, byId);
    expect(lines.map((line) => [line.product.id, line.quantity])).toEqual([
      ['prod_0002', 99],
      ['prod_0001', 1],
    ]);
  });

  it('keeps the banner slot reserved at a fixed height before any campaign fills it', async () => {
    const page = await open('/demo/shop');
    expect((await page.locator('#rapport-banner').boundingBox())?.height).toBe(220);
    await page.context().close();
  });
});
