import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expectNoAxeViolations, newPage, OWNER, screenshot, signIn, startAppWorld, type AppWorld } from './harness.js';

/*
 * The Messages screen in Chromium against the demo shop: a marketer writes an email template in
 * the editor, previews it for a demo customer (the preview iframe carries their first name) at
 * desktop and mobile widths, sees a Liquid syntax error at the line the API names, test-sends it
 * and finds the API's answer on screen and the mail in the built-in outbox (SMTP is configured
 * only by environment at start, so the outbox is the delivery here). SMS counts segments as the
 * user types; every tab passes axe in English and Arabic at 1440 and 390 px.
 */

let world: AppWorld;
let firstName: string;
let profileId: string;
const MARKETER = { email: 'mia@shop.example', password: 'marketer passphrase 1' };

beforeAll(async () => {
  world = await startAppWorld({ demo: true, customers: 40 });
  await world.addUser(MARKETER.email, 'marketer', MARKETER.password);
  const profiles = (await world.adminCall('GET', '/api/v1/profiles?limit=50')).json<{ profiles: { id: string; traits: Record<string, unknown> }[] }>().profiles;
  const first = profiles.find((profile) => typeof profile.traits.firstName === 'string');
  if (first === undefined) throw new Error('the demo made no named profile');
  profileId = first.id;
  firstName = String(first.traits.firstName);
}, 240_000);
afterAll(async () => {
  await world?.stop();
});

const BODY = [
  '<mjml>',
  '  <mj-body>',
  '    <mj-section>',
  '      <mj-column>',
  '        <mj-text>Welcome aboard, {{ profile.first_name }}!</mj-text>',
  '      </mj-column>',
  '    </mj-section>',
  '  </mj-body>',
  '</mjml>',
].join('\n');

async function previewHtml(page: Page): Promise<string> {
  const frame = page.locator('iframe[sandbox=""]');
  await frame.waitFor();
  return (await frame.getAttribute('srcdoc')) ?? '';
}

