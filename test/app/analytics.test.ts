import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations, newPage, screenshot, signIn, startAppWorld, type AppWorld } from './harness.js';

/*
 * Analytics in Chromium on the demo shop: a funnel opened from the workspace's own event names,
 * broken down month over month, its CSV downloaded and read back; cohorts, RFM and attribution
 * each drawn with its table; the KPI report for a chosen period; digests scheduled and stopped,
 * with the API's rules on the recipients field. Every tab is a URL.
 */

let world: AppWorld;

beforeAll(async () => {
  world = await startAppWorld({ demo: true });
}, 240_000);
afterAll(async () => {
  await world?.stop();
});

describe('analytics', () => {
  it('opens a funnel, breaks it down month over month and downloads its CSV', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, undefined, '/analytics');
    await page.waitForURL(/\/analytics\/funnels$/);
    const steps = page.getByRole('table', { name: 'Funnel steps' });
    await steps.waitFor();
    const first = steps.getByRole('row').nth(1);
    expect(await first.getByRole('cell').nth(1).textContent()).toBe('Product Viewed');
    const viewed = Number((await first.getByRole('cell').nth(2).textContent())?.replace(/\D/g, ''));
    expect(viewed).toBeGreaterThan(0);

    await page.getByLabel('Breakdown').selectOption('month');
    await page.getByLabel('Conversion window').selectOption('72');
    await page.getByRole('button', { name: 'Show funnel' }).click();
    await page.waitForURL(/breakdown=month/);
    expect(page.url()).toContain('window=72');
    const byMonth = page.getByRole('table', { name: 'By Month (month over month)' });
    await byMonth.waitFor();
    expect(await byMonth.getByRole('row').count()).toBeGreaterThan(1);
    await page.getByRole('table', { name: 'Time to convert' }).waitFor();
    await page.getByRole('img', { name: /profiles at the first step/ }).waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('region', { name: 'Funnel steps' }).getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('funnel.csv');
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('Step,Event,Profiles,From previous,From first,Dropped,Median time');
    expect(lines[1]).toMatch(/^1,Product Viewed,\d+,,,0,$/);
    expect(lines.length).toBe(await steps.getByRole('row').count());

    // The URL is the funnel: opened afresh, it shows the same breakdown.
    await page.goto(page.url());
    await page.getByRole('table', { name: 'By Month (month over month)' }).waitFor();
    expect(await page.getByLabel('Breakdown').inputValue()).toBe('month');
    await expectNoAxeViolations(page);
    await screenshot(page, 'analytics-1440-en');
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoAxeViolations(page);
    await screenshot(page, 'analytics-390-en');
    await context.close();
  }, 180_000);

  it("narrows a funnel step by event properties in the segment builder's words, kept in a URL that opens the same funnel in Arabic", async () => {
    const { context, page } = await newPage(world);
    await signIn(page, undefined, '/analytics/funnels');
    const steps = page.getByRole('table', { name: 'Funnel steps' });
    await steps.waitFor();
    const viewedIn = async () => Number((await steps.getByRole('row').nth(1).getByRole('cell').nth(2).textContent())?.replace(/\D/g, ''));
    const viewed = await viewedIn();

    await page.getByRole('button', { name: 'Add property filter' }).first().click();
    await page.getByLabel('Property').first().fill('price');
    await page.getByLabel('Operator').first().selectOption('gt');
    await page.getByLabel('Value').first().fill('50');
    await page.getByRole('button', { name: 'Show funnel' }).click();
    await page.waitForURL(/where=/);
    const where = JSON.parse(new URL(page.url()).searchParams.get('where') ?? '[]') as unknown;
    expect(where).toEqual([{ step: 0, property: 'price', op: 'gt', value: 50 }]);
    await expect.poll(viewedIn).toBeLessThan(viewed);
    const filtered = await viewedIn();
    expect(filtered).toBeGreaterThan(0);
    expect(await steps.getByRole('row').nth(1).getByRole('cell').nth(1).textContent()).toBe('Product Viewed · price is greater than 50');
    // An unfinished filter cannot be run: a property that is not a name.
    await page.getByLabel('Property').first().fill('a"b');
    expect(await page.getByRole('button', { name: 'Show funnel' }).isDisabled()).toBe(true);
    await page.getByText('Complete or remove each filter').waitFor();
    await page.getByLabel('Property').first().fill('price');
    await expectNoAxeViolations(page);
    await screenshot(page, 'analytics-funnel-filter-1440-en');

    // The URL is the filtered funnel, in any language.
    const shared = page.url();
    const arabic = await newPage(world, { locale: 'ar' });
    await signIn(arabic.page, undefined, new URL(shared).pathname + new URL(shared).search);
    const table = arabic.page.locator('table').first();
    await table.waitFor();
    expect(await arabic.page.getByLabel('الخاصية').first().inputValue()).toBe('price');
    // Arabic shows Arabic-Indic digits.
    const latin = (text: string | null) => Number((text ?? '').replace(/[\u0660-\u0669]/g, (digit) => String(digit.charCodeAt(0) - 0x660)).replace(/\D/g, ''));
    expect(latin(await table.getByRole('row').nth(1).getByRole('cell').nth(2).textContent())).toBe(filtered);
    await expectNoAxeViolations(arabic.page);
    await screenshot(arabic.page, 'analytics-funnel-filter-1440-ar');
    await arabic.context.close();
    await context.close();
  }, 180_000);

  it('draws cohorts, RFM and attribution with their tables, each tab its own URL', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, undefined, '/analytics/cohorts');
    const cohorts = page.getByRole('table', { name: 'Retention by cohort' });
    await cohorts.waitFor();
    expect(await cohorts.getByRole('row').count()).toBeGreaterThan(1);
    await page.getByRole('img', { name: /Retention of \d+ cohorts/ }).waitFor();
    await expectNoAxeViolations(page);
    await screenshot(page, 'analytics-cohorts-1440-en');

    await page.getByRole('link', { name: 'RFM' }).click();
    await page.waitForURL(/\/analytics\/rfm/);
    const groups = page.getByRole('table', { name: 'RFM groups' });
    await groups.waitFor();
    expect(await groups.getByRole('cell', { name: 'Champions', exact: true }).count()).toBe(1);
    await page.getByRole('table', { name: /Movement between groups/ }).waitFor();
    await page.getByRole('img', { name: /Customers by recency score/ }).waitFor();
    await expectNoAxeViolations(page);
    await screenshot(page, 'analytics-rfm-1440-en');

    await page.getByRole('link', { name: 'Attribution' }).click();
    const attribution = page.getByRole('table', { name: /Revenue per Channel/ });
    await attribution.waitFor();
    for (const header of ['Orders', 'Revenue', 'CPA', 'ROAS']) expect(await attribution.getByRole('columnheader', { name: header, exact: true }).count()).toBe(1);
    await page.getByLabel('By', { exact: true }).selectOption('message');
    await page.waitForURL(/by=message/);
    await page.getByRole('table', { name: /Revenue per Rapport message/ }).waitFor();
    await expectNoAxeViolations(page);
    await screenshot(page, 'analytics-attribution-1440-en');

    await page.getByRole('link', { name: 'KPI report' }).click();
    await page.getByLabel('From', { exact: true }).fill('2026-01-01');
    await page.getByLabel('To', { exact: true }).fill('2026-01-31');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/from=2026-01-01/);
    const report = page.getByRole('table', { name: /^KPIs / });
    await report.waitFor();
    expect(await report.getByRole('cell', { name: 'Conversion rate', exact: true }).count()).toBe(1);
    await expectNoAxeViolations(page);
    await context.close();
  }, 180_000);

  it('schedules a digest with the recipients checked as typed, and stops it', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, undefined, '/analytics/reports');
    await page.getByRole('table', { name: 'Scheduled digests' }).getByText('No digest is scheduled.').waitFor();
    const recipients = page.getByLabel('Recipients');
    await recipients.fill('owner@shop.example, not-an-address');
    await recipients.blur();
    await page.getByRole('button', { name: 'Schedule digest' }).click();
    await page.getByText('“not-an-address” is not an email address.').waitFor();
    // What was typed stays.
    expect(await recipients.inputValue()).toBe('owner@shop.example, not-an-address');
    await recipients.fill('owner@shop.example, team@shop.example');
    await page.getByLabel('Frequency').selectOption('monthly');
    await page.getByRole('button', { name: 'Schedule digest' }).click();
    const table = page.getByRole('table', { name: 'Scheduled digests' });
    await table.getByRole('cell', { name: 'owner@shop.example, team@shop.example', exact: true }).waitFor();
    expect(await table.getByRole('cell', { name: 'Monthly', exact: true }).count()).toBe(1);
    const listed = await world.adminCall('GET', '/api/v1/analytics/reports');
    expect(listed.json<{ schedules: { frequency: string }[] }>().schedules).toEqual([expect.objectContaining({ frequency: 'monthly', recipients: ['owner@shop.example', 'team@shop.example'] })]);
    await expectNoAxeViolations(page);
    await screenshot(page, 'analytics-reports-1440-en');
    await page.getByRole('button', { name: 'Stop the Monthly digest to owner@shop.example, team@shop.example' }).click();
    await table.getByText('No digest is scheduled.').waitFor();
    expect((await world.adminCall('GET', '/api/v1/analytics/reports')).json<{ schedules: unknown[] }>().schedules).toEqual([]);
    await context.close();
  }, 180_000);

  it('reads in Arabic, right to left', async () => {
    for (const width of [1440, 390]) {
      const { context, page } = await newPage(world, { locale: 'ar', width });
      await signIn(page, undefined, '/analytics/funnels?breakdown=month');
      await page.getByRole('table', { name: 'خطوات القمع' }).waitFor();
      await page.getByRole('table', { name: 'حسب الشهر (شهرًا بشهر)' }).waitFor();
      await expectNoAxeViolations(page);
      await screenshot(page, `analytics-${width}-ar`);
      await context.close();
    }
  }, 180_000);
});
