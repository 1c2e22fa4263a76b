import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN_TOKEN, listen, startTestRapport, waitFor, WRITE_KEY, type TestRapport } from '../helpers/server.js';
import { DEMO_SOURCE } from '../../src/demo/demo-api.js';
import { DEMO_BRAND } from '../../src/demo/starter-setup.js';
import { demoProducts } from '../../src/onsite/storefront/shop.js';
import { anonymousIdOf, axeViolations, launch } from './widget-harness.js';
import { assign } from '../../sdk/browser/src/core/onsite/assign.js';
import type { OnsiteConfig } from '../../sdk/browser/src/core/types.js';

/*
 * End to end: a real Rapport (processor following the log, as in production) with the demo's brand and
 * on-site starters installed, the demo storefront served by it, the real loader and core from /sdk/v1,
 * the real widget chunks, and events arriving through /v1/batch into profile timelines. Real triggers
 * for every starter (the side coupon, popup, email capture, NPS survey, floating icon, scratch card and
 * welcome-back banner in one visit each), and `?rapport_preview=` for the screenshots of every starter.
 */

const ARTIFACTS = 'test-artifacts/onsite/e2e';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
type Starter = { key: string; id: string };
type Decisions = { decisions: { campaignId: string; outcome: string }[] };
type TimelineEvent = { event?: string; type?: string; properties?: Record<string, unknown> };

let server: TestRapport;
let url: string;
let browser: Browser;
const starters = new Map<string, Starter>();
const product = demoProducts().find((entry) => entry.inventory > 0);

