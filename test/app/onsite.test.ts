import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_SOURCE } from '../../src/demo/demo-api.js';
import { assign } from '../../sdk/browser/src/core/onsite/assign.js';
import type { OnsiteConfig } from '../../sdk/browser/src/core/types.js';
import { expectNoAxeViolations, newPage, screenshot, signIn, startAppWorld, type AppWorld } from './harness.js';

/*
 * The on-site screens in Chromium against a real server with the demo loaded (its starter
 * campaigns live): a marketer starts an exit-intent campaign from the gallery, gives it a
 * holdout, meets the API's own field errors, activates it, sees it in the live preview, and a
 * visitor of the demo storefront who moves to leave the page gets the widget.
 */

const MARKETER = { email: 'mia@shop.example', password: 'marketer passphrase 1' };
type Decision = { campaignId: string; outcome: string };

let world: AppWorld;
let writeKey: string;

beforeAll(async () => {
  world = await startAppWorld({ demo: true });
  // The storefront installs the SDK with the demo source's write key (as `rapport demo` creates it).
  writeKey = (await world.server.rapport.workspaces.createWriteKey('default', DEMO_SOURCE)).key;
  await world.addUser(MARKETER.email, 'marketer', MARKETER.password);
}, 180_000);
afterAll(async () => {
  await world?.stop();
});

/** The field's error text, found through the control's aria-describedby (what a screen reader reads). */
async function errorOf(page: Page, label: string | RegExp): Promise<string> {
  const control = page.getByLabel(label, { exact: typeof label === 'string' }).first();
  await expect.poll(() => control.getAttribute('aria-invalid')).toBe('true');
  const ids = (await control.getAttribute('aria-describedby')) ?? '';
  const texts = await Promise.all(ids.split(' ').map((id) => page.locator(`[id="${id}"]`).textContent()));
  return texts.join(' ');
}

const gallery = (page: Page) => page.getByRole('region', { name: 'Template gallery' });

/** An anonymous id the campaign's hash does not hold out (as the browser SDK assigns it). */
async function shownVisitor(campaignId: string): Promise<string> {
  const config = (await (await fetch(`${world.url}/v1/onsite/config?writeKey=${writeKey}`)).json()) as OnsiteConfig;
  const campaign = config.campaigns.find((entry) => entry.id === campaignId);
  expect(campaign, 'the activated campaign is in the live configuration').toBeDefined();
  for (let i = 0; i < 1000; i++) {
    const id = `app-visitor-${i}`;
    if (campaign !== undefined && assign(campaign, id)?.holdout === false) return id;
  }
  throw new Error('no visitor outside the holdout');
}

