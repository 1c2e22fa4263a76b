import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { httpDemoApi } from '../../src/demo/demo-api.js';
import { generateDemoStore } from '../../src/demo/generator.js';
import { populateDemo } from '../../src/demo/populate.js';
import { axeViolations } from '../onsite/widget-harness.js';
import { ADMIN_TOKEN, listen, startTestRapport, WRITE_KEY, type TestRapport } from '../helpers/server.js';

/*
 * The dashboard against a real server: Rapport on a fresh SQLite store with the processor
 * following the log, the demo shop loaded through the HTTP API (history, then the starter
 * segments, journeys and on-site campaigns), the first owner's invitation accepted, and
 * Debian's Chromium driving the built app (app/dist, from `npm run build`).
 */

export const OWNER = { email: 'owner@localhost', password: 'owner passphrase 1' };
export const ARTIFACTS = 'test-artifacts/app';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

export interface AppWorld {
  server: TestRapport;
  url: string;
  browser: Browser;
  /** POST/GET with the admin token, in-process. */
  adminCall(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<{ statusCode: number; body: string; json<T = Record<string, unknown>>(): T }>;
  /** Invites `email` with `role` and accepts the invitation with `password`. */
  addUser(email: string, role: 'admin' | 'marketer' | 'analyst', password: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startAppWorld(options: { demo?: boolean; customers?: number; onsiteVisitors?: number } = {}): Promise<AppWorld> {
  const server = await startTestRapport('sqlite', { RAPPORT_ANALYTICS_SYNC_MS: '0' }, { overrides: { processor: 'inline' } });
  const { url } = await listen(server.rapport);
  const adminCall: AppWorld['adminCall'] = (method, path, body) =>
    server.rapport.app.inject({ method, url: path, headers: admin, ...(body === undefined ? {} : { payload: body as Record<string, unknown> }) });
  const owner = server.rapport.firstOwner;
  if (owner === undefined) throw new Error('the test server created no first owner');
  const accepted = await server.rapport.app.inject({ method: 'POST', url: `/api/v1/invitations/${owner.invitationToken}/accept`, payload: { password: OWNER.password, displayName: 'Olivia Owner' } });
  expect(accepted.statusCode, accepted.body).toBe(201);
  if (options.demo !== false) {
    const api = httpDemoApi(url, { writeKey: WRITE_KEY, adminToken: ADMIN_TOKEN });
    const demo = generateDemoStore({ customers: options.customers ?? 80, seed: 7, days: 45, end: Date.now() });
    // A few on-site visitors per campaign give every report rows without 20,000 more events per test file.
    const populated = await populateDemo(api, demo, { settleMs: 300, onsiteVisitors: options.onsiteVisitors ?? 40 });
    expect(populated.history?.rejected).toBe(0);
  }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  await mkdir(ARTIFACTS, { recursive: true });
  return {
    server,
    url,
    browser,
    adminCall,
    async addUser(email, role, password) {
      const invited = await adminCall('POST', '/api/v1/users', { email, role });
      expect(invited.statusCode).toBe(201);
      const done = await server.rapport.app.inject({ method: 'POST', url: `/api/v1/invitations/${invited.json<{ token: string }>().token}/accept`, payload: { password } });
      expect(done.statusCode).toBe(201);
    },
    async stop() {
      await browser.close();
      await server.stop();
    },
  };
}

/** A fresh browser (own cookies and storage) at `width`, in `locale`. */
export async function newPage(world: AppWorld, options: { width?: number; locale?: 'en' | 'ar' | 'ja' } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const width = options.width ?? 1440;
  const context = await world.browser.newContext({ viewport: { width, height: width < 600 ? 844 : 900 }, locale: options.locale ?? 'en', baseURL: world.url });
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  return { context, page };
}

/** Signs in through the sign-in page and waits for the shell. */
export async function signIn(page: Page, credentials: { email: string; password: string } = OWNER, next = '/'): Promise<void> {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel(/email|البريد|メール/i).fill(credentials.email);
  await page.getByLabel(/password|كلمة المرور|パスワード/i).fill(credentials.password);
  await page.getByRole('button', { name: /sign in|تسجيل الدخول|サインイン/i }).click();
  await page.locator('nav#main-nav').waitFor({ state: 'attached' });
}

/** No axe-core violation on the page as it is now; the list names each rule and element when there is one. */
export async function expectNoAxeViolations(page: Page): Promise<void> {
  expect(await axeViolations(page)).toEqual([]);
}

/** A full-page screenshot kept as a test artifact (and the README's pictures). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
}
