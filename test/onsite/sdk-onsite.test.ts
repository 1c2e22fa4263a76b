import fs from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decision, noFacts, onsiteConfig, popupCampaign, startSdkWorld, STUB, watchDecisions, type SdkWorld } from './sdk-world.js';
import type { OnsiteConfig } from '../../sdk/browser/src/core/types.js';
import { anonymousIdOf } from './widget-harness.js';

/*
 * The on-site runtime of the built SDK in headless Chromium: assignment identical to the
 * experiments module (its language-neutral vectors), exposure logged exactly once per render,
 * caps that hold across reloads and tabs, arbitration, SPA re-evaluation, a strict-CSP page, and a
 * host page left untouched when Rapport is unreachable. The widget is the fixture chunk in
 * fixtures/widgets/popup.js, mounted through the WidgetContext contract.
 */
type Win = {
  rapport: {
    track(...args: unknown[]): void;
    identify(...args: unknown[]): void;
    onsite: { cart(cart: unknown): void; bucket(seed: string, unit: string, weights: number[], traffic: number): { bucket: number; variant: number } };
  };
  pageErrors: string[];
};
type Vector = { experiment: string; unit: string; weights: number[]; traffic: number; bucket: number; variant: number };
const vectors = (JSON.parse(fs.readFileSync(new URL('../../src/experiments/assignment-cases.json', import.meta.url), 'utf8')) as { assignments: Vector[] }).assignments;

let world: SdkWorld;

beforeAll(async () => {
  world = await startSdkWorld();
});
afterAll(async () => {
  await world?.stop();
});

async function open(config: OnsiteConfig, pathname: string, options: Parameters<SdkWorld['pageUrl']>[1] = {}, context?: BrowserContext): Promise<{ context: BrowserContext; page: Page }> {
  const owner = context ?? (await world.context(config));
  const page = await owner.newPage();
  await watchDecisions(page);
  await page.goto(world.pageUrl(pathname, options));
  return { context: owner, page };
}

/** Everything queued so far has reached the server once this marker has (one ordered queue). */
async function flushed(page: Page, anonymousId: string): Promise<void> {
  const marker = `Marker ${Math.random()}`;
  await page.evaluate((name) => (window as unknown as Win).rapport.track(name), marker);
  await world.waitForEvents({ anonymousId, event: marker }, 1);
}