describe('on-site campaigns', () => {
  let campaignId = '';

  it('lists the live starter campaigns with their report and the template gallery', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, '/onsite');
    await page.getByRole('heading', { name: 'On-site', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: /Campaigns, highest priority first/ });
    await expect.poll(() => table.getByRole('row').count()).toBeGreaterThan(6);
    await expect
      .poll(() =>
        table
          .getByRole('row', { name: /Hello bar: free returns/ })
          .getByText('Live')
          .count(),
      )
      .toBe(1);
    // The six seed templates are in the gallery, plus a blank of every type.
    for (const name of [
      'Hello bar: free returns',
      'Side coupon: 10% welcome',
      'Popup: new collection',
      'Floating icon: reopen the popup',
      'Scratch coupon: scratch & win',
      'Free-shipping progress bar',
    ])
      await gallery(page).getByRole('link', { name, exact: true }).waitFor();
    await gallery(page).getByRole('link', { name: 'Countdown', exact: true }).waitFor();
    await page.getByRole('table', { name: /Every campaign of a template together/ }).waitFor();
    await expectNoAxeViolations(page);
    await screenshot(page, 'onsite-1440-en');
    await context.close();
  }, 60_000);

  it('creates an exit-intent campaign with a holdout from the gallery, shows the API’s field errors, activates and previews it', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, '/onsite');
    await gallery(page).getByRole('link', { name: 'Exit intent: discount tiered by CLV', exact: true }).click();
    await page.waitForURL(/\/onsite\/new\?template=exit-intent-tiered/);
    const name = page.getByLabel('Name', { exact: true });
    await expect.poll(() => name.inputValue()).toBe('Exit intent: discount tiered by CLV (2)');
    await name.fill('Exit intent: stay with us');
    await page.getByLabel('Priority', { exact: true }).fill('200');
    // Every visitor, not only those with a cart: remove the starter's cart rule.
    await page.getByRole('button', { name: 'Remove: Cart' }).click();
    await page.getByLabel('Not before (seconds on page)').fill('1');
    await page.getByLabel('Holdout (% of visitors)').fill('20');

    // A regular expression that would backtrack: the browser compiles it, the API refuses it on the field.
    await page.getByLabel('Add a rule').selectOption({ label: 'Page URL' });
    await page.getByRole('button', { name: 'Add a rule' }).click();
    await page.getByLabel('Match', { exact: true }).selectOption('regex');
    await page.getByLabel('Value', { exact: true }).fill('(a+)+$');
    // An impossible cap is refused as the marketer types, with the API's rule.
    await page.getByLabel('Show', { exact: true }).selectOption('once');
    await page.getByLabel('At most views per visitor').fill('3');
    expect(await errorOf(page, 'At most views per visitor')).toContain('Once per visitor');
    await page.getByLabel('At most views per visitor').fill('');
    await page.getByRole('button', { name: 'Save draft' }).click();
    expect(await errorOf(page, 'Value')).toMatch(/regular expression/);
    await expectNoAxeViolations(page);
    // Nothing typed was lost: fix the rule and save.
    expect(await name.inputValue()).toBe('Exit intent: stay with us');
    await page.getByLabel('Match', { exact: true }).selectOption('glob');
    await page.getByLabel('Value', { exact: true }).fill('/demo/shop*');
    await page.getByLabel('Show', { exact: true }).selectOption('session');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL(/\/onsite\/(?!new)[^/?]+$/);
    campaignId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    await page.getByText('Draft', { exact: true }).first().waitFor();

    const saved = (await world.adminCall('GET', `/api/v1/onsite/campaigns/${campaignId}`)).json<{ holdout: number; triggers: unknown[]; audience: unknown[]; priority: number }>();
    expect(saved).toMatchObject({
      holdout: 0.2,
      priority: 200,
      triggers: [{ type: 'exit_intent', minDwellSeconds: 1, mobile: false }],
      audience: [{ type: 'url', match: 'glob', value: '/demo/shop*' }],
    });

    await page.getByRole('button', { name: 'Activate' }).click();
    await page.getByText('Live', { exact: true }).first().waitFor();
    // The live preview frames the storefront with the campaign forced on.
    await page.getByRole('button', { name: 'Show the preview' }).click();
    const frame = page.frameLocator('[data-testid="onsite-preview-frame"]');
    await frame.locator(`[data-rapport-campaign="${campaignId}"] .box`).first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.getByRole('heading', { name: 'Report' }).waitFor();
    await expectNoAxeViolations(page);
    await screenshot(page, 'onsite-editor-1440-en');
    await context.close();
  }, 120_000);

  it('shows the new campaign to a storefront visitor who moves to leave the page', async () => {
    expect(campaignId).not.toBe('');
    const context = await world.browser.newContext({ viewport: { width: 1440, height: 900 }, reducedMotion: 'reduce' });
    await context.addCookies([{ name: 'ajs_anonymous_id', value: encodeURIComponent(await shownVisitor(campaignId)), url: world.url }]);
    await context.clock.install(); // the dwell below is a jump of the page's clock, not a sleep
    const page = await context.newPage();
    await page.addInitScript(() => {
      const decisions: Decision[] = [];
      Object.assign(window, { decisions });
      addEventListener('rapport:onsite', (event) => decisions.push((event as CustomEvent<Decision>).detail));
    });
    await page.goto(`${world.url}/demo/shop`);
    await page.waitForFunction(() => !Array.isArray((window as unknown as { rapport: unknown }).rapport));
    expect(await page.locator(`[data-rapport-campaign="${campaignId}"]`).count()).toBe(0);
    // Exit intent on a desktop: after the 1 s dwell, the pointer leaves through the top edge.
    await page.clock.fastForward(1500);
    await page.mouse.move(700, 300);
    await page.mouse.move(700, 5);
    await page.evaluate(() => document.dispatchEvent(new MouseEvent('mouseout', { clientX: 700, clientY: -1, relatedTarget: null, bubbles: true })));
    await page.waitForFunction((id) => (window as unknown as { decisions: Decision[] }).decisions.some((entry) => entry.campaignId === id && entry.outcome === 'shown'), campaignId, {
      timeout: 30_000,
    });
    await page.locator(`[data-rapport-campaign="${campaignId}"] .box`).first().waitFor({ state: 'visible' });
    await context.close();
  }, 60_000);

  it('detects a campaign saved by someone else meanwhile, and reloads theirs or saves over it', async () => {
    expect(campaignId).not.toBe('');
    const read = async () => (await world.adminCall('GET', `/api/v1/onsite/campaigns/${campaignId}`)).json<Record<string, unknown> & { name: string }>();
    const theirs = async (name: string) => {
      const { id: _id, status: _status, createdAt: _created, updatedAt: _updated, ...input } = await read();
      const saved = await world.adminCall('PUT', `/api/v1/onsite/campaigns/${campaignId}`, { ...input, name });
      expect(saved.statusCode, saved.body).toBe(200);
    };
    const first = (await read()).name;
    const { context, page } = await newPage(world, { locale: 'ar' });
    await signIn(page, MARKETER, `/onsite/${campaignId}?lang=ar`);
    const name = page.getByLabel('الاسم', { exact: true });
    await name.waitFor();
    await theirs('Theirs one');
    await name.fill('Mine one');
    await page.getByRole('button', { name: 'حفظ', exact: true }).click();
    const notice = page.getByRole('alert').filter({ hasText: 'حفظ شخص آخر هذه الحملة' });
    await notice.waitFor();
    expect(await name.inputValue()).toBe('Mine one');
    await expectNoAxeViolations(page);
    await screenshot(page, 'onsite-editor-conflict-1440-ar');
    await notice.getByRole('button', { name: 'حمّل نسختهم' }).click();
    await expect.poll(() => name.inputValue()).toBe('Theirs one');

    await name.fill('Mine two');
    await page.getByRole('button', { name: 'حفظ', exact: true }).click();
    await expect.poll(async () => (await read()).name).toBe('Mine two');
    await theirs('Theirs two');
    await name.fill('Mine three');
    await page.getByRole('button', { name: 'حفظ', exact: true }).click();
    await notice.waitFor();
    expect((await read()).name).toBe('Theirs two');
    await notice.getByRole('button', { name: 'احفظ نسختي فوق نسختهم' }).click();
    await expect.poll(async () => (await read()).name).toBe('Mine three');
    // The screenshots after this one show the campaign by its first name.
    await theirs(first);
    await context.close();
  }, 90_000);

  for (const [width, locale] of [
    [390, 'en'],
    [1440, 'ar'],
    [390, 'ar'],
  ] as const) {
    it(`reads at ${width} px in ${locale}`, async () => {
      const { context, page } = await newPage(world, { width, locale });
      await signIn(page, MARKETER, '/onsite');
      await page.getByRole('heading', { name: locale === 'ar' ? 'في الموقع' : 'On-site', level: 1 }).waitFor();
      await page.getByRole('table').first().getByRole('row').nth(3).waitFor();
      await expectNoAxeViolations(page);
      await screenshot(page, `onsite-${width}-${locale}`);
      await page.goto(`/onsite/${encodeURIComponent(campaignId)}`);
      await page.getByRole('heading', { name: 'Exit intent: stay with us', level: 1 }).waitFor();
      await expectNoAxeViolations(page);
      await screenshot(page, `onsite-editor-${width}-${locale}`);
      await context.close();
    }, 120_000);
  }
});
