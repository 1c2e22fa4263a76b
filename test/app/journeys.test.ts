import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { basicAuth, WRITE_KEY } from '../helpers/server.js';
import { expectNoAxeViolations, newPage, screenshot, signIn, startAppWorld, type AppWorld } from './harness.js';

/*
 * The journeys screens in Chromium against the demo shop: a marketer starts an abandoned-cart
 * journey from a recipe, opens its email step, publishes it, a demo profile abandons a cart
 * through the real ingest API and the canvas's live statistics move without a reload; a second
 * editor's save is detected, not overwritten; an analyst reads but cannot publish.
 */

const MARKETER = { email: 'mia@shop.example', password: 'marketer passphrase 1' };
const ANALYST = { email: 'ana@shop.example', password: 'analyst passphrase 1' };
let world: AppWorld;
let journeyId = '';

beforeAll(async () => {
  world = await startAppWorld({ demo: true });
  await world.addUser(MARKETER.email, 'marketer', MARKETER.password);
  await world.addUser(ANALYST.email, 'analyst', ANALYST.password);
}, 240_000);
afterAll(async () => {
  await world?.stop();
});

const triggerEntered = (page: Page) => page.locator('.react-flow__node[data-id="__trigger"] [data-stat="entered"] dd');

describe('journeys', () => {
  it('builds an abandoned-cart journey from a recipe, publishes it and watches a real cart enter it live', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, '/journeys');
    await page.getByRole('table').waitFor();
    await expectNoAxeViolations(page);
    await screenshot(page, 'journeys-list-1440-en');

    await page.getByRole('link', { name: 'New journey' }).click();
    await page.getByRole('button', { name: 'Use the recipe Abandoned cart' }).click();
    await page.waitForURL(/\/journeys\/jny_/);
    journeyId = new URL(page.url()).pathname.split('/').pop() ?? '';
    await page.locator('.react-flow__node[data-id="reminder"]').waitFor();

    // The email step, opened from the keyboard through the step list.
    const step = page.getByRole('navigation', { name: 'Steps of the journey' }).getByRole('button', { name: 'Send a message: reminder' });
    await step.focus();
    await page.keyboard.press('Enter');
    expect(await step.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page.getByLabel('Message template').inputValue()).toBe('cart-reminder');
    expect(await page.getByRole('link', { name: 'Open the template cart-reminder' }).getAttribute('href')).toBe('/messages/templates/cart-reminder');
    await expect.poll(() => page.locator('.react-flow__node[data-id="reminder"] .journeys-card.selected').count()).toBe(1);
    await expectNoAxeViolations(page);

    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect.poll(() => page.getByText(/Published: version 1 is live/).count()).toBe(1);
    await expect.poll(() => triggerEntered(page).textContent(), { timeout: 15_000 }).toBe('0');

    // A demo profile adds a product to a cart through the real ingest API.
    const profiles = (await world.adminCall('GET', '/api/v1/profiles?limit=20')).json<{ profiles: { id: string; identities: { type: string; value: string }[] }[] }>().profiles;
    const profile = profiles.find((candidate) => candidate.identities.some((identity) => identity.type === 'user_id'));
    const userId = profile?.identities.find((identity) => identity.type === 'user_id')?.value;
    expect(userId).toBeDefined();
    const sent = await fetch(`${world.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: basicAuth(WRITE_KEY), 'content-type': 'application/json' },
      body: JSON.stringify({ batch: [{ type: 'track', event: 'Product Added', userId, properties: { cart_id: 'cart-e2e-1', product_id: 'p-1', price: 24, quantity: 1 } }] }),
    });
    expect(sent.status).toBe(200);
    await expect.poll(() => triggerEntered(page).textContent(), { timeout: 30_000, interval: 500 }).toBe('1');
    await expect.poll(() => page.locator('.react-flow__node[data-id="wait-1h"] [data-stat="entered"] dd').textContent(), { timeout: 10_000 }).toBe('1');
    await screenshot(page, 'journeys-canvas-1440-en');

    // Dry run for the same profile: every step it would take, nothing sent.
    await page.getByLabel('Profile id').fill(profile?.id ?? '');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => page.locator('.journeys-dry-steps li').count(), { timeout: 10_000 }).toBeGreaterThan(1);
    expect(await page.locator('.journeys-dry-steps').textContent()).toContain('reminder');
    await context.close();
  }, 120_000);

  it('shows a save made meanwhile by someone else instead of overwriting it', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, `/journeys/${journeyId}`);
    await page.getByRole('button', { name: 'Journey settings' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Abandoned cart (mine)');
    // Another person saves a version while this one edits.
    const current = (await world.adminCall('GET', `/api/v1/journeys/${journeyId}`)).json<{ definition: Record<string, unknown> }>();
    const theirs = await world.adminCall('PUT', `/api/v1/journeys/${journeyId}`, { ...current.definition, name: 'Abandoned cart (theirs)' });
    expect(theirs.statusCode).toBe(200);
    await page.getByRole('button', { name: 'Save draft' }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Someone else saved this journey' }).count()).toBe(1);
    expect((await world.adminCall('GET', `/api/v1/journeys/${journeyId}`)).json()).toMatchObject({ name: 'Abandoned cart (theirs)', version: 2 });
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Abandoned cart (mine)');
    await page.getByRole('button', { name: 'Load version 2' }).click();
    await expect.poll(() => page.getByLabel('Name', { exact: true }).inputValue()).toBe('Abandoned cart (theirs)');
    await context.close();
  }, 60_000);

  it('lets an analyst read the journey but not publish it', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, ANALYST, `/journeys/${journeyId}`);
    await page.locator('.react-flow__node[data-id="reminder"]').waitFor();
    expect(await page.getByRole('button', { name: /^Publish/ }).isDisabled()).toBe(true);
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json());
    const refused = await page.evaluate(
      async ([id, csrf]) => (await fetch(`/api/v1/journeys/${id}/pause`, { method: 'POST', headers: { 'x-csrf-token': csrf ?? '' } })).status,
      [journeyId, me.csrfToken as string],
    );
    expect(refused).toBe(403);
    await context.close();
  }, 60_000);

  it('edits a condition step in the segment builder: any condition of the language, saved as the API takes it', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, MARKETER, '/journeys/new');
    await page.getByRole('button', { name: 'Use the recipe Browse abandonment' }).click();
    await page.waitForURL(/\/journeys\/jny_/);
    const id = new URL(page.url()).pathname.split('/').pop() ?? '';
    await page.getByRole('navigation', { name: 'Steps of the journey' }).getByRole('button', { name: 'Condition: reachable' }).click();
    // The recipe's "reachable on email" test is a row of the builder (a form for it, not a note that it is kept as is).
    const builder = page.getByRole('group', { name: 'Conditions' });
    const first = builder.locator('[data-path="condition.conditions.0"]');
    await expect.poll(() => first.getByLabel('Condition type').inputValue()).toBe('reachable');
    await builder.getByRole('button', { name: '+ Add condition' }).first().click();
    const second = builder.locator('[data-path="condition.conditions.1"]');
    await second.getByLabel('Condition type').selectOption('lifecycle');
    await expectNoAxeViolations(page);
    await screenshot(page, 'journeys-condition-1440-en');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await expect
      .poll(async () => {
        const saved = (await world.adminCall('GET', `/api/v1/journeys/${id}`)).json<{ definition: { nodes: { id: string; condition?: unknown }[] } }>();
        return saved.definition.nodes.find((node) => node.id === 'reachable')?.condition;
      })
      .toEqual({
        type: 'and',
        conditions: [
          { type: 'reachable', channel: 'email' },
          { type: 'lifecycle', stages: ['cart_abandoner'] },
        ],
      });
    await context.close();
  }, 90_000);

  it('reads well at 390 px and in Arabic', async () => {
    for (const [width, locale] of [
      [390, 'en'],
      [1440, 'ar'],
      [390, 'ar'],
    ] as const) {
      const { context, page } = await newPage(world, { width, locale });
      await signIn(page, MARKETER, '/journeys');
      await page.getByRole('table').waitFor();
      await screenshot(page, `journeys-list-${width}-${locale}`);
      await page.goto(`/journeys/${journeyId}`);
      await page.locator('.react-flow__node[data-id="reminder"]').waitFor();
      await expect.poll(() => triggerEntered(page).count()).toBe(1);
      if (locale === 'ar') await expectNoAxeViolations(page);
      await screenshot(page, `journeys-canvas-${width}-${locale}`);
      await context.close();
    }
  }, 120_000);
});