describe('browser SDK on-site runtime', () => {
  it('assigns buckets and variants exactly like assignment-cases.json (the built core, in Chromium)', async () => {
    const { context, page } = await open(onsiteConfig([]), '/vectors');
    await page.waitForFunction(() => !Array.isArray((window as unknown as Win).rapport));
    const results = await page.evaluate((cases) => cases.map((entry) => (window as unknown as Win).rapport.onsite.bucket(entry.experiment, entry.unit, entry.weights, entry.traffic)), vectors);
    expect(results).toEqual(vectors.map((entry) => ({ bucket: entry.bucket, variant: entry.variant })));
    expect(vectors.length).toBeGreaterThan(30);
    await context.close();
  });

  it('shows the variant the hash gives the anonymous id, and logs Experience Viewed exactly once per render', async () => {
    const sample = vectors.filter((entry) => entry.traffic === 1 && entry.weights.length === 2 && entry.weights[0] === 0.5).slice(0, 6);
    const seen = new Set<number>();
    for (const vector of sample) {
      const campaign = popupCampaign({
        id: `cmp_${vector.unit}`,
        salt: vector.experiment,
        variants: [
          { key: 'a', weight: 1, content: { en: { headline: 'A' } } },
          { key: 'b', weight: 1, content: { en: { headline: 'B' } } },
        ],
      });
      const context = await world.context(onsiteConfig([campaign]));
      await context.addCookies([{ name: 'ajs_anonymous_id', value: encodeURIComponent(vector.unit), url: world.shop }]);
      const { page } = await open(onsiteConfig([campaign]), '/assign', {}, context);
      expect(await decision(page, campaign.id)).toBe('shown');
      const variant = await page.locator('.fixture-dialog').getAttribute('data-variant');
      expect(variant).toBe(vector.variant === 0 ? 'a' : 'b');
      seen.add(vector.variant);
      await flushed(page, vector.unit);
      const views = await world.events({ anonymousId: vector.unit, event: 'Experience Viewed' });
      expect(views).toHaveLength(1);
      expect((views[0]?.message as { properties: Record<string, unknown> }).properties).toMatchObject({ campaign_id: campaign.id, variant, trigger: 'page_load' });
      await context.close();
    }
    expect(seen.size).toBe(2);
  });

  it('closes with ESC, gives focus back, logs Closed once, and a held-out visitor sees nothing but is logged as would-have-shown', async () => {
    const campaign = popupCampaign({ id: 'cmp_esc', triggers: [{ type: 'custom_event', event: 'Open Offer' }] });
    const { context, page } = await open(onsiteConfig([campaign]), '/esc');
    await page.waitForFunction(() => !Array.isArray((window as unknown as Win).rapport));
    await page.focus('#page-button');
    await page.evaluate(() => (window as unknown as Win).rapport.track('Open Offer'));
    expect(await decision(page, campaign.id)).toBe('shown');
    await page.waitForFunction(() => document.activeElement?.hasAttribute('data-rapport-campaign') === true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab'); // focus stays trapped inside the dialog
    expect(await page.evaluate(() => document.activeElement?.hasAttribute('data-rapport-campaign'))).toBe(true);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.querySelector('[data-rapport-campaign]') === null);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('page-button');
    const anonymousId = await anonymousIdOf(page);
    await flushed(page, anonymousId);
    expect(await world.events({ anonymousId, event: 'Experience Closed' })).toHaveLength(1);
    await context.close();

    const heldOut = popupCampaign({ id: 'cmp_holdout', holdout: 1 });
    const second = await open(onsiteConfig([heldOut]), '/holdout');
    expect(await decision(second.page, heldOut.id)).toBe('holdout');
    expect(await second.page.locator('[data-rapport-campaign]').count()).toBe(0);
    const holdoutId = await anonymousIdOf(second.page);
    const [view] = await world.waitForEvents({ anonymousId: holdoutId, event: 'Experience Viewed' }, 1);
    expect((view?.message as { properties: Record<string, unknown> }).properties).toMatchObject({ campaign_id: heldOut.id, variant: 'a', holdout: true, would_have_shown: true });
    await second.context.close();
  });

  it('holds a once-only cap across a reload and a second tab, and shows one modal per page view by priority', async () => {
    const once = popupCampaign({ id: 'cmp_once', priority: 50, caps: { frequency: 'once' } });
    const lower = popupCampaign({ id: 'cmp_lower', priority: 5 });
    const config = onsiteConfig([lower, once]);
    const { context, page } = await open(config, '/caps');
    expect(await decision(page, once.id)).toBe('shown');
    expect(await decision(page, lower.id)).toBe('page_limit');
    await page.reload();
    expect(await decision(page, once.id)).toBe('capped');
    expect(await decision(page, lower.id)).toBe('shown');
    const { page: tab } = await open(config, '/caps-tab', {}, context);
    expect(await decision(tab, once.id)).toBe('capped');
    const anonymousId = await anonymousIdOf(page);
    await flushed(tab, anonymousId);
    const views = await world.events({ anonymousId, event: 'Experience Viewed' });
    expect(views.filter((event) => (event.message as { properties: { campaign_id: string } }).properties.campaign_id === once.id)).toHaveLength(1);
    await context.close();
  });

  it('re-evaluates audience rules on SPA navigation and renders right-to-left for Arabic pages', async () => {
    const checkout = popupCampaign({ id: 'cmp_checkout', audience: [{ type: 'url', match: 'starts_with', value: '/checkout' }] });
    // A non-modal campaign on every page: once it is decided, so is everything armed at page load.
    const everywhere = popupCampaign({ id: 'cmp_everywhere', modal: false, priority: 1 });
    const { context, page } = await open(onsiteConfig([checkout, everywhere]), '/home', { lang: 'ar' });
    expect(await decision(page, everywhere.id)).toBe('shown');
    expect(await page.locator('[data-rapport-campaign="cmp_checkout"]').count()).toBe(0);
    await page.evaluate(() => history.pushState({}, '', '/checkout/step-1'));
    expect(await decision(page, checkout.id)).toBe('shown');
    const host = page.locator('[data-rapport-campaign="cmp_checkout"]');
    const dialog = host.locator('.fixture-dialog');
    expect(await dialog.getAttribute('data-dir')).toBe('rtl');
    expect(await dialog.textContent()).toContain('عرض');
    expect(await host.getAttribute('dir')).toBe('rtl');
    await context.close();
  });

  it('fires exit intent (top edge after the dwell), scroll depth and cart-change triggers, with the cart rule checked at show time', async () => {
    const exit = popupCampaign({ id: 'cmp_exit', triggers: [{ type: 'exit_intent', minDwellSeconds: 0, mobile: false }] });
    const scroll = popupCampaign({ id: 'cmp_scroll', modal: false, triggers: [{ type: 'scroll_depth', percent: 90 }] });
    const cart = popupCampaign({ id: 'cmp_cart', modal: false, triggers: [{ type: 'cart_change' }], audience: [{ type: 'cart', minValue: 5000 }] });
    const { context, page } = await open(onsiteConfig([exit, scroll, cart]), '/triggers');
    await page.waitForFunction(() => !Array.isArray((window as unknown as Win).rapport));
    await page.evaluate(() => new Promise<void>((resolve) => (window as unknown as { rapport: { ready(callback: () => void): void } }).rapport.ready(resolve)));
    await page.evaluate(() => (window as unknown as Win).rapport.onsite.cart({ value: 1200, currency: 'EUR', items: 1, productIds: ['p1'] }));
    expect(await decision(page, cart.id)).toBe('audience');
    await page.evaluate(() => (window as unknown as Win).rapport.onsite.cart({ value: 6400, currency: 'EUR', items: 3, productIds: ['p1'] }));
    expect(await decision(page, cart.id, 1)).toBe('shown');
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    expect(await decision(page, scroll.id)).toBe('shown');
    await page.evaluate(() => document.dispatchEvent(new MouseEvent('mouseout', { clientY: -2, relatedTarget: null, bubbles: true })));
    expect(await decision(page, exit.id)).toBe('shown');
    await context.close();
  });

  it('fires timed triggers: delayed page load, time on page and on site, inactivity', async () => {
    const timed = [
      popupCampaign({ id: 'cmp_delay', modal: false, triggers: [{ type: 'page_load', delaySeconds: 1 }] }),
      popupCampaign({ id: 'cmp_page_time', modal: false, triggers: [{ type: 'time_on_page', seconds: 1 }] }),
      popupCampaign({ id: 'cmp_site_time', modal: false, triggers: [{ type: 'time_on_site', seconds: 1 }] }),
      popupCampaign({ id: 'cmp_idle', modal: false, triggers: [{ type: 'inactivity', seconds: 1 }] }),
    ];
    const { context, page } = await open(onsiteConfig(timed), '/timed');
    for (const campaign of timed) expect(await decision(page, campaign.id)).toBe('shown');
    await context.close();
  });

  it('on a phone, fires the opt-in exit intent on back navigation', async () => {
    const exit = popupCampaign({ id: 'cmp_mobile_exit', triggers: [{ type: 'exit_intent', minDwellSeconds: 0, mobile: true }] });
    const config = onsiteConfig([exit]);
    const context = await world.browser.newContext({
      viewport: { width: 375, height: 740 },
      isMobile: true,
      hasTouch: true,
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
    });
    await context.route(`${world.base}/v1/onsite/config**`, (route) => route.fulfill({ headers: { 'access-control-allow-origin': '*' }, json: config }));
    await context.route(`${world.base}/v1/onsite/visitor**`, (route) => route.fulfill({ headers: { 'access-control-allow-origin': '*' }, json: noFacts }));
    const { page } = await open(config, '/phone', {}, context);
    await page.waitForFunction(() => !Array.isArray((window as unknown as Win).rapport));
    await page.evaluate(() => history.pushState({}, '', '/phone/product'));
    await page.goBack();
    expect(await decision(page, exit.id)).toBe('shown');
    await context.close();
  });

  it('reveals and submits for the verified visitor on the contract wire, then suppresses signup campaigns', async () => {
    const capture = popupCampaign({ id: 'cmp_capture', triggers: [{ type: 'custom_event', event: 'Open Capture' }], caps: { frequency: 'always', suppressAfterSignup: true } });
    const context = await world.context(onsiteConfig([capture]));
    const calls: Array<{ path: string; query: URLSearchParams; body: Record<string, unknown>; contentType: string | undefined }> = [];
    const record = (path: string, reply: unknown) =>
      context.route(`${world.base}${path}**`, async (route) => {
        const request = route.request();
        calls.push({
          path,
          query: new URL(request.url()).searchParams,
          body: JSON.parse(request.postData() ?? '{}') as Record<string, unknown>,
          contentType: (await request.headerValue('content-type')) ?? undefined,
        });
        await route.fulfill({ headers: { 'access-control-allow-origin': '*' }, json: reply });
      });
    await record('/v1/onsite/visitor', noFacts);
    await record('/v1/onsite/reveal', { code: 'SAVE10-XYZ', discount: { kind: 'percent', value: 10 } });
    await record('/v1/onsite/submit', { ok: true, doubleOptIn: false });
    const { page } = await open(onsiteConfig([capture]), '/signup', {}, context);
    await page.waitForFunction(() => !Array.isArray((window as unknown as Win).rapport));
    await page.evaluate(() => {
      const api = (window as unknown as Win).rapport;
      api.identify('user-9', { plan: 'free' }, { userHash: 'h9' });
      api.track('Open Capture');
    });
    expect(await decision(page, capture.id)).toBe('shown');
    const anonymousId = await anonymousIdOf(page);
    await page.click('.reveal');
    await page.waitForSelector('.fixture-dialog[data-code="SAVE10-XYZ"]');
    await page.click('.submit');
    await page.waitForSelector('.fixture-dialog[data-submitted="true"]');
    const ids = { anonymousId, userId: 'user-9', userHash: 'h9' };
    expect(calls.find((call) => call.path === '/v1/onsite/visitor' && call.body.userHash === 'h9')?.body).toEqual(ids);
    const reveal = calls.find((call) => call.path === '/v1/onsite/reveal');
    expect(reveal?.body).toEqual({ campaignId: capture.id, variant: 'a', ...ids });
    expect(reveal?.query.get('writeKey')).toBe('WK_TEST');
    expect(reveal?.contentType).toMatch(/^text\/plain/); // a simple request: no CORS preflight
    expect(calls.find((call) => call.path === '/v1/onsite/submit')?.body).toEqual({ campaignId: capture.id, variant: 'a', ...ids, email: 'ann@example.com', consent: true, locale: 'en' });
    const [submitted] = await world.waitForEvents({ anonymousId, event: 'Experience Submitted' }, 1);
    expect((submitted?.message as { properties: Record<string, unknown> }).properties).toMatchObject({ campaign_id: capture.id, variant: 'a', trigger: 'custom_event' });
    await page.reload();
    await page.waitForFunction(() => !Array.isArray((window as unknown as Win).rapport));
    await page.evaluate(() => (window as unknown as Win).rapport.track('Open Capture'));
    expect(await decision(page, capture.id)).toBe('capped');
    await context.close();
  });

  it('uses the cached configuration at once and switches to a new version after revalidating in the background', async () => {
    const first = popupCampaign({ id: 'cmp_v1', modal: false });
    const second = popupCampaign({ id: 'cmp_v2', modal: false });
    let served = onsiteConfig([first], { version: 'v1' });
    const context = await world.context(served);
    let release = () => undefined as void;
    const revalidated = new Promise<void>((resolve) => (release = resolve));
    await context.route(`${world.base}/v1/onsite/config**`, async (route) => {
      const answer = served;
      if (answer.version === 'v2') await revalidated; // held until the stale copy has been used
      await route.fulfill({ headers: { 'access-control-allow-origin': '*' }, json: answer });
    });
    const { page } = await open(served, '/cfg', {}, context);
    expect(await decision(page, first.id)).toBe('shown');
    served = onsiteConfig([second], { version: 'v2' });
    await page.reload();
    // The stale copy decides first (no round-trip before render), then the new version re-arms.
    expect(await decision(page, first.id)).toBe('shown');
    release();
    expect(await decision(page, second.id)).toBe('shown');
    expect(await page.evaluate(() => (JSON.parse(localStorage.getItem('rapport:cfg') ?? '{}') as { version?: string }).version)).toBe('v2');
    await context.close();
  });

  it('serves a service worker that installs on the origin that serves it and shows a pushed notification', async () => {
    const context = await world.context(onsiteConfig([]));
    // An HTML page on Rapport's own origin (service workers must be same-origin); the worker itself is the real file.
    await context.route(`${world.base}/sw-host.html`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>sw</title>' }));
    const page = await context.newPage();
    await page.goto(`${world.base}/sw-host.html`);
    const state = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.register('/sdk/v1/sw.js', { scope: '/' });
      await navigator.serviceWorker.ready;
      return registration.active?.state;
    });
    expect(state === 'activated' || state === 'activating').toBe(true);
    // A push as src/channels/providers/web-push.ts sends it, delivered through the DevTools protocol.
    await context.grantPermissions(['notifications'], { origin: world.base });
    const cdp = await context.newCDPSession(page);
    const registrations = new Promise<string>((resolve) =>
      cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => {
        const found = event.registrations.find((entry) => entry.scopeURL.startsWith(world.base));
        if (found !== undefined) resolve(found.registrationId);
      }),
    );
    await cdp.send('ServiceWorker.enable');
    const registrationId = await registrations;
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: world.base,
      registrationId,
      data: JSON.stringify({ title: 'Back in stock', body: 'Your size is here', url: 'https://shop.example/p/1', messageId: 'm-1' }),
    });
    const shown = await page.waitForFunction(async () => {
      const registration = await navigator.serviceWorker.ready;
      const notifications = await registration.getNotifications();
      return notifications.length > 0 ? { title: notifications[0]?.title, body: notifications[0]?.body, tag: notifications[0]?.tag, data: notifications[0]?.data as unknown } : undefined;
    });
    expect(await shown.jsonValue()).toEqual({ title: 'Back in stock', body: 'Your size is here', tag: 'm-1', data: { url: 'https://shop.example/p/1' } });
    await context.close();
  });

  it('shows a campaign a journey queued for the person, past audience rules, and fails closed on facts it was not given', async () => {
    const queued = popupCampaign({ id: 'cmp_queued', modal: false, audience: [{ type: 'url', match: 'starts_with', value: '/never' }] });
    const segment = popupCampaign({ id: 'cmp_segment', modal: false, audience: [{ type: 'segment', allow: ['vip'] }] });
    const context = await world.context(onsiteConfig([queued, segment]), { ...noFacts, queued: [{ campaignId: queued.id, journeyId: 'jr_1' }] });
    const { page } = await open(onsiteConfig([queued, segment]), '/queued', {}, context);
    expect(await decision(page, queued.id)).toBe('shown');
    expect(await decision(page, segment.id)).toBe('audience');
    await context.close();
  });

  it('renders overlays without layout shift, inline campaigns only in their reserved slot, and passes reduced motion on', async () => {
    const overlay = popupCampaign({ id: 'cmp_overlay' });
    const inline = popupCampaign({ id: 'cmp_inline', modal: false, slot: '#promo-slot' });
    const missing = popupCampaign({ id: 'cmp_no_slot', modal: false, slot: '#not-on-this-page' });
    const context = await world.context(onsiteConfig([overlay, inline, missing]));
    const page = await context.newPage();
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.addInitScript(() => {
      const shifts: number[] = [];
      Object.assign(window, { shifts });
      new PerformanceObserver((list) => list.getEntries().forEach((entry) => shifts.push((entry as unknown as { value: number }).value))).observe({ type: 'layout-shift', buffered: true });
    });
    await watchDecisions(page);
    await page.goto(world.pageUrl('/slots'));
    expect(await decision(page, overlay.id)).toBe('shown');
    expect(await decision(page, inline.id)).toBe('shown');
    expect(await decision(page, missing.id)).toBe('failed');
    expect(await page.locator('#promo-slot > [data-rapport-campaign="cmp_inline"]').count()).toBe(1);
    expect(await page.locator('[data-rapport-campaign="cmp_overlay"] .fixture-dialog').getAttribute('data-reduced-motion')).toBe('true');
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    expect(await page.evaluate(() => (window as unknown as { shifts: number[] }).shifts.reduce((sum, value) => sum + value, 0))).toBe(0);
    await context.close();
  });

  it('works on a page with a strict nonce CSP (loader, core and the lazily imported widget chunk)', async () => {
    const campaign = popupCampaign({ id: 'cmp_csp' });
    const context = await world.context(onsiteConfig([campaign]));
    const page = await context.newPage();
    await page.addInitScript(() => {
      const violations: string[] = [];
      Object.assign(window, { violations });
      document.addEventListener('securitypolicyviolation', (event) => violations.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    await watchDecisions(page);
    await page.goto(world.pageUrl('/csp', { csp: true }));
    expect(await decision(page, campaign.id)).toBe('shown');
    expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([]);
    await world.waitForEvents({ anonymousId: await anonymousIdOf(page), event: 'Experience Viewed' }, 1);
    await context.close();
  });

  it('leaves the host page alone when Rapport is unreachable: no errors, same layout, page still works', async () => {
    const layout = async (page: Page) => page.evaluate(() => [...document.querySelectorAll('#title, #page-button, #content')].map((element) => JSON.stringify(element.getBoundingClientRect())));
    const bareContext = await world.context(onsiteConfig([]));
    const bare = await bareContext.newPage();
    await bare.goto(world.pageUrl('/bare', { bare: true }));
    const expected = await layout(bare);
    await bareContext.close();
    for (const blocked of [`${world.base}/**`, `${world.base}/v1/**`]) {
      const context = await world.context(onsiteConfig([popupCampaign()]));
      await context.route(blocked, (route) => route.abort('connectionrefused'));
      const page = await context.newPage();
      await page.goto(world.pageUrl('/blocked', { script: `${STUB}rapport.track('x');` }));
      await page.evaluate(() => (window as unknown as Win).rapport.track('Still Fine'));
      await page.click('#page-button');
      expect(await layout(page)).toEqual(expected);
      expect(await page.evaluate(() => (window as unknown as Win).pageErrors)).toEqual([]);
      await context.close();
    }
  });

  it('replays onsite.cart queued before the core loaded, and merges clicked() properties into Experience Clicked', async () => {
    const campaign = popupCampaign({ id: 'cmp_queued_cart', audience: [{ type: 'cart', minItems: 2 }] });
    const script = "window.rapport=[['onsite.cart',{value:2400,currency:'EUR',items:2,productIds:['p1']}]];";
    const { context, page } = await open(onsiteConfig([campaign]), '/queued-cart', { script });
    expect(await decision(page, campaign.id)).toBe('shown');
    await page.click('.fixture-dialog .cta');
    const anonymousId = await anonymousIdOf(page);
    await flushed(page, anonymousId);
    const [click] = await world.events({ anonymousId, event: 'Experience Clicked' });
    expect((click?.message as { properties: Record<string, unknown> }).properties).toMatchObject({ campaign_id: campaign.id, variant: 'a', target: 'cta', recommendation_id: 'rec_fixture' });
    await context.close();
  });

  it('previews a campaign from ?rapport_preview= whatever its audience, without logging an exposure', async () => {
    const hidden = popupCampaign({
      id: 'cmp_preview',
      audience: [{ type: 'identified', value: true }],
      variants: [
        { key: 'a', weight: 1, content: { en: { headline: 'A' } } },
        { key: 'b', weight: 0, content: { en: { headline: 'B' } } },
      ],
    });
    const { context, page } = await open(onsiteConfig([hidden]), '/any?rapport_preview=cmp_preview&rapport_variant=b');
    expect(await decision(page, hidden.id)).toBe('shown');
    expect(await page.locator('.fixture-dialog').getAttribute('data-variant')).toBe('b');
    const anonymousId = await anonymousIdOf(page);
    await flushed(page, anonymousId);
    expect(await world.events({ anonymousId, event: 'Experience Viewed' })).toEqual([]);
    await context.close();
  });
});
