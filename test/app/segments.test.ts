import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations, newPage, screenshot, signIn, startAppWorld, type AppWorld } from './harness.js';

/*
 * Segments in Chromium against the demo shop: a marketer builds "viewed a product in the last 2
 * days, no purchase" in the visual builder, sees the API's own count live, saves it; the API's
 * field errors land on the row they concern; the session ending mid-edit keeps the edit; a
 * conflicting save is shown instead of overwriting the other one.
 */

let world: AppWorld;
const MARKETER = { email: 'mia@shop.example', password: 'marketer passphrase 1' };
const BROWSE_ABANDON = {
  type: 'and',
  conditions: [
    { type: 'event', event: 'Product Viewed', window: { type: 'last', amount: 2, unit: 'days' } },
    { type: 'event', event: 'Order Completed', performed: false, window: { type: 'last', amount: 2, unit: 'days' } },
  ],
};
let savedId = '';

beforeAll(async () => {
  world = await startAppWorld({ demo: true });
  await world.addUser(MARKETER.email, 'marketer', MARKETER.password);
}, 240_000);
afterAll(async () => {
  await world?.stop();
});

const row = (page: Page, path: string) => page.locator(`[data-path="${path}"]`);
const countText = (page: Page) =>
  page
    .getByTestId('estimate-count')
    .textContent({ timeout: 2000 })
    .catch(() => null);

