import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRITE_KEY } from '../helpers/server.js';
import { expectNoAxeViolations, newPage, screenshot, signIn, startAppWorld, type AppWorld } from './harness.js';

/*
 * Customers in Chromium against the demo shop: search finds a customer by email, the profile
 * page shows identities, traits, consent, scores with what they mean, segments, messages and
 * the timeline, which updates live when the person does something.
 */

let world: AppWorld;
let customer: { id: string; email: string };

beforeAll(async () => {
  world = await startAppWorld({ demo: true });
  // Scores come from the prediction jobs: run them once, as the nightly job would.
  const started = await world.adminCall('POST', '/api/v1/predictive/refresh');
  expect(started.statusCode, started.body).toBe(202);
  const reportId = started.json<{ id: string }>().id;
  for (let attempt = 0; attempt < 240; attempt += 1) {
    const report = (await world.adminCall('GET', `/api/v1/predictive/reports/${reportId}`)).json<{ status: string }>();
    if (report.status !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // A buyer with an email and scores.
  const { profiles } = (await world.adminCall('GET', '/api/v1/profiles?limit=200')).json<{
    profiles: { id: string; traits: { email?: string }; scores: Record<string, unknown>; computed: { orders: number } }[];
  }>();
  const buyer =
    profiles.find((profile) => typeof profile.traits.email === 'string' && profile.computed.orders > 0 && Object.keys(profile.scores).length > 0) ??
    profiles.find((profile) => typeof profile.traits.email === 'string');
  if (buyer === undefined || buyer.traits.email === undefined) throw new Error('the demo shop has no customer with an email');
  customer = { id: buyer.id, email: buyer.traits.email };
}, 240_000);
afterAll(async () => {
  await world?.stop();
});

describe('customers', () => {
  it('finds a demo customer by email and shows the profile with timeline and scores, live', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, undefined, '/profiles');
    await expect.poll(() => page.locator('tbody tr').count(), { timeout: 15_000 }).toBeGreaterThan(10);
    await expectNoAxeViolations(page);
    await screenshot(page, 'profiles-list-1440-en');
    await page.getByLabel('Email, phone, user id, anonymous id, profile id or trait value').fill(customer.email.toUpperCase());
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/profiles\?q=/);
    const result = page.getByRole('table', { name: 'Results' }).getByRole('link').first();
    await result.waitFor();
    await result.click();
    await page.waitForURL(new RegExp(`/profiles/${customer.id}$`));
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    await expect.poll(() => page.locator('.prof-timeline li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.getByRole('heading', { name: 'Scores and predictions' }).waitFor();
    await expect.poll(() => page.locator('.prof-score').count()).toBeGreaterThan(0);
    expect(await page.locator('.prof-score').first().textContent()).toMatch(/\w+/);
    await page.getByText(customer.email).first().waitFor();

    // The timeline updates live when the person does something.
    const lookup = await world.adminCall('GET', `/api/v1/profiles/${customer.id}`);
    const identities = lookup.json<{ identities: { type: string; value: string }[] }>().identities;
    const userId = identities.find((entry) => entry.type === 'user_id')?.value;
    const anonymousId = identities.find((entry) => entry.type === 'anonymous_id')?.value;
    const tracked = await fetch(`${world.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
      body: JSON.stringify({ ...(userId === undefined ? { anonymousId } : { userId }), event: 'Live Test Event', properties: { note: 'hello' } }),
    });
    expect(tracked.status).toBe(200);
    await expect.poll(() => page.locator('.prof-timeline').textContent(), { timeout: 15_000 }).toContain('Live Test Event');

    await expectNoAxeViolations(page);
    await screenshot(page, 'profiles-profile-1440-en');
    await context.close();
  }, 120_000);

  it('filters the timeline on the server by name, type and days, and keeps the filter in a link', async () => {
    const names = (rows: { type: string; event?: string; name?: string }[]) =>
      rows.map((row) => (row.type === 'track' ? (row.event ?? 'track') : row.name === undefined ? row.type : `${row.type}: ${row.name}`));
    const api = async (query: string) =>
      (await world.adminCall('GET', `/api/v1/profiles/${customer.id}/events?limit=25&${query}`)).json<{ events: { type: string; event?: string; name?: string }[] }>().events;
    const viewed = await api('event=Product%20Viewed');
    expect(viewed.length).toBeGreaterThan(0);
    const { context, page } = await newPage(world);
    await signIn(page, undefined, `/profiles/${customer.id}`);
    const shown = () => page.locator('.prof-timeline li strong').allTextContents();
    await expect.poll(() => page.locator('.prof-timeline li').count(), { timeout: 10_000 }).toBeGreaterThan(0);

    await page.getByLabel('Filter by event name').selectOption('Product Viewed');
    await page.waitForURL(/event=Product(\+|%20)Viewed/);
    // The server's page, not the newest 25 narrowed in the browser.
    await expect.poll(shown, { timeout: 10_000 }).toEqual(names(viewed));

    await page.getByLabel('Type', { exact: true }).selectOption('page');
    await page.waitForURL(/type=page/);
    expect(page.url()).not.toContain('event=');
    const pages = await api('type=page');
    expect(pages.length).toBeGreaterThan(0);
    await expect.poll(shown, { timeout: 10_000 }).toEqual(names(pages));

    // A shared link opens on the same filter; a range without events says so.
    const newest = (await api('')).at(0) as { timestamp: string } | undefined;
    const day = (newest?.timestamp ?? new Date().toISOString()).slice(0, 10);
    await page.goto(`/profiles/${customer.id}?type=page&from=2001-01-01&to=2001-01-02`);
    await page.getByText('No event matches this filter.').waitFor();
    expect(await page.getByLabel('Type', { exact: true }).inputValue()).toBe('page');
    expect(await page.getByLabel('From').inputValue()).toBe('2001-01-01');
    await page.goto(`/profiles/${customer.id}?from=${day}&to=${day}`);
    await expect.poll(() => page.locator('.prof-timeline li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Clear filter' }).click();
    await page.waitForURL(new RegExp(`/profiles/${customer.id}$`));
    await expectNoAxeViolations(page);
    await context.close();
  }, 120_000);

  it('shows the journeys the person is in, read for this person alone', async () => {
    const created = await world.adminCall('POST', '/api/v1/journeys', {
      name: 'Profile page check',
      trigger: { type: 'api' },
      start: 'wait',
      nodes: [
        { id: 'wait', type: 'wait', duration: { amount: 2, unit: 'days' }, next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    expect(created.statusCode, created.body).toBe(201);
    const journeyId = created.json<{ id: string }>().id;
    expect((await world.adminCall('POST', `/api/v1/journeys/${journeyId}/activate`)).statusCode).toBe(200);
    expect((await world.adminCall('POST', `/api/v1/journeys/${journeyId}/enter`, { profileId: customer.id })).statusCode).toBe(200);
    const { context, page } = await newPage(world);
    await signIn(page, undefined, `/profiles/${customer.id}`);
    const card = page.getByRole('region', { name: 'Journeys in progress' });
    await card.getByRole('link', { name: 'Profile page check' }).waitFor();
    expect(await card.getByRole('link', { name: 'Profile page check' }).getAttribute('href')).toBe(`/journeys/${journeyId}`);
    await context.close();
  }, 60_000);

  it('exports the JSON and asks for the typed word before erasing', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, undefined, `/profiles/${customer.id}`);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export data (JSON)' }).click();
    expect((await download).suggestedFilename()).toBe(`profile-${customer.id}.json`);
    await page.getByRole('button', { name: 'Erase this person' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase everything about this person' });
    await dialog.waitFor();
    expect(await dialog.getByRole('button', { name: 'Erase for good' }).isDisabled()).toBe(true);
    await dialog.getByLabel('Type ERASE').fill('erase');
    expect(await dialog.getByRole('button', { name: 'Erase for good' }).isDisabled()).toBe(true);
    await expectNoAxeViolations(page);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await context.close();
  });

  it('fits a phone and reads right to left in Arabic', async () => {
    // One session (sign-in is rate limited per person): the viewport and ?lang= change between shots.
    const { context, page } = await newPage(world);
    await signIn(page, undefined, '/profiles');
    for (const [width, locale] of [
      [390, 'en'],
      [1440, 'ar'],
      [390, 'ar'],
      [1440, 'ja'],
    ] as const) {
      await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
      await page.goto(`/profiles?lang=${locale}`);
      await expect.poll(() => page.locator('tbody tr').count(), { timeout: 15_000 }).toBeGreaterThan(10);
      await expectNoAxeViolations(page);
      await screenshot(page, `profiles-list-${width}-${locale}`);
      await page.goto(`/profiles/${customer.id}?lang=${locale}`);
      await expect.poll(() => page.locator('.prof-timeline li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
      await expectNoAxeViolations(page);
      await screenshot(page, `profiles-profile-${width}-${locale}`);
      if (width === 1440) {
        await page.goto(`/profiles/${customer.id}?lang=${locale}&event=Product%20Viewed`);
        await expect.poll(() => page.locator('.prof-timeline li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
        await screenshot(page, `profiles-timeline-filtered-${width}-${locale}`);
      }
    }
    await context.close();
  }, 240_000);
});
