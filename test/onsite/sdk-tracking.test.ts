import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/server.js';
import { onsiteConfig, popupCampaign, startSdkWorld, STUB, type SdkWorld } from './sdk-world.js';

/*
 * Tracking by the built SDK in headless Chromium against a real Rapport: messages reach ingest in
 * the analytics.js format, batched, by sendBeacon when the page goes away, retried across a reload,
 * and nothing at all leaves the browser while consent is pending or denied.
 */
type RapportApi = { track(...args: unknown[]): void; identify(...args: unknown[]): void; page(...args: unknown[]): void; consent(granted: boolean): void; ready(callback: () => void): void };
type Win = { rapport: RapportApi & { loaded?: boolean } };

let world: SdkWorld;

beforeAll(async () => {
  world = await startSdkWorld();
});
afterAll(async () => {
  await world?.stop();
});

async function ready(page: Page): Promise<string> {
  await page.waitForFunction(() => !Array.isArray((window as unknown as Win).rapport));
  await page.evaluate(() => new Promise<void>((resolve) => (window as unknown as Win).rapport.ready(resolve)));
  return page.evaluate(() => localStorage.getItem('rapport:anon') ?? '');
}

function batches(page: Page): Request[] {
  const seen: Request[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/v1/batch')) seen.push(request);
  });
  return seen;
}