beforeAll(async () => {
  server = await startTestRapport('sqlite', {}, { overrides: { processor: 'inline' } });
  url = (await listen(server.rapport)).url;
  await server.rapport.workspaces.createWriteKey('default', DEMO_SOURCE);
  expect((await adminCall('PUT', '/api/v1/settings/brand', DEMO_BRAND)).statusCode).toBe(200);
  // The storefront's catalog, as the demo loads it: the recommendations starter recommends from it.
  expect((await adminCall('POST', '/api/v1/catalog/products', { products: demoProducts() })).statusCode).toBe(200);
  const installed = await adminCall('POST', '/api/v1/onsite/starters/install', { activate: true });
  expect(installed.statusCode).toBe(200);
  for (const entry of installed.json().installed as Starter[]) starters.set(entry.key, entry);
  browser = await launch();
  await mkdir(ARTIFACTS, { recursive: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

function adminCall(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) {
  return server.rapport.app.inject({ method, url: path, headers: admin, ...(body === undefined ? {} : { payload: body as Record<string, unknown> }) });
}

function starter(key: string): Starter {
  const found = starters.get(key);
  if (found === undefined) throw new Error(`starter ${key} was not installed`);
  return found;
}

/** A fresh visitor (own storage) on a storefront page, with the SDK's decisions recorded. */
async function visit(path: string, width = 1440, context?: BrowserContext): Promise<Page> {
  // Reduced motion: widgets skip their entrance animations, so screenshots show them settled.
  const owner = context ?? (await browser.newContext({ viewport: { width, height: 900 }, isMobile: width < 600, hasTouch: width < 600, reducedMotion: 'reduce' }));
  const page = await owner.newPage();
  await page.addInitScript(() => {
    const decisions: Decisions['decisions'] = [];
    Object.assign(window, { decisions });
    addEventListener('rapport:onsite', (event) => decisions.push((event as CustomEvent<Decisions['decisions'][number]>).detail));
  });
  await page.goto(`${url}${path}`);
  return page;
}

/** Waits until the SDK announced `outcome` for the campaign (a campaign may first be refused, then shown on a later trigger). */
async function decided(page: Page, campaignId: string, outcome: string): Promise<void> {
  await page.waitForFunction(([id, wanted]) => (window as unknown as Decisions).decisions.some((entry) => entry.campaignId === id && entry.outcome === wanted), [campaignId, outcome] as const, {
    timeout: 30_000,
  });
}

/** A fresh anonymous id the hash puts in (or out of) the holdout of every campaign named, as the browser and the report see it. */
async function visitorId(keys: string[], heldOut: boolean): Promise<string> {
  const config = await server.rapport.app.inject({ url: `/v1/onsite/config?writeKey=${WRITE_KEY}` });
  const campaigns = (config.json() as OnsiteConfig).campaigns.filter((campaign) => keys.some((key) => starter(key).id === campaign.id));
  expect(campaigns).toHaveLength(keys.length);
  for (let i = 0; i < 10_000; i++) {
    const id = `e2e-${keys.join('+')}-${heldOut ? 'held' : 'shown'}-${i}`;
    if (campaigns.every((campaign) => assign(campaign, id)?.holdout === heldOut)) return id;
  }
  throw new Error(`no anonymous id with holdout=${heldOut} for ${keys.join(', ')}`);
}

/** Makes the next visit of `context` use `anonymousId` (the SDK adopts analytics.js's cookie). */
async function as(context: BrowserContext, anonymousId: string): Promise<void> {
  await context.addCookies([{ name: 'ajs_anonymous_id', value: encodeURIComponent(anonymousId), url }]);
}

/** The widget's own box inside the campaign's shadow host (locators pierce open shadow roots). */
const box = (page: Page, id: string) => page.locator(`[data-rapport-campaign="${id}"] .box`).first();

async function profileOf(anonymousId: string): Promise<string | undefined> {
  const found = await adminCall('GET', `/api/v1/profiles/lookup?type=anonymous_id&value=${encodeURIComponent(anonymousId)}`);
  return found.statusCode === 200 ? (found.json() as { id: string }).id : undefined;
}

async function timeline(profileId: string): Promise<TimelineEvent[]> {
  return ((await adminCall('GET', `/api/v1/profiles/${profileId}/events?limit=500`)).json() as { events: TimelineEvent[] }).events;
}

/** Everything the page queued has been ingested and processed once a marker tracked after it is in the timeline. */
async function flushed(page: Page): Promise<TimelineEvent[]> {
  const marker = `Marker ${Math.random()}`;
  await page.evaluate((name) => (window as unknown as { rapport: { track(name: string): void } }).rapport.track(name), marker);
  const anonymousId = await anonymousIdOf(page);
  return waitFor(
    'the marker in the profile timeline',
    async () => {
      const id = await profileOf(anonymousId);
      const events = id === undefined ? [] : await timeline(id);
      return events.some((entry) => entry.event === marker) ? events : undefined;
    },
    30_000,
    100,
  );
}

const viewsOf = (events: TimelineEvent[], campaignId: string) => events.filter((entry) => entry.event === 'Experience Viewed' && entry.properties?.campaign_id === campaignId);

/** The SDK core has loaded (the loader's queue array was replaced by the real API). */
async function sdkStarted(page: Page): Promise<void> {
  await page.waitForFunction(() => !Array.isArray((window as unknown as { rapport: unknown }).rapport));
}

async function addToCart(page: Page): Promise<void> {
  await sdkStarted(page);
  await page.click('[data-add]');
}

describe('on-site end to end: demo storefront, real SDK, real Rapport', () => {
  it('installs the eleven starters live', () => {
    expect([...starters.keys()].sort()).toEqual([
      'banner-returning',
      'email-capture-ab',
      'exit-intent-tiered',
      'floating-icon',
      'free-shipping-bar',
      'hello-bar',
      'nps-survey',
      'popup',
      'recommendations-for-you',
      'scratch-coupon',
      'side-coupon',
    ]);
  });

  it('shows the hello bar on page load and logs Experience Viewed exactly once through ingest; the holdout sees nothing', async () => {
    const hello = starter('hello-bar').id;
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await as(context, await visitorId(['hello-bar'], false));
    const page = await visit('/demo/shop', 1440, context);
    await decided(page, hello, 'shown');
    await box(page, hello).waitFor({ state: 'visible' });
    const events = await flushed(page);
    expect(viewsOf(events, hello)).toHaveLength(1);
    expect(viewsOf(events, hello)[0]?.properties).toMatchObject({ campaign_id: hello, campaign_type: 'hello_bar', trigger: 'page_load' });
    expect(viewsOf(events, hello)[0]?.properties?.holdout).toBeUndefined();
    await context.close();

    const held = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await as(held, await visitorId(['hello-bar'], true));
    const second = await visit('/demo/shop', 1440, held);
    await decided(second, hello, 'holdout');
    expect(await second.locator(`[data-rapport-campaign="${hello}"]`).count()).toBe(0);
    const heldEvents = await flushed(second);
    expect(viewsOf(heldEvents, hello)).toEqual([expect.objectContaining({ properties: expect.objectContaining({ holdout: true, would_have_shown: true }) })]);
    await held.close();
  }, 90_000);

  it('follows the cart: the free-shipping bar appears on add-to-cart, then exit intent fires after its dwell', async () => {
    const bar = starter('free-shipping-bar').id;
    const exit = starter('exit-intent-tiered').id;
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await as(context, await visitorId(['free-shipping-bar', 'exit-intent-tiered'], false));
    await context.clock.install();
    const page = await visit(`/demo/shop/p/${product?.id}`, 1440, context);
    await decided(page, bar, 'audience'); // an empty cart: not yet
    await addToCart(page);
    await decided(page, bar, 'shown');
    await box(page, bar).waitFor({ state: 'visible' });
    // Exit intent (desktop): the pointer leaves through the top edge after the 10 s minimum dwell.
    // The page's clock jumps the dwell instead of the test sleeping through it.
    await page.clock.fastForward(10_500);
    await page.mouse.move(700, 300);
    await page.mouse.move(700, 5);
    await page.evaluate(() => document.dispatchEvent(new MouseEvent('mouseout', { clientX: 700, clientY: -1, relatedTarget: null, bubbles: true })));
    await decided(page, exit, 'shown');
    await box(page, exit).waitFor({ state: 'visible' });
    const events = await flushed(page);
    expect(viewsOf(events, bar)).toHaveLength(1);
    expect(viewsOf(events, exit)).toHaveLength(1);
    expect(viewsOf(events, exit)[0]?.properties).toMatchObject({ trigger: 'exit_intent' });
    await page.context().close();
  }, 120_000);

  it('fills the product page reserved slot with recommendations; a click is attributed by recommendation_id', async () => {
    const recs = starter('recommendations-for-you').id;
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await as(context, await visitorId(['recommendations-for-you'], false));
    const page = await visit(`/demo/shop/p/${product?.id}`, 1440, context);
    // The demo catalog links to the storefront at the default server address (127.0.0.1:4000), not this
    // test server's port: the page keeps the visitor here (the widget's own click handler has run by the
    // time the event bubbles up to window).
    await page.evaluate(() => addEventListener('click', (event) => event.preventDefault()));
    await decided(page, recs, 'shown');
    const card = page.locator(`#rapport-recs [data-rapport-campaign="${recs}"] li a`).first();
    // The products come from /v1/recommendations after the render: slow on a loaded machine.
    await card.waitFor({ state: 'visible', timeout: 60_000 });
    await card.click();
    const events = await flushed(page);
    const click = events.find((entry) => entry.event === 'Experience Clicked' && entry.properties?.campaign_id === recs);
    expect(click?.properties).toMatchObject({ target: 'recommendation', recommendation_id: expect.stringMatching(/.+/), product_id: expect.any(String) });
    await context.close();
  }, 90_000);

  it('reveals a real coupon from the scratch card, and a replay returns the same code', async () => {
    const scratch = starter('scratch-coupon').id;
    const page = await visit('/demo/shop');
    await flushed(page); // the visitor has a profile: reveal binds the code to it
    await page.goto(`${url}/demo/shop?rapport_preview=${scratch}`);
    await box(page, scratch).waitFor({ state: 'visible' });
    const [reply] = await Promise.all([
      page.waitForResponse((response) => response.url().includes('/v1/onsite/reveal')),
      page.locator(`[data-rapport-campaign="${scratch}"] .act button`).first().click(),
    ]);
    expect({ status: reply.status(), body: await reply.json() }).toMatchObject({ status: 200, body: { code: expect.any(String) } });
    const code = (await page.locator(`[data-rapport-campaign="${scratch}"] .cpn .code`).textContent()) ?? '';
    expect(code).toMatch(/^[A-Z0-9-]{6,}/);
    const anonymousId = await anonymousIdOf(page);
    const variant = await previewVariant(scratch);
    const replay = await server.rapport.app.inject({ method: 'POST', url: `/v1/onsite/reveal?writeKey=${WRITE_KEY}`, payload: { campaignId: scratch, variant, anonymousId } });
    expect(replay.json()).toMatchObject({ code });
    await page.context().close();
  }, 90_000);

  it('an email capture identifies the visitor and records consent with the campaign as its source', async () => {
    const capture = starter('email-capture-ab').id;
    const page = await visit('/demo/shop');
    await flushed(page);
    await page.goto(`${url}/demo/shop?rapport_preview=${capture}`);
    const dialog = box(page, capture);
    await dialog.waitFor({ state: 'visible' });
    await dialog.locator('input[name=email]').fill('e2e.shopper@example.com');
    await dialog.locator('.chk input').first().check();
    await dialog.locator('input[name=email]').press('Enter');
    const anonymousId = await anonymousIdOf(page);
    const profile = await waitFor(
      'the captured email on the profile',
      async () => {
        const id = await profileOf(anonymousId);
        const body = id === undefined ? undefined : (await adminCall('GET', `/api/v1/profiles/${id}`)).json();
        return JSON.stringify(body ?? {}).includes('e2e.shopper@example.com') ? body : undefined;
      },
      30_000,
      100,
    );
    const ledger = await server.rapport.messaging.consent.ledger('default', [(profile as { id: string }).id]);
    expect(ledger).toContainEqual(expect.objectContaining({ channel: 'email', status: 'subscribed', source: `onsite:${capture}` }));
    await page.context().close();
  }, 90_000);

  it('shows the other starters live on their own triggers on the storefront, screenshots kept', async () => {
    const live = ['side-coupon', 'popup', 'email-capture-ab', 'nps-survey', 'floating-icon', 'scratch-coupon'];
    const id = (key: string) => starter(key).id;
    // Every modal of this visit may show on its own trigger: no quiet period, no one-modal-per-page limit.
    const settings = (await adminCall('GET', '/api/v1/onsite/settings')).json() as { maxModalsPerPage: number; quietPeriodSeconds: number; consentMode: string };
    const restore = { maxModalsPerPage: settings.maxModalsPerPage, quietPeriodSeconds: settings.quietPeriodSeconds, consentMode: settings.consentMode };
    expect((await adminCall('PUT', '/api/v1/onsite/settings', { ...restore, maxModalsPerPage: 10, quietPeriodSeconds: 0 })).statusCode).toBe(200);
    const shot = async (page: Page, key: string) => {
      await box(page, id(key)).waitFor({ state: 'visible' });
      await page.screenshot({ path: `${ARTIFACTS}/live-${key}-en-1440.png` });
    };
    const close = (page: Page, key: string) =>
      page
        .locator(`[data-rapport-campaign="${id(key)}"] button.x`)
        .first()
        .dispatchEvent('click');
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, reducedMotion: 'reduce' });
      await as(context, await visitorId(live, false));
      // The page's clock runs from `started` and jumps over the triggers' waits (8, 15 and 45 s)
      // instead of the test sleeping through them; the SDK's timers and Date.now() see the jumps.
      const started = Date.now();
      await context.clock.install({ time: started });
      // A department page, long enough to scroll: a new visitor on their first page.
      const department = product?.category[0]?.toLowerCase().replace(/[^a-z0-9]+/g, '-') ?? '';
      const page = await visit(`/demo/shop/c/${department}`, 1440, context);
      await sdkStarted(page); // the page's start (and the session's) are taken before the clock jumps
      await page.clock.fastForward(8_000);
      await decided(page, id('side-coupon'), 'shown'); // 8 s on the page, new visitors
      await shot(page, 'side-coupon');
      await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
      await decided(page, id('popup'), 'shown'); // half the page scrolled
      await shot(page, 'popup');
      await close(page, 'popup');
      await page.clock.fastForward(7_000);
      await decided(page, id('email-capture-ab'), 'shown'); // 15 s on the page, not identified
      await shot(page, 'email-capture-ab');
      await close(page, 'email-capture-ab');
      await page.evaluate(() => (window as unknown as { rapport: { track(name: string): void } }).rapport.track('Order Completed'));
      await decided(page, id('nps-survey'), 'shown'); // a custom event
      await shot(page, 'nps-survey');
      await close(page, 'nps-survey');
      // The second page of the session: the closed popup's teaser on page load, then the scratch card
      // once 45 s on the site have passed.
      await page.goto(`${url}/demo/shop`);
      await decided(page, id('floating-icon'), 'shown');
      await shot(page, 'floating-icon');
      await sdkStarted(page);
      await page.clock.fastForward(30_000);
      await decided(page, id('scratch-coupon'), 'shown');
      expect((await page.evaluate(() => Date.now())) - started).toBeGreaterThanOrEqual(45_000);
      await shot(page, 'scratch-coupon');
      const events = await flushed(page);
      for (const key of live) expect(viewsOf(events, id(key)), key).toHaveLength(1);
      await context.close();

      // A returning visitor: this browser's last page view was 40 minutes ago (a session ended), so the
      // next page starts a second session and the welcome-back banner fills its reserved slot.
      const banner = id('banner-returning');
      const again = await browser.newContext({ viewport: { width: 1440, height: 900 }, reducedMotion: 'reduce' });
      await as(again, await visitorId(['banner-returning'], false));
      const back = await visit('/demo/shop', 1440, again);
      await back.waitForFunction(() => localStorage.getItem('rapport:s') !== null); // the first session: a new visitor
      expect(await back.locator(`[data-rapport-campaign="${banner}"]`).count()).toBe(0);
      await back.evaluate(() => {
        const ago = 40 * 60_000;
        const session = JSON.parse(localStorage.getItem('rapport:s') ?? '{}') as { start: number; last: number };
        localStorage.setItem('rapport:s', JSON.stringify({ ...session, start: session.start - ago, last: session.last - ago }));
        localStorage.setItem('rapport:visits', JSON.stringify([session.start - ago]));
      });
      await back.reload();
      await decided(back, banner, 'shown');
      expect(await back.locator(`#rapport-banner [data-rapport-campaign="${banner}"]`).count()).toBe(1);
      await shot(back, 'banner-returning');
      await again.close();
    } finally {
      await adminCall('PUT', '/api/v1/onsite/settings', restore);
    }
  }, 240_000);

  it.each(['en', 'ar'])(
    'renders every starter with no axe-core violations, screenshots at 375 and 1440 px (%s)',
    async (lang) => {
      const keys = lang === 'en' ? [...starters.keys()] : ['hello-bar', 'popup', 'scratch-coupon', 'free-shipping-bar', 'nps-survey'];
      for (const key of keys) await screenshotStarter(starter(key), lang);
    },
    600_000,
  );
});

async function previewVariant(campaignId: string): Promise<string> {
  const config = await server.rapport.app.inject({ url: `/v1/onsite/config?writeKey=${WRITE_KEY}&preview=${campaignId}` });
  const campaign = (config.json() as { campaigns: { id: string; variants: { key: string }[] }[] }).campaigns.find((entry) => entry.id === campaignId);
  return campaign?.variants[0]?.key ?? '';
}

/** Slot starters live on their slot's page; everything else on the home page. */
function pageFor(entry: Starter): string {
  return entry.key === 'recommendations-for-you' ? `/demo/shop/p/${product?.id}` : '/demo/shop';
}

async function screenshotStarter(entry: Starter, lang: string): Promise<void> {
  for (const width of [375, 1440]) {
    const page = await visit(`${pageFor(entry)}?lang=${lang}&rapport_preview=${entry.id}`, width);
    if (entry.key === 'free-shipping-bar')
      await page.evaluate(() => (window as unknown as { rapport: { onsite: { cart(c: unknown): void } } }).rapport.onsite.cart({ value: 2500, currency: 'USD', items: 1, productIds: ['p'] }));
    await box(page, entry.id).waitFor({ state: 'visible', timeout: 30_000 });
    if (width === 1440 && lang === 'en') expect({ key: entry.key, violations: await axeViolations(page) }).toEqual({ key: entry.key, violations: [] });
    await page.screenshot({ path: `${ARTIFACTS}/${entry.key}-${lang}-${width}.png` });
    await page.context().close();
  }
}
