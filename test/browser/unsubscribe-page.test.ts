import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/channel-peers.js';
import { basicAuth } from '../helpers/server.js';
import { tempDir } from '../helpers/databases.js';
import { axeViolations } from '../onsite/widget-harness.js';

/*
 * The hosted unsubscribe / preferences page in a real browser (Debian's Chromium, headless),
 * against a real server that sent the email through a real SMTP server, plus the RFC 8058
 * one-click POST a mail client makes, and a check that no secret leaks through the API.
 */

const CHROMIUM = '/usr/bin/chromium';
const SMTP_PASSWORD = 'hunter2-smtp-secret';
// Beside the dashboard's screenshots (test/app), where the README's pictures come from.
const ARTIFACTS = 'test-artifacts/app';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address !== null && typeof address !== 'string' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

describe('unsubscribe and preferences pages (headless Chromium)', () => {
  let rapport: Rapport;
  let smtp: SmtpPeer;
  let browser: Browser;
  let base: string;
  const admin = { authorization: 'Bearer ADM', 'content-type': 'application/json' };

  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${base}${path}`, { method, headers: admin, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  async function profileId(userId: string): Promise<string> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const response = await fetch(`${base}/api/v1/profiles/lookup?type=user_id&value=${userId}`, { headers: admin });
      if (response.ok) return ((await response.json()) as { id: string }).id;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`profile ${userId} never appeared`);
  }

  beforeAll(async () => {
    smtp = await startSmtpPeer({ user: 'shop', password: SMTP_PASSWORD });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    rapport = await createRapport(
      loadConfig({
        RAPPORT_DATA_DIR: tempDir(),
        RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK',
        RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM',
        RAPPORT_LOG_LEVEL: 'silent',
        RAPPORT_SMTP_URL: smtp.url,
        RAPPORT_SMTP_FROM: 'Shop <news@shop.example>',
        RAPPORT_PUBLIC_URL: base,
      }),
      { processor: 'inline' },
    );
    await rapport.app.listen({ port, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const identify = await fetch(`${base}/v1/batch`, {
      method: 'POST',
      headers: { authorization: basicAuth('WK'), 'content-type': 'application/json' },
      body: JSON.stringify({
        batch: [
          { type: 'identify', userId: 'ann', traits: { email: 'ann@example.com', first_name: 'Ann' } },
          { type: 'identify', userId: 'bob', traits: { email: 'bob@example.com', first_name: 'Bob' } },
        ],
      }),
    });
    expect(identify.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await rapport?.close();
    await smtp?.close();
  });

  it('lets a person keep a parting gift, choose topics, then unsubscribe, in a real browser', async () => {
    const ann = await profileId('ann');
    const template = await api<{ id: string }>('POST', '/api/v1/templates/starters/win_back');
    await api('POST', '/api/v1/coupons/pools', { name: 'Parting gift', prefix: 'STAY-', rule: { kind: 'fixed', offer: { type: 'percent', value: 15 } }, partingGift: true });
    const sent = await api<{ status: string; messageId: string }>('POST', '/api/v1/channels/send', { profileId: ann, channel: 'email', templateId: template.id, idempotencyKey: 'winback-ann' });
    expect(sent.status).toBe('sent');
    const [mail] = await smtp.waitFor(1);
    const header = mail?.headerLines.find((line) => line.key === 'list-unsubscribe')?.line ?? '';
    const link = /<(http[^>]+)>/.exec(header)?.[1];
    expect(link?.startsWith(`${base}/v1/u/`)).toBe(true);
    // The footer link in the body is the same page.
    expect(mail?.html).toContain(link);

    const page = await browser.newPage();
    // The page's Content-Security-Policy must leave it working: its styles apply, nothing is refused.
    const refused: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) refused.push(message.text());
    });
    await page.goto(link ?? '');
    expect(await page.title()).toContain('email preferences');
    expect(await page.$eval('#stay', (button) => getComputedStyle(button).backgroundColor)).toBe('rgb(47, 111, 237)');
    expect(await page.textContent('#address')).toBe('a***@example.com');
    expect(await page.textContent('#parting-gift')).toContain('15% off');

    // The parting gift: stay subscribed and get a code.
    await Promise.all([page.waitForNavigation(), page.click('#stay')]);
    const code = await page.textContent('#coupon-code');
    expect(code).toMatch(/^STAY-[2-9A-HJKMNP-Z]{12}$/);
    expect(await page.isVisible('#parting-gift')).toBe(false);

    // Topics: leave promotions.
    await page.uncheck('input[value="promotions"]');
    await Promise.all([page.waitForNavigation(), page.click('#save')]);
    expect(await page.textContent('#notice')).toBe('Your choices are saved.');
    expect(await page.isChecked('input[value="promotions"]')).toBe(false);
    expect(await page.isChecked('input[value="newsletter"]')).toBe(true);

    // Then leave altogether.
    await Promise.all([page.waitForNavigation(), page.click('#unsubscribe-all')]);
    expect(await page.textContent('#state')).toContain('You are unsubscribed from email');
    expect(refused).toEqual([]);
    await page.close();

    const consent = await api<{ preferences: { email: Record<string, string> }; changes: { source: string }[] }>('GET', `/api/v1/profiles/${ann}/consent`);
    expect(consent.preferences.email).toMatchObject({ all: 'unsubscribed', promotions: 'unsubscribed', newsletter: 'subscribed' });
    expect(consent.changes.map((change) => change.source)).toContain('unsubscribe_page');
    const suppressions = await api<{ suppressions: { address: string; reason: string }[] }>('GET', '/api/v1/suppressions?channel=email');
    expect(suppressions.suppressions).toContainEqual(expect.objectContaining({ address: 'ann@example.com', reason: 'unsubscribed' }));
    const again = await api<{ status: string; reason: string }>('POST', '/api/v1/channels/send', { profileId: ann, channel: 'email', templateId: template.id, idempotencyKey: 'winback-ann-2' });
    expect(again).toMatchObject({ status: 'suppressed' });
    expect(smtp.mails).toHaveLength(1);
  });

  it('honours the RFC 8058 one-click POST, tracks opens and clicks, and rejects forged links', async () => {
    const bob = await profileId('bob');
    const template = await api<{ id: string }>('POST', '/api/v1/templates', {
      name: 'News',
      channel: 'email',
      source: { default: { subject: 'News for {{ profile.first_name }}', body: '<html><body><p><a href="https://shop.example/new?x=1&amp;y=2">New</a></p></body></html>', format: 'html' } },
    });
    const sent = await api<{ messageId: string }>('POST', '/api/v1/channels/send', { profileId: bob, channel: 'email', templateId: template.id, idempotencyKey: 'news-bob' });
    const mails = await smtp.waitFor(2);
    const mail = mails[mails.length - 1];
    const html = String(mail?.html);
    const click = /href="([^"]+\/v1\/c\/[^"]+)"/.exec(html)?.[1] ?? '';
    const pixel = /src="([^"]+\/v1\/o\/[^"]+)"/.exec(html)?.[1] ?? '';
    expect((await fetch(pixel)).headers.get('content-type')).toBe('image/gif');
    const redirect = await fetch(click, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('https://shop.example/new?x=1&y=2');
    // Same signature, another destination: the redirect must refuse it (no open redirect).
    const token = click.slice(click.indexOf('/v1/c/') + 6);
    const [body, mac] = token.split('.');
    const payload = JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8')) as Record<string, string>;
    const evil = Buffer.from(JSON.stringify({ ...payload, u: 'https://evil.example/' })).toString('base64url');
    const forged = await fetch(`${base}/v1/c/${evil}.${mac}`, { redirect: 'manual' });
    expect(forged.status).toBe(404);
    const message = await api<{ status: string; openedAt: string | null }>('GET', `/api/v1/messages/${sent.messageId}`);
    expect(message.status).toBe('clicked');
    expect(message.openedAt).not.toBeNull();

    const link = /<(http[^>]+)>/.exec(mail?.headerLines.find((line) => line.key === 'list-unsubscribe')?.line ?? '')?.[1] ?? '';
    const oneClick = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    const consent = await api<{ changes: { channel: string; status: string; source: string }[] }>('GET', `/api/v1/profiles/${bob}/consent`);
    expect(consent.changes).toContainEqual(expect.objectContaining({ channel: 'email', status: 'unsubscribed', source: 'list_unsubscribe' }));
  });

  it("reads in the shopper's language: built-in topics by key, a workspace's own label as written", async () => {
    const identify = await fetch(`${base}/v1/batch`, {
      method: 'POST',
      headers: { authorization: basicAuth('WK'), 'content-type': 'application/json' },
      body: JSON.stringify({ batch: [{ type: 'identify', userId: 'rana', traits: { email: 'rana@example.com', locale: 'ar-SA' } }] }),
    });
    expect(identify.status).toBe(200);
    const rana = await profileId('rana');
    await api('PATCH', '/api/v1/consent/topics/newsletter', { label: 'The Alpine Journal' });
    const template = await api<{ id: string }>('POST', '/api/v1/templates', {
      name: 'Arabic news',
      channel: 'email',
      source: { default: { subject: 'أخبار', body: '<html><body><p>مرحبا</p></body></html>', format: 'html' } },
    });
    const before = smtp.mails.length;
    await api('POST', '/api/v1/channels/send', { profileId: rana, channel: 'email', templateId: template.id, idempotencyKey: 'news-rana' });
    const mails = await smtp.waitFor(before + 1);
    const mail = mails[mails.length - 1];
    const link = /<(http[^>]+)>/.exec(mail?.headerLines.find((line) => line.key === 'list-unsubscribe')?.line ?? '')?.[1] ?? '';
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(link);
    expect(await page.getAttribute('html', 'lang')).toBe('ar');
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.textContent('h1')).toBe('تفضيلات البريد الإلكتروني الخاصة بك');
    const label = async (key: string) => (await page.textContent(`label:has(input[value="${key}"])`))?.trim();
    expect(await label('promotions')).toBe('التخفيضات والقسائم والعروض');
    expect(await label('product_news')).toBe('الوصول الجديد وانخفاض الأسعار وعودة التوفر');
    expect(await label('newsletter')).toBe('The Alpine Journal');
    expect(await axeViolations(page)).toEqual([]);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/preferences-page-390-ar.png`, fullPage: true });
    await page.uncheck('input[value="promotions"]');
    await Promise.all([page.waitForNavigation(), page.click('#save')]);
    expect(await page.textContent('#notice')).toBe('حُفظت اختياراتك.');
    await page.close();
  });

  it('never returns a secret through the API', async () => {
    const texts = await Promise.all(['/api/v1/channels', '/api/v1/openapi.json', '/api/v1/channels/webhooks'].map(async (path) => (await fetch(`${base}${path}`, { headers: admin })).text()));
    const openapi = JSON.parse(texts[1] ?? '{}') as { paths?: Record<string, unknown> };
    expect(Object.keys(openapi.paths ?? {})).toEqual(
      expect.arrayContaining(['/api/v1/channels/send', '/api/v1/templates/{id}/preview', '/api/v1/coupons/report', '/api/v1/privacy/erasures', '/v1/inbox']),
    );
    const created = await api<{ secret: string; id: string }>('POST', '/api/v1/channels/webhooks', { url: 'https://hooks.example/rapport' });
    expect(created.secret).toMatch(/^whsec_/);
    const listed = await (await fetch(`${base}/api/v1/channels/webhooks`, { headers: admin })).text();
    for (const text of [...texts, listed]) {
      expect(text).not.toContain(SMTP_PASSWORD);
      expect(text).not.toContain(created.secret.slice(6));
      expect(text).not.toMatch(/privateKey/);
    }
  });
});