describe('browser SDK tracking', () => {
  it('sends the page view and tracked events to ingest in one batch, with UTM and page context', async () => {
    const context = await world.context(onsiteConfig([]));
    const page = await context.newPage();
    const sent = batches(page);
    await page.goto(world.pageUrl('/landing?utm_source=news&utm_medium=email&utm_campaign=spring'));
    const anonymousId = await ready(page);
    await page.evaluate(() => {
      const api = (window as unknown as Win).rapport;
      api.track('Product Viewed', { product_id: 'p1' });
      api.track('Product Added', { product_id: 'p1' });
      api.track('Cart Viewed');
    });
    const tracked = await world.waitForEvents({ anonymousId, type: 'track' }, 3);
    expect(tracked.map((event) => event.event).sort()).toEqual(['Cart Viewed', 'Product Added', 'Product Viewed']);
    const [view] = await world.waitForEvents({ anonymousId, type: 'page' }, 1);
    const message = view?.message as { context: { campaign: Record<string, string>; page: { path: string }; library: { name: string } } };
    expect(message.context.campaign).toEqual({ source: 'news', medium: 'email', name: 'spring' });
    expect(message.context.page.path).toBe('/landing');
    expect(message.context.library.name).toBe('rapport-browser');
    // The three tracks arrive together: batching, not one request per call.
    const bodies = sent.map((request) => (JSON.parse(request.postData() ?? '{}') as { batch: unknown[] }).batch.length);
    expect(bodies.reduce((sum, size) => sum + size, 0)).toBe(4);
    expect(sent.length).toBeLessThanOrEqual(2);
    await context.close();
  });

  it('hands queued events to sendBeacon when the page is hidden', async () => {
    const context = await world.context(onsiteConfig([]));
    const page = await context.newPage();
    const sent = batches(page);
    await page.goto(world.pageUrl('/beacon'));
    const anonymousId = await ready(page);
    await world.waitForEvents({ anonymousId, type: 'page' }, 1);
    // Queued (500 ms linger), then the page goes away before the timer: only the beacon can carry it.
    await page.evaluate(() => {
      (window as unknown as Win).rapport.track('Left Quickly');
      dispatchEvent(new PageTransitionEvent('pagehide'));
    });
    await world.waitForEvents({ anonymousId, event: 'Left Quickly' }, 1);
    expect(sent.some((request) => request.resourceType() === 'ping' || request.resourceType() === 'beacon')).toBe(true);
    await context.close();
  });

  it('keeps undelivered events in localStorage and delivers them after a reload', async () => {
    const context = await world.context(onsiteConfig([]));
    const page = await context.newPage();
    let blocked = true;
    await context.route(`${world.base}/v1/batch`, (route) => (blocked ? route.abort('connectionrefused') : route.continue()));
    await page.goto(world.pageUrl('/offline'));
    const anonymousId = await ready(page);
    await page.evaluate(() => (window as unknown as Win).rapport.track('Offline Event'));
    await page.waitForFunction(() => (localStorage.getItem('rapport:q') ?? '').includes('Offline Event'));
    expect(await world.events({ anonymousId, event: 'Offline Event' })).toEqual([]);
    blocked = false;
    await page.reload();
    const [event] = await world.waitForEvents({ anonymousId, event: 'Offline Event' }, 1);
    expect(event?.anonymousId).toBe(anonymousId);
    await page.waitForFunction(() => !(localStorage.getItem('rapport:q') ?? '').includes('Offline Event'));
    await context.close();
  });

  it('reuses the anonymous id of analytics.js and keeps the identify signature out of the event', async () => {
    const context = await world.context(onsiteConfig([]));
    await context.addCookies([{ name: 'ajs_anonymous_id', value: '%22ajs-visitor-7%22', url: world.shop }]);
    const page = await context.newPage();
    await page.goto(world.pageUrl('/account'));
    expect(await ready(page)).toBe('ajs-visitor-7');
    await page.evaluate(() => {
      const api = (window as unknown as Win).rapport;
      api.identify('user-7', { email: 'u7@example.com' }, { userHash: 'abc123' });
      api.track('With Options', null, { context: { app: { name: 'shop-app' } } }); // null properties, options after them
    });
    const [identify] = await world.waitForEvents({ userId: 'user-7', type: 'identify' }, 1);
    const [withOptions] = await world.waitForEvents({ userId: 'user-7', event: 'With Options' }, 1);
    expect(withOptions?.message).toMatchObject({ properties: {}, context: { app: { name: 'shop-app' } } });
    expect(await page.evaluate(() => localStorage.getItem('rapport:uhash'))).toBe('abc123');
    await page.evaluate(() => (window as unknown as Win).rapport.identify('user-8')); // another user: the signature is not theirs
    expect(await page.evaluate(() => [localStorage.getItem('rapport:uid'), localStorage.getItem('rapport:uhash')])).toEqual(['user-8', null]);
    expect(identify?.anonymousId).toBe('ajs-visitor-7');
    expect(JSON.stringify(identify?.message)).not.toContain('abc123');
    await context.close();
  });

  it('counts SPA navigations (pushState, popstate) as page views', async () => {
    const context = await world.context(onsiteConfig([]));
    const page = await context.newPage();
    await page.goto(world.pageUrl('/spa'));
    const anonymousId = await ready(page);
    await page.evaluate(() => history.pushState({}, '', '/spa/product?x=1'));
    await page.evaluate(() => history.replaceState({}, '', '/spa/product?x=1')); // same URL: not a new view
    await page.goBack();
    const views = await world.waitForEvents({ anonymousId, type: 'page' }, 3);
    const paths = views.map((event) => (event.message as { properties: { path: string } }).properties.path);
    expect(paths.sort()).toEqual(['/spa', '/spa', '/spa/product']);
    await context.close();
  });

  it('makes zero network requests and stores nothing when consent is denied or still pending', async () => {
    for (const consent of ['denied', 'pending'] as const) {
      const context = await world.context(onsiteConfig([popupCampaign()]));
      const page = await context.newPage();
      const toRapport: string[] = [];
      page.on('request', (request) => {
        if (request.url().startsWith(world.base) && !request.url().includes('/sdk/v1/')) toRapport.push(request.url());
      });
      await page.goto(world.pageUrl('/private', { consent }));
      await ready(page);
      await page.evaluate(() => {
        (window as unknown as Win).rapport.track('Should Not Leave');
        dispatchEvent(new PageTransitionEvent('pagehide'));
      });
      const stored = await page.evaluate(() => ({ local: Object.keys(localStorage), session: Object.keys(sessionStorage), cookie: document.cookie }));
      expect(stored).toEqual({ local: [], session: [], cookie: '' });
      expect(await page.locator('[data-rapport-campaign]').count()).toBe(0);
      if (consent === 'pending') {
        // Granting sends what was held, and only then.
        const anonymousId = await page.evaluate(() => {
          (window as unknown as Win).rapport.consent(true);
          return localStorage.getItem('rapport:anon') ?? '';
        });
        await world.waitForEvents({ anonymousId, event: 'Should Not Leave' }, 1);
      } else {
        expect(toRapport).toEqual([]);
      }
      await context.close();
    }
  });

  it('follows the workspace consent mode when the page gives none: required holds everything, forms_only shows campaigns but tracks nothing', async () => {
    for (const consentMode of ['required', 'forms_only'] as const) {
      const context = await world.context(onsiteConfig([popupCampaign()], { consentMode }));
      const page = await context.newPage();
      const calls: string[] = [];
      page.on('request', (request) => {
        if (request.url().startsWith(world.base) && !request.url().includes('/sdk/v1/')) calls.push(new URL(request.url()).pathname);
      });
      await page.addInitScript(() => addEventListener('rapport:onsite', (event) => Object.assign(window, { decided: (event as CustomEvent<{ outcome: string }>).detail.outcome })));
      await page.goto(world.pageUrl(`/mode-${consentMode}`));
      await ready(page);
      if (consentMode === 'forms_only') await page.waitForFunction(() => (window as unknown as { decided?: string }).decided === 'shown');
      await page.evaluate(() => {
        (window as unknown as Win).rapport.track('Held');
        dispatchEvent(new PageTransitionEvent('pagehide'));
      });
      expect(calls).toEqual(['/v1/onsite/config']);
      expect(await page.evaluate(() => [Object.keys(localStorage).length, Object.keys(sessionStorage).length, document.cookie])).toEqual([0, 0, '']);
      expect(await page.locator('[data-rapport-campaign]').count()).toBe(consentMode === 'forms_only' ? 1 : 0);
      await context.close();
    }
  });

  it('serves calls made through the snippet stub before and after the core arrived', async () => {
    const context = await world.context(onsiteConfig([]));
    const page = await context.newPage();
    // The snippet's stub, a call queued through it, and a reference to a stub function the page keeps.
    await page.goto(world.pageUrl('/early', { script: `${STUB}rapport.track('Early Event',{n:1});window.keptTrack=rapport.track;` }));
    const anonymousId = await ready(page);
    const [event] = await world.waitForEvents({ anonymousId, event: 'Early Event' }, 1);
    expect((event?.message as { properties: { n: number } }).properties.n).toBe(1);
    await page.evaluate(() => (window as unknown as { keptTrack(event: string): void }).keptTrack('Through Kept Stub'));
    await world.waitForEvents({ anonymousId, event: 'Through Kept Stub' }, 1);
    await waitFor('no page errors', () => page.evaluate(() => ((window as unknown as { pageErrors: string[] }).pageErrors.length === 0 ? true : undefined)));
    await context.close();
  });
});
