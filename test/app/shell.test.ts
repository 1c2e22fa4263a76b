import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations, newPage, OWNER, screenshot, signIn, startAppWorld, type AppWorld } from './harness.js';

/*
 * The dashboard's frame in Chromium: served at / with its hashed assets, sign-in and the
 * redirect back, the navigation, Arabic right to left, the session ending under an open screen,
 * and an analyst's read-only role. Screens have their own files.
 */

let world: AppWorld;

beforeAll(async () => {
  world = await startAppWorld({ demo: false });
}, 180_000);
afterAll(async () => {
  await world?.stop();
});

describe('the dashboard frame', () => {
  it('serves index.html for client routes and immutable, pre-compressed assets', async () => {
    const page = await fetch(`${world.url}/segments/seg_x?tab=members`, { headers: { 'accept-encoding': 'br' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${world.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect((await fetch(`${world.url}/assets/nope.js`)).status).toBe(404);
    // The API keeps its own 404s.
    expect((await fetch(`${world.url}/api/v1/nope`)).headers.get('content-type')).toMatch(/json/);
  });

  it('sends a visitor to sign-in and back to the page they asked for', async () => {
    const { context, page } = await newPage(world);
    await page.goto('/?tab=kpis');
    await expect.poll(() => page.url()).toMatch(/\/sign-in\?next=/);
    await expectNoAxeViolations(page);
    await screenshot(page, 'sign-in-1440-en');
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill('wrong password 1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('The email or the password is wrong.');
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/\?tab=kpis$/);
    await context.close();
  });

  it('mirrors the frame in Arabic and keeps keyboard focus visible', async () => {
    const { context, page } = await newPage(world, { locale: 'ar' });
    await signIn(page);
    expect(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(['ar', 'rtl']);
    await expect.poll(() => page.getByRole('navigation', { name: 'الرئيسي' }).isVisible()).toBe(true);
    const navBox = await page.locator('#main-nav').boundingBox();
    expect(navBox?.x ?? 0).toBeGreaterThan(600);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('انتقل إلى المحتوى');
    await expectNoAxeViolations(page);
    await screenshot(page, 'home-1440-ar');
    await context.close();
  });

  it('lets an analyst read but not change', async () => {
    await world.addUser('ana@shop.example', 'analyst', 'analyst passphrase 1');
    const { context, page } = await newPage(world);
    await signIn(page, { email: 'ana@shop.example', password: 'analyst passphrase 1' });
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json());
    expect(me.role).toBe('analyst');
    const refused = await page.evaluate(
      async (csrf: string) =>
        (await fetch('/api/v1/segments', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ name: 'x', condition: {} }) })).status,
      me.csrfToken as string,
    );
    expect(refused).toBe(403);
    await context.close();
  });

  it('fits a phone: the navigation opens from the menu button', async () => {
    const { context, page } = await newPage(world, { width: 390 });
    await signIn(page);
    await expect.poll(() => page.locator('#main-nav').isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    await expect.poll(() => page.locator('#main-nav').isVisible()).toBe(true);
    await expectNoAxeViolations(page);
    await screenshot(page, 'home-390-en-menu');
    await context.close();
  });
});
