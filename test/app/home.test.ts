import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRITE_KEY, basicAuth } from '../helpers/server.js';
import { expectNoAxeViolations, newPage, screenshot, signIn, startAppWorld, type AppWorld } from './harness.js';

/*
 * Home in Chromium on the demo shop: the KPIs in the reader's language against the benchmarks,
 * revenue Rapport brought, the maturity stage and its next steps, what runs and what fails, and
 * the live counts moving without a reload when an event is set aside at ingest.
 */

let world: AppWorld;

beforeAll(async () => {
  world = await startAppWorld({ demo: true });
}, 240_000);
afterAll(async () => {
  await world?.stop();
});

describe('home', () => {
  it('shows the KPIs, the maturity stage, live journeys and campaigns, and live counts that move', async () => {
    const { context, page } = await newPage(world);
    await signIn(page);
    const kpis = page.getByRole('region', { name: 'Key figures' });
    await kpis.getByText('Conversion rate', { exact: true }).waitFor();
    expect(await kpis.getByText('Average order value', { exact: true }).count()).toBe(1);
    // The benchmark is the app's own text, not the server's English label.
    expect(await kpis.getByText(/Benchmark: 2\.5% on average; aim for 7%/).count()).toBe(1);
    const maturity = page.getByRole('region', { name: 'Digital maturity' });
    await maturity.getByText(/^Stage: (Egg|Caterpillar|Imago|Nirvana)$/).waitFor();
    expect(await maturity.getByRole('heading', { name: 'Next steps' }).count()).toBe(1);

    const journey = page.getByRole('region', { name: 'Live journeys' }).getByRole('link', { name: 'Abandoned cart' });
    expect(await journey.getAttribute('href')).toMatch(/^\/journeys\/jny_/);
    const campaigns = page.getByRole('region', { name: 'Live on-site campaigns' }).getByRole('link');
    expect(await campaigns.first().getAttribute('href')).toMatch(/^\/onsite\/osc_/);
    const revenue = page.getByRole('region', { name: 'Revenue Rapport brought' });
    await revenue.getByText('From Rapport messages').waitFor();

    const live = page.getByRole('region', { name: 'Right now' });
    await live.getByText('Live', { exact: true }).waitFor();
    const failingCount = live.locator('.stat', { hasText: 'Failing' }).locator('.stat-value');
    await expect.poll(() => failingCount.textContent(), { timeout: 15_000 }).toBe('0');
    await page.getByText('Nothing is failing.').waitFor();

    // An item without an event name is set aside at ingest: the live count moves without a reload.
    const sent = await fetch(`${world.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: basicAuth(WRITE_KEY), 'content-type': 'application/json' },
      body: JSON.stringify({ batch: [{ type: 'track', userId: 'home-test', messageId: 'home-rejected-1' }] }),
    });
    expect(sent.status).toBe(200);
    await expect.poll(() => failingCount.textContent(), { timeout: 15_000 }).toBe('1');

    await page.reload();
    const failing = page.getByRole('region', { name: 'Anything failing' });
    await failing.getByRole('table', { name: 'Events set aside at ingest (1)' }).waitFor();
    expect(await failing.getByRole('cell', { name: 'missing_event' }).count()).toBe(1);
    expect(await failing.getByRole('link', { name: 'All set-aside events (JSON)' }).getAttribute('href')).toBe('/api/v1/events/rejected?limit=1000');
    await kpis.getByText('Conversion rate', { exact: true }).waitFor();
    await maturity.getByText(/^Stage: /).waitFor();
    await expectNoAxeViolations(page);
    await screenshot(page, 'home-1440-en');
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoAxeViolations(page);
    await screenshot(page, 'home-390-en');
    await context.close();
  }, 180_000);

  it('retries a dead job from the failing list, and the job runs again', async () => {
    let calls = 0;
    world.server.rapport.scheduler.register('test.home-flaky', async () => {
      calls += 1;
      if (calls === 1) throw new Error('provider down');
    });
    await world.server.rapport.scheduler.enqueue({ workspaceId: 'default', kind: 'test.home-flaky', key: 'home-flaky', maxAttempts: 1 });
    await expect.poll(async () => (await world.server.rapport.scheduler.counts('default')).dead, { timeout: 30_000 }).toBe(1);
    const { context, page } = await newPage(world);
    await signIn(page);
    const dead = page.getByRole('region', { name: 'Anything failing' }).getByRole('table', { name: /^Dead jobs/ });
    await dead.getByRole('cell', { name: /provider down/ }).waitFor();
    await dead.getByRole('button', { name: 'Retry test.home-flaky' }).click();
    // The job is pending again, not dead: the list refreshes without it (its row, and 'Queued again' with it, go).
    await expect.poll(() => dead.count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => calls, { timeout: 30_000 }).toBe(2);
    await expect.poll(async () => (await world.server.rapport.scheduler.counts('default')).dead, { timeout: 30_000 }).toBe(0);
    await context.close();
  }, 120_000);

  it('reads in Arabic, right to left, with the KPI names and stages translated', async () => {
    for (const width of [1440, 390]) {
      const { context, page } = await newPage(world, { locale: 'ar', width });
      await signIn(page);
      const kpis = page.getByRole('region', { name: 'الأرقام الرئيسية' });
      await kpis.getByText('معدل التحويل', { exact: true }).waitFor();
      await page.getByText(/^المرحلة: (البيضة|اليرقة|الحشرة البالغة|النيرفانا)$/).waitFor();
      await page.getByRole('region', { name: 'الآن' }).getByText('أحداث اليوم').waitFor();
      await page.getByRole('region', { name: 'الإيراد الذي جلبه Rapport' }).getByText('من رسائل Rapport').waitFor();
      // No English label from the server reaches the Arabic screen.
      expect(await page.getByText('Conversion rate (sessions with an order)').count()).toBe(0);
      expect(await page.getByText('Average order value').count()).toBe(0);
      await expectNoAxeViolations(page);
      await screenshot(page, `home-${width}-ar`);
      await context.close();
    }
  }, 180_000);
});