describe('messages', () => {
  let templateUrl: string;

  it('creates an email template, edits it and previews it for a demo customer', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, '/messages');
    await page.getByRole('heading', { name: 'Messages', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Welcome aboard');
    await page.getByRole('button', { name: 'Create and edit' }).click();
    await page.waitForURL(/\/messages\/templates\/[^/]+$/);
    templateUrl = new URL(page.url()).pathname;
    const body = page.getByLabel('MJML or HTML with Liquid');
    await body.fill(BODY);
    await page.getByLabel('Subject').fill('Hello {{ profile.first_name }}');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText(/Saved as version 2/).waitFor();
    await page.getByLabel('Preview for').selectOption(profileId);
    await expect.poll(() => previewHtml(page), { timeout: 15_000 }).toContain(`Welcome aboard, ${firstName}!`);
    expect(await page.getByText(`Subject: Hello ${firstName}`).count()).toBe(1);
    // The rendered mail shows inside the sandboxed frame, at desktop and then phone width.
    const desktop = await page.locator('.messages-frame').boundingBox();
    await page.getByRole('button', { name: 'Mobile' }).click();
    const mobile = await page.locator('.messages-frame').boundingBox();
    expect(mobile?.width).toBeLessThanOrEqual(375);
    expect(desktop?.width ?? 0).toBeGreaterThan(mobile?.width ?? 0);
    await expectNoAxeViolations(page);
    await screenshot(page, 'messages-editor-1440-en');
    await context.close();
  }, 90_000);

  it('shows a Liquid syntax error at the line the API names, keeping what was typed', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, templateUrl);
    const body = page.getByLabel('MJML or HTML with Liquid');
    await body.waitFor();
    const broken = BODY.replace('{{ profile.first_name }}!', '{% if profile.first_name %}{{ profile.first_name }}!');
    await body.fill(broken);
    await page.getByRole('button', { name: 'Save draft' }).click();
    const error = page.locator('.field.invalid .error-text');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^Line 5 — line 5, column \d+: /);
    expect(await page.locator('.code-gutter .code-line-error').textContent()).toBe('5');
    expect(await body.inputValue()).toBe(broken);
    await page.getByRole('button', { name: 'Go to line 5' }).click();
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA');
    await expectNoAxeViolations(page);
    await context.close();
  });

  it('detects a template saved by someone else meanwhile, and reloads theirs or saves over it', async () => {
    const id = templateUrl.split('/').at(-1) ?? '';
    type Detail = { latestVersion: number; source: { default: Record<string, string> } };
    const read = async () => (await world.adminCall('GET', `/api/v1/templates/${id}`)).json<Detail>();
    const theirs = async (subject: string) => {
      const current = await read();
      const saved = await world.adminCall('PUT', `/api/v1/templates/${id}`, { source: { default: { ...current.source.default, subject } }, publish: false });
      expect(saved.statusCode, saved.body).toBe(200);
    };
    const { context, page } = await newPage(world, { locale: 'ja' });
    await signIn(page, MARKETER, `${templateUrl}?lang=ja`);
    const subject = page.getByLabel('件名');
    await subject.waitFor();
    await theirs('Theirs one');
    await subject.fill('Mine one');
    await page.getByRole('button', { name: '下書き保存' }).click();
    const notice = page.getByRole('alert').filter({ hasText: '他の人がバージョン' });
    await notice.waitFor();
    expect(await subject.inputValue()).toBe('Mine one');
    await expectNoAxeViolations(page);
    await screenshot(page, 'messages-editor-conflict-1440-ja');
    await notice.getByRole('button', { name: '相手の版を読み込む' }).click();
    await expect.poll(() => subject.inputValue()).toBe('Theirs one');
    expect(await notice.count()).toBe(0);

    // From their version, a save goes through; another save meanwhile is overwritten on request.
    await subject.fill('Mine two');
    await page.getByRole('button', { name: '下書き保存' }).click();
    await expect.poll(async () => (await read()).source.default.subject).toBe('Mine two');
    await theirs('Theirs two');
    await subject.fill('Mine three');
    await page.getByRole('button', { name: '下書き保存' }).click();
    await notice.waitFor();
    expect((await read()).source.default.subject).toBe('Theirs two');
    await notice.getByRole('button', { name: '自分の版で上書き保存' }).click();
    await expect.poll(async () => (await read()).source.default.subject).toBe('Mine three');
    // The tests after this one send the template with its first subject.
    await theirs('Hello {{ profile.first_name }}');

    // Errors the editor does not handle itself are shown by their code in the reader's language.
    await page.goto('/messages/templates/tpl_missing?lang=ja');
    const missing = page.getByRole('alert');
    await missing.waitFor();
    expect(await missing.textContent()).toContain('見つかりません');
    expect(await missing.textContent()).toContain('not_found');
    await page.goto('/messages/templates/tpl_missing?lang=ar');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('غير موجود');
    await screenshot(page, 'messages-error-1440-ar');
    await context.close();
  }, 90_000);

  it('detects a snippet saved by someone else meanwhile, keeps the edit, and loads theirs or saves over it', async () => {
    type Detail = { version: number; source: string };
    const read = async () => (await world.adminCall('GET', '/api/v1/snippets/signature')).json<Detail>();
    expect((await world.adminCall('PUT', '/api/v1/snippets/signature', { source: '<p>v1</p>', description: 'Signature' })).statusCode).toBe(201);
    const { context, page } = await newPage(world, { locale: 'ar' });
    // The owner edits here: the marketer's sign-ins in this file are at the per-email limit (10 an hour).
    await signIn(page, OWNER, '/messages/snippets?lang=ar');
    await page.locator('button[aria-label$=": signature"]').first().click();
    const source = page.locator('textarea');
    await expect.poll(() => source.inputValue()).toBe('<p>v1</p>');
    expect((await world.adminCall('PUT', '/api/v1/snippets/signature', { source: '<p>theirs</p>' })).statusCode).toBe(200);
    await source.fill('<p>mine</p>');
    await page.locator('form button[type="submit"]').click();
    const notice = page.getByRole('alert').filter({ hasText: 'حفظ شخص آخر الإصدار' });
    await notice.waitFor();
    expect(await source.inputValue()).toBe('<p>mine</p>');
    expect((await read()).source).toBe('<p>theirs</p>');
    await expectNoAxeViolations(page);
    await screenshot(page, 'messages-snippet-conflict-1440-ar');
    await notice.getByRole('button', { name: 'حمّل نسختهم' }).click();
    await expect.poll(() => source.inputValue()).toBe('<p>theirs</p>');
    // From their version a save goes through; after another save meanwhile, "save mine over theirs" wins.
    await source.fill('<p>mine two</p>');
    await page.locator('form button[type="submit"]').click();
    await expect.poll(async () => (await read()).source).toBe('<p>mine two</p>');
    // Opened afresh (version 3), then someone saves version 4.
    await page.reload();
    await page.locator('button[aria-label$=": signature"]').first().click();
    await expect.poll(() => source.inputValue()).toBe('<p>mine two</p>');
    expect((await world.adminCall('PUT', '/api/v1/snippets/signature', { source: '<p>theirs two</p>' })).statusCode).toBe(200);
    await source.fill('<p>mine three</p>');
    await page.locator('form button[type="submit"]').click();
    await notice.waitFor();
    await notice.getByRole('button', { name: 'احفظ نسختي فوق نسختهم' }).click();
    await expect.poll(async () => (await read()).source).toBe('<p>mine three</p>');
    expect((await read()).version).toBe(5);
    await context.close();
  }, 90_000);

  it('test-sends the rendering to an address and shows the API result', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, templateUrl);
    await page.getByLabel('Preview for').selectOption(profileId);
    await page.getByLabel('Send to').fill('qa@team.example');
    await page.getByRole('button', { name: 'Send test' }).click();
    const result = page.getByTestId('test-send-result');
    await result.waitFor();
    expect(await result.textContent()).toMatch(/^Test send: Sent \(message msg_[\w-]+\)$/);
    const outbox = (await world.adminCall('GET', '/api/v1/outbox?limit=10')).json<{ messages: { to: string; subject: string }[] }>();
    expect(outbox.messages.find((mail) => mail.to === 'qa@team.example')?.subject).toBe(`[TEST] Hello ${firstName}`);
    await context.close();
  });

  it('counts SMS segments as the user types, UCS-2 for Arabic', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, '/messages/templates');
    await page.getByLabel('Name', { exact: true }).fill('Back in stock SMS');
    await page.getByLabel('Channel').selectOption('sms');
    await page.getByRole('button', { name: 'Create and edit' }).click();
    const body = page.getByLabel('Body');
    await body.waitFor();
    await body.fill('a'.repeat(161));
    expect(await page.getByTestId('sms-segments').textContent()).toMatch(/^2 segments · 161 characters · GSM-7/);
    await body.fill('مرحبا، عاد المنتج الذي أعجبك إلى المخزون');
    expect(await page.getByTestId('sms-segments').textContent()).toMatch(/^1 segment · \d+ characters · UCS-2/);
    await body.fill('在庫が戻りました'.repeat(10));
    expect(await page.getByTestId('sms-segments').textContent()).toMatch(/^2 segments · 80 characters · UCS-2/);
    await context.close();
  });

  it('filters the message log on the server by channel, status and days, kept in the link', async () => {
    const template = await world.adminCall('POST', '/api/v1/templates', { name: 'Log check inbox', channel: 'inbox', source: { default: { title: 'Hi', body: 'A note' } } });
    expect(template.statusCode, template.body).toBe(201);
    const templateId = template.json<{ id: string }>().id;
    for (let index = 0; index < 3; index += 1) {
      const sent = await world.adminCall('POST', '/api/v1/channels/send', { profileId, channel: 'inbox', templateId, idempotencyKey: `log-check-${index}` });
      expect(sent.statusCode, sent.body).toBeLessThan(300);
    }
    const inbox = (await world.adminCall('GET', '/api/v1/messages?channel=inbox&limit=100')).json<{ messages: { id: string; status: string }[] }>().messages;
    expect(inbox.length).toBeGreaterThanOrEqual(3);
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, '/messages/log');
    const log = page.getByRole('table', { name: 'Messages sent, newest first' });
    await log.waitFor();
    await page.getByLabel('Channel').selectOption('inbox');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/channel=inbox/);
    await expect.poll(() => log.locator('tbody tr').count(), { timeout: 10_000 }).toBe(inbox.length);
    expect(await log.locator('tbody tr').first().textContent()).toContain('Log check inbox');

    // A shared link opens on its filter, and the server answers it: no inbox message failed, none is that old.
    const status = inbox[0]?.status ?? 'sent';
    await page.goto(`/messages/log?channel=inbox&status=${status}`);
    expect(await page.getByLabel('Status').inputValue()).toBe(status);
    await expect.poll(() => log.locator('tbody tr').count(), { timeout: 10_000 }).toBe(inbox.filter((message) => message.status === status).length);
    await page.goto('/messages/log?channel=inbox&status=failed');
    await expect.poll(() => log.locator('tbody td').first().textContent(), { timeout: 10_000 }).not.toContain('Log check inbox');
    expect(await log.locator('tbody tr').count()).toBe(1);
    await page.goto('/messages/log?channel=inbox&from=2001-01-01&to=2001-01-31');
    await expect.poll(() => log.locator('tbody tr').count(), { timeout: 10_000 }).toBe(1);
    expect(await log.locator('tbody').textContent()).not.toContain('Log check inbox');
    await expectNoAxeViolations(page);
    for (const locale of ['ar', 'ja'] as const) {
      await page.goto(`/messages/log?channel=inbox&lang=${locale}`);
      await expect.poll(() => page.locator('table tbody tr').count(), { timeout: 10_000 }).toBe(inbox.length);
      await screenshot(page, `messages-log-filtered-1440-${locale}`);
    }
    await context.close();
  }, 120_000);

  it('passes axe on every tab and keeps screenshots in English and Arabic', async () => {
    await world.adminCall('POST', '/api/v1/suppressions', { channel: 'email', address: 'bounced@shop.example', reason: 'bounced' });
    await world.adminCall('PUT', '/api/v1/snippets/footer', { source: '<p>{{ brand.name }}</p>', description: 'Shop footer' });
    for (const [width, locale] of [
      [1440, 'en'],
      [390, 'en'],
      [1440, 'ar'],
      [390, 'ar'],
    ] as const) {
      const { context, page } = await newPage(world, { width, locale });
      await signIn(page, MARKETER, '/messages');
      for (const tab of ['templates', 'snippets', 'coupons', 'log', 'suppression']) {
        await page.goto(`/messages/${tab}`);
        await page.locator('.messages-body .card').first().waitFor();
        await expect.poll(() => page.locator('.loading').count()).toBe(0);
        if (width === 1440 && locale === 'en') await expectNoAxeViolations(page);
        if (tab === 'templates' || (width === 1440 && locale === 'en')) await screenshot(page, `messages-${tab}-${width}-${locale}`);
      }
      await page.goto(templateUrl);
      await page
        .frameLocator('iframe[sandbox=""]')
        .getByText(/Welcome aboard, \S+!/)
        .waitFor();
      await expectNoAxeViolations(page);
      await screenshot(page, `messages-editor-${width}-${locale}`);
      await context.close();
    }
  }, 240_000);
});