describe('segments', () => {
  it('a marketer builds "viewed a product in the last 2 days, no purchase", sees the API count live and saves it', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, '/segments');
    await page.getByRole('heading', { name: 'All segments' }).waitFor();
    await expect.poll(() => page.locator('tbody tr').count(), { timeout: 15_000 }).toBeGreaterThan(1);
    await expectNoAxeViolations(page);
    await screenshot(page, 'segments-list-1440-en');

    await page.getByRole('link', { name: 'New segment' }).click();
    await page.waitForURL(/\/segments\/new$/);
    await page.getByLabel('Name', { exact: true }).fill('Browsed, no purchase (2 days)');
    // The first row starts as "did Product Viewed in the last 7 days".
    const first = row(page, 'condition.conditions.0');
    await expect.poll(() => first.getByLabel('Event', { exact: true }).inputValue()).toBe('Product Viewed');
    await first.getByLabel('Amount').fill('2');
    // A second row, keyboard only: focus "Add condition" and press Enter.
    await page.getByRole('button', { name: '+ Add condition' }).first().focus();
    await page.keyboard.press('Enter');
    const second = row(page, 'condition.conditions.1');
    await second.getByLabel('Did or did not').selectOption('didNot');
    await second.getByLabel('Event', { exact: true }).fill('Order Completed');
    await second.getByLabel('Amount').fill('2');

    const api = await world.adminCall('POST', '/api/v1/segments/estimate', { condition: BROWSE_ABANDON });
    expect(api.statusCode, api.body).toBe(200);
    const size = api.json<{ size: number; exact: boolean }>().size;
    expect(size).toBeGreaterThan(0);
    await expect.poll(() => countText(page), { timeout: 10_000 }).toBe(`${size} people`);
    await expect.poll(() => page.locator('.seg-sample a').count()).toBeGreaterThan(0);
    expect(await page.locator('.seg-sample a').first().getAttribute('href')).toMatch(/^\/profiles\/.+/);
    await expectNoAxeViolations(page);
    await screenshot(page, 'segments-builder-1440-en');

    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.waitForURL(/\/segments\/seg_[^/]+$/);
    savedId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    const saved = await world.adminCall('GET', `/api/v1/segments/${savedId}`);
    expect(saved.json()).toMatchObject({ name: 'Browsed, no purchase (2 days)', condition: BROWSE_ABANDON });
    await context.close();
  });

  it("shows the API's field errors on the row they concern", async () => {
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, '/segments/new');
    const first = row(page, 'condition.conditions.0');
    await first.getByLabel('Amount').fill('0');
    await expect.poll(() => first.getAttribute('class')).toContain('invalid');
    expect(await first.getByRole('alert').textContent()).toMatch(/window\.amount/);
    await page.getByText('Fix the highlighted conditions to see a count.').waitFor();
    // Fixing it clears the row and brings the count back; nothing typed was lost.
    await first.getByLabel('Amount').fill('3');
    await expect.poll(() => first.getAttribute('class')).not.toContain('invalid');
    await expect.poll(() => countText(page)).toMatch(/^\d+ people$/);
    await context.close();
  });

  it('keeps the edit in progress when the session ends: sign in again above the builder, then save', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, `/segments/${savedId}`);
    const name = page.getByLabel('Name', { exact: true });
    await expect.poll(() => name.inputValue()).toBe('Browsed, no purchase (2 days)');
    await name.fill('Browsed, no purchase (edited)');
    // Somewhere else, the same person signs out everywhere.
    const other = await newPage(world);
    await signIn(other.page, MARKETER);
    await other.page.evaluate(async () => {
      const me = (await (await fetch('/api/v1/auth/me')).json()) as { csrfToken: string };
      await fetch('/api/v1/auth/sign-out-everywhere', { method: 'POST', headers: { 'x-csrf-token': me.csrfToken } });
    });
    await other.context.close();
    // The next call from the builder (the live estimate) finds the session ended.
    await row(page, 'condition.conditions.0').getByLabel('Amount').fill('3');
    const dialog = page.getByRole('dialog', { name: 'Sign in again' });
    await dialog.waitFor();
    await screenshot(page, 'segments-session-ended-1440-en');
    await dialog.getByLabel(/password/i).fill(MARKETER.password);
    await dialog.getByRole('button', { name: /sign in/i }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await name.inputValue()).toBe('Browsed, no purchase (edited)');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const saved = (await world.adminCall('GET', `/api/v1/segments/${savedId}`)).json<{ name: string; condition: { conditions: { window: { amount: number } }[] } }>();
    expect(saved.name).toBe('Browsed, no purchase (edited)');
    expect(saved.condition.conditions[0]?.window.amount).toBe(3);
    await context.close();
  });

  it('detects a conflicting edit instead of overwriting it, and lets the marketer choose', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, `/segments/${savedId}`);
    const name = page.getByLabel('Name', { exact: true });
    await expect.poll(() => name.inputValue()).toBe('Browsed, no purchase (edited)');
    expect((await world.adminCall('PATCH', `/api/v1/segments/${savedId}`, { name: 'Renamed by a colleague' })).statusCode).toBe(200);
    await name.fill('Mine');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByText('Someone else saved this segment').waitFor();
    expect((await world.adminCall('GET', `/api/v1/segments/${savedId}`)).json<{ name: string }>().name).toBe('Renamed by a colleague');
    await expectNoAxeViolations(page);
    await page.getByRole('button', { name: 'Save mine over theirs' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect((await world.adminCall('GET', `/api/v1/segments/${savedId}`)).json<{ name: string }>().name).toBe('Mine');
    await context.close();
  });

  it('shows size over time, members, explain and destinations of a saved segment', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, `/segments/${savedId}?tab=size`);
    await page.getByRole('heading', { name: 'Members per day' }).waitFor();
    await expectNoAxeViolations(page);
    await page.getByRole('tab', { name: 'Size over time' }).press('ArrowRight');
    await page.waitForURL(/tab=members/);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export members (CSV)' }).click();
    expect((await download).suggestedFilename()).toMatch(/\.csv$/);
    await page.getByRole('tab', { name: 'Explain' }).click();
    await page.locator('.seg-chip').first().click();
    await page.getByText(/^(In the segment|Not in the segment)$/).waitFor();
    await expectNoAxeViolations(page);
    await context.close();
  });

  it('creates an audience by days since the last visit in one click', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, '/segments');
    await page.getByRole('button', { name: 'Visited in the last 7 days' }).click();
    await page.waitForURL(/\/segments\/seg_/);
    await page.getByRole('heading', { name: 'Visited in the last 7 days', level: 1 }).waitFor();
    await context.close();
  });

  it('fits a phone and reads right to left in Arabic', async () => {
    // One session (sign-in is rate limited per person): the viewport and ?lang= change between shots.
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, '/segments');
    for (const [width, locale] of [
      [390, 'en'],
      [1440, 'ar'],
      [390, 'ar'],
    ] as const) {
      await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
      await page.goto(`/segments?lang=${locale}`);
      await expect.poll(() => page.locator('tbody tr').count(), { timeout: 15_000 }).toBeGreaterThan(1);
      expect(await page.evaluate(() => document.documentElement.dir)).toBe(locale === 'ar' ? 'rtl' : 'ltr');
      await expectNoAxeViolations(page);
      await screenshot(page, `segments-list-${width}-${locale}`);
      await page.goto(`/segments/new?preset=browse-abandon&lang=${locale}`);
      await expect.poll(() => countText(page), { timeout: 10_000 }).toMatch(/[\d\u0660-\u0669]/);
      await expectNoAxeViolations(page);
      await screenshot(page, `segments-builder-${width}-${locale}`);
    }
    await context.close();
  }, 240_000);
});
