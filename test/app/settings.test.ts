import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations, newPage, OWNER, screenshot, signIn, startAppWorld, type AppWorld } from './harness.js';

/*
 * Settings in Chromium against the demo shop: the owner invites a marketer and sees the
 * invitation link the API made, creates an admin token whose secret shows once, checks the
 * install (events received per write key), saves the brand with a field error on the field;
 * an analyst sees neither keys, tokens nor users, and the API refuses them too.
 */

let world: AppWorld;
const ANALYST = { email: 'ana@shop.example', password: 'analyst passphrase 1' };

beforeAll(async () => {
  world = await startAppWorld({ demo: true, customers: 30 });
  await world.addUser(ANALYST.email, 'analyst', ANALYST.password);
}, 240_000);
afterAll(async () => {
  await world?.stop();
});

describe('settings', () => {
  it('invites a marketer and shows the invitation link from the API', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, OWNER, '/settings/users');
    await page.getByLabel('Email', { exact: true }).fill('newbie@shop.example');
    await page.getByLabel('Role', { exact: true }).selectOption('marketer');
    await page.getByRole('button', { name: 'Create invitation' }).click();
    const link = page.getByTestId('invite-link');
    await link.waitFor();
    expect(await link.inputValue()).toMatch(new RegExp(`^${world.url}/welcome\\?invitation=[^&]+$`));
    await page.getByRole('heading', { name: 'Pending invitations' }).waitFor();
    // The link works: the invited person sets a password on it.
    const invited = await newPage(world);
    await invited.page.goto(await link.inputValue());
    await invited.page.getByRole('heading', { level: 1 }).waitFor();
    await invited.context.close();
    await expectNoAxeViolations(page);
    await screenshot(page, 'settings-users-1440-en');
    await context.close();
  });

  it('creates an admin token whose secret shows once, and reports events per write key', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, OWNER, '/settings/keys');
    await page.getByRole('heading', { name: 'New admin token' }).waitFor();
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Create' }) }).last();
    await form.getByLabel('Name').fill('Warehouse sync');
    await form.getByRole('button', { name: 'Create' }).click();
    const secret = page.getByTestId('secret');
    await secret.waitFor();
    const value = await secret.inputValue();
    expect(value.length).toBeGreaterThan(20);
    const usable = await fetch(`${world.url}/api/v1/templates`, { headers: { authorization: `Bearer ${value}` } });
    expect(usable.status).toBe(200);
    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.getByTestId('secret').count()).toBe(0);
    expect(await page.getByText(value).count()).toBe(0);
    await expectNoAxeViolations(page);
    await screenshot(page, 'settings-keys-1440-en');
    await page.goto('/settings/sdk');
    await expect.poll(() => page.getByTestId('install-status').textContent(), { timeout: 10_000 }).toMatch(/^Receiving: last event/);
    expect(await page.locator('.settings-snippet').textContent()).toMatch(/^<script async src="http:\/\/127\.0\.0\.1:\d+\/sdk\/v1\/loader\.js" data-write-key="[^"]+"><\/script>$/);
    await expectNoAxeViolations(page);
    await context.close();
  });

  it('shows the API message on the brand field it concerns, keeping the input', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, OWNER, '/settings/brand');
    await page.getByLabel('Shop name').fill('Demo Shop');
    await page.getByLabel('Shop URL').fill('https://shop.example');
    await page.getByLabel('Sender email').fill('not an address');
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await page.locator('.field.invalid').count()).toBeGreaterThan(0);
    expect(await page.getByLabel('Sender email').inputValue()).toBe('not an address');
    await page.getByLabel('Sender email').fill('hello@shop.example');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    expect((await world.adminCall('GET', '/api/v1/settings/brand')).json<{ senderEmail: string }>().senderEmail).toBe('hello@shop.example');
    await context.close();
  });

  it('detects a brand saved by someone else meanwhile, keeps the edit, and saves over theirs on request', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, OWNER, '/settings/brand');
    const shopName = page.getByLabel('Shop name');
    await shopName.waitFor();
    const current = (await world.adminCall('GET', '/api/v1/settings/brand')).json<Record<string, unknown>>();
    const theirs = await world.adminCall('PUT', '/api/v1/settings/brand', { shopName: 'Their Shop', shopUrl: current.shopUrl ?? 'https://shop.example' });
    expect(theirs.statusCode, theirs.body).toBe(200);
    await shopName.fill('My Shop');
    await page.getByLabel('Shop URL').fill('https://shop.example');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const notice = page.getByRole('alert').filter({ hasText: 'Someone else saved the brand' });
    await notice.waitFor();
    expect(await shopName.inputValue()).toBe('My Shop');
    expect((await world.adminCall('GET', '/api/v1/settings/brand')).json<{ shopName: string }>().shopName).toBe('Their Shop');
    await expectNoAxeViolations(page);
    await screenshot(page, 'settings-brand-conflict-1440-en');
    await notice.getByRole('button', { name: 'Save mine over theirs' }).click();
    await expect.poll(async () => (await world.adminCall('GET', '/api/v1/settings/brand')).json<{ shopName: string }>().shopName).toBe('My Shop');
    expect(await notice.count()).toBe(0);
    // Saved from the copy it now holds, the next save needs no override.
    await shopName.fill('Demo Shop');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => (await world.adminCall('GET', '/api/v1/settings/brand')).json<{ shopName: string }>().shopName).toBe('Demo Shop');
    await context.close();

    // The same conflict reads in Arabic, and "load their version" puts theirs in the form.
    const arabic = await newPage(world, { locale: 'ar' });
    await signIn(arabic.page, OWNER, '/settings/brand?lang=ar');
    const name = arabic.page.locator('input[required]').first();
    await name.waitFor();
    expect((await world.adminCall('PUT', '/api/v1/settings/brand', { shopName: 'متجرهم', shopUrl: 'https://shop.example' })).statusCode).toBe(200);
    await name.fill('متجري');
    await arabic.page.locator('button[type="submit"]').first().click();
    const alert = arabic.page.getByRole('alert').filter({ hasText: 'حفظ شخص آخر العلامة التجارية' });
    await alert.waitFor();
    await expectNoAxeViolations(arabic.page);
    await screenshot(arabic.page, 'settings-brand-conflict-1440-ar');
    await alert.getByRole('button', { name: 'حمّل نسختهم' }).click();
    await expect.poll(() => name.inputValue()).toBe('متجرهم');
    expect((await world.adminCall('PUT', '/api/v1/settings/brand', { shopName: 'Demo Shop', shopUrl: 'https://shop.example', senderEmail: 'hello@shop.example' })).statusCode).toBe(200);
    await arabic.context.close();
  }, 90_000);

  it('hides keys, tokens and users from an analyst; the API refuses them too', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, ANALYST, '/settings');
    await page.getByRole('navigation', { name: 'Settings sections' }).waitFor();
    expect(await page.getByRole('link', { name: 'Keys and tokens' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Users and roles' }).count()).toBe(0);
    await page.goto('/settings/keys');
    await page.getByText('Only owners and admins manage keys, tokens and users.').waitFor();
    expect(await page.getByText('Admin tokens').count()).toBe(0);
    const refused = await page.evaluate(async () => (await fetch('/api/v1/admin-tokens')).status);
    expect(refused).toBe(403);
    await context.close();
  });

  it("manages consent topics and a person's consent per topic; an analyst only reads them", async () => {
    const { context, page } = await newPage(world);
    await signIn(page, OWNER, '/settings/consent');
    const table = page.getByRole('table', { name: 'Consent topics' });
    await table.waitFor();
    await page.getByLabel('Key', { exact: true }).fill('Big Sale');
    await page.getByLabel('Label people read').fill('Big sale');
    await page.getByRole('button', { name: 'Add topic' }).click();
    await page.locator('.field.invalid .error-text').waitFor();
    await page.getByLabel('Key', { exact: true }).fill('back_in_stock');
    await page.getByLabel('Label people read').fill('Back in stock alerts');
    await page.getByRole('button', { name: 'Add topic' }).click();
    await table.getByText('back_in_stock', { exact: true }).waitFor();
    const promotions = page.getByLabel('Label: promotions');
    await promotions.fill('Deals and coupons');
    // Someone relabels it meanwhile: the save made from the label read before is refused, not lost.
    expect((await world.adminCall('PATCH', '/api/v1/consent/topics/promotions', { label: 'Their deals' })).statusCode).toBe(200);
    await table.getByRole('row').filter({ has: promotions }).getByRole('button', { name: 'Save label' }).click();
    const conflict = page.getByRole('alert').filter({ hasText: 'Someone else changed the label of promotions' });
    await conflict.waitFor();
    expect((await world.adminCall('GET', '/api/v1/consent/topics')).json<{ topics: { key: string; label: string }[] }>().topics.find((topic) => topic.key === 'promotions')?.label).toBe('Their deals');
    await expectNoAxeViolations(page);
    await conflict.getByRole('button', { name: 'Save mine over theirs' }).click();
    await page.getByText('Label saved.').waitFor();
    expect(await conflict.count()).toBe(0);
    const topics = (await world.adminCall('GET', '/api/v1/consent/topics')).json<{ topics: { key: string; label: string }[] }>().topics;
    expect(topics.map((topic) => `${topic.key}=${topic.label}`)).toEqual(expect.arrayContaining(['promotions=Deals and coupons', 'back_in_stock=Back in stock alerts']));
    await expectNoAxeViolations(page);

    const profileId = (await world.adminCall('GET', '/api/v1/profiles?limit=1')).json<{ profiles: { id: string }[] }>().profiles[0]?.id ?? '';
    await page.goto(`/profiles/${profileId}`);
    const choice = page.getByLabel('Back in stock alerts · email');
    await choice.selectOption('unsubscribed');
    await expect
      .poll(async () => (await world.adminCall('GET', `/api/v1/profiles/${profileId}/consent`)).json<{ preferences: Record<string, Record<string, string>> }>().preferences.email?.back_in_stock)
      .toBe('unsubscribed');
    await expect.poll(() => choice.inputValue()).toBe('unsubscribed');
    await expectNoAxeViolations(page);
    await context.close();

    const analyst = await newPage(world, { locale: 'ja' });
    await signIn(analyst.page, ANALYST, `/settings/consent?lang=ja`);
    await analyst.page.getByText('back_in_stock', { exact: true }).waitFor();
    expect(await analyst.page.getByRole('button', { name: 'トピックを追加' }).count()).toBe(0);
    expect(await analyst.page.locator('.settings-inline').count()).toBe(0);
    await screenshot(analyst.page, 'settings-consent-analyst-1440-ja');
    await analyst.page.goto(`/profiles/${profileId}?lang=ja`);
    const row = analyst.page.getByRole('row', { name: /Back in stock alerts/ });
    await row.waitFor();
    expect(await row.locator('select').count()).toBe(0);
    expect(await row.textContent()).toContain('購読停止');
    // Built-in topics the workspace left as they were read in the reader's language; a relabelled one as written.
    await analyst.page.getByRole('rowheader', { name: 'ニュースレターとストーリー' }).waitFor();
    await analyst.page.getByRole('rowheader', { name: 'Deals and coupons' }).waitFor();
    await screenshot(analyst.page, 'profiles-consent-analyst-1440-ja');
    await analyst.page.goto(`/profiles/${profileId}?lang=ar`);
    await analyst.page.getByRole('rowheader', { name: 'النشرة الإخبارية والقصص' }).waitFor();
    await analyst.page.getByRole('rowheader', { name: 'الوصول الجديد وانخفاض الأسعار وعودة التوفر' }).waitFor();
    await expectNoAxeViolations(analyst.page);
    await screenshot(analyst.page, 'profiles-consent-analyst-1440-ar');
    await analyst.context.close();
  }, 120_000);

  it('passes axe on every tab and keeps screenshots in English and Arabic', async () => {
    for (const [width, locale] of [
      [1440, 'en'],
      [390, 'en'],
      [1440, 'ar'],
      [390, 'ar'],
    ] as const) {
      const { context, page } = await newPage(world, { width, locale });
      await signIn(page, OWNER, '/settings');
      for (const tab of ['brand', 'sdk', 'channels', 'consent', 'identity', 'keys', 'users', 'audit']) {
        await page.goto(`/settings/${tab}`);
        await page.locator('.settings-body .card').first().waitFor();
        await expect.poll(() => page.locator('.loading').count()).toBe(0);
        if (width === 1440 && locale === 'en') await expectNoAxeViolations(page);
        if (tab === 'brand' || (width === 1440 && locale === 'en')) await screenshot(page, `settings-${tab}-${width}-${locale}`);
      }
      await context.close();
    }
  }, 240_000);
});
