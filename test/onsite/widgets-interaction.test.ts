import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { events, launch, layoutShift, mountSpec, openWidget, settled, startHarness, type Harness } from './widget-harness.js';
import { contentFor } from './widget-fixtures.js';

let browser: Browser;
let harness: Harness;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [browser, harness] = await Promise.all([launch(), startHarness()]);
});
afterAll(async () => {
  await browser?.close();
  await harness?.close();
});
beforeEach(async (test) => {
  await context?.close();
  harness.requests.length = 0;
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, hasTouch: test.task.name.includes('touch') });
  page = await context.newPage();
});

const widget = (selector: string) => page.locator(`[data-rapport] ${selector}`);
const calls = (path: string) => harness.requests.filter((request) => request.path.startsWith(path));
const named = async (name: string) => (await events(page)).filter((e) => e.event === name);

/** Drags across the scratch canvas in a zig-zag, by mouse or (CDP) touch. */
async function scratch(kind: 'mouse' | 'touch'): Promise<void> {
  const box = await widget('canvas').boundingBox();
  if (box === null) throw new Error('no canvas');
  const points: [number, number][] = [];
  // 8 px inside the edges: the area's rounded corners are not part of the canvas's hit area.
  const [x, y, width, height] = [box.x + 8, box.y + 8, box.width - 16, box.height - 16];
  for (let row = 0; row <= 6; row++) for (let step = 0; step <= 10; step++) points.push([x + (width * (row % 2 === 0 ? step : 10 - step)) / 10, y + (height * row) / 6]);
  if (kind === 'mouse') {
    await page.mouse.move(...points[0]!);
    await page.mouse.down();
    for (const point of points) await page.mouse.move(...point);
    await page.mouse.up();
    return;
  }
  const cdp = await context.newCDPSession(page);
  const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', [x, y]: [number, number]) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
  await touch('touchStart', points[0]!);
  for (const point of points) await touch('touchMove', point);
  await touch('touchEnd', points[points.length - 1]!);
}

describe('scratch coupon', () => {
  it.each(['mouse', 'touch'] as const)('reveals the code after scratching with %s, issuing it once', async (kind) => {
    await openWidget(page, harness, 'scratch_coupon');
    await scratch(kind);
    await widget('.cpn .code').waitFor();
    expect(await widget('.cpn .code').textContent()).toBe('SAVE-7Q2X');
    expect(await widget('canvas').count()).toBe(0);
    expect(calls('/reveal')).toHaveLength(1);
    expect(await named('Experience Submitted')).toHaveLength(1);
  });

  it('reveals from the keyboard without scratching', async () => {
    await openWidget(page, harness, 'scratch_coupon');
    // Focus starts on the first control; Tab to the reveal button and press Enter.
    for (let press = 0; press < 4 && !(await widget('.act .rp-btn').evaluate((el) => el.matches(':focus'))); press++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await widget('.cpn .code').waitFor();
    expect(calls('/reveal')).toHaveLength(1);
    expect(await widget('.cpn .rp-btn').evaluate((el) => el.matches(':focus'))).toBe(true);
  });
});

describe('popup', () => {
  it('walks the steps, refuses a bad email, then submits email, phone and consent and shows the code', async () => {
    await openWidget(page, harness, 'popup');
    await widget('.rp-btn').click();
    await widget('input[type=email]').fill('not-an-email');
    await widget('input[type=tel]').fill('+1 555 010 9999');
    await widget('button[type=submit]').click();
    expect(calls('/submit')).toHaveLength(0);
    await widget('input[type=email]').fill('ada@example.com');
    await widget('.chk').click();
    await widget('button[type=submit]').click();
    await widget('.cpn .code').waitFor();
    expect(calls('/submit')[0]?.body).toMatchObject({ campaignId: 'cmp_popup', email: 'ada@example.com', phone: '+1 555 010 9999', consent: true });
    expect(await widget('#h').textContent()).toBe('You are in!');
    expect((await named('Experience Clicked')).map((e) => e.properties.target)).toContain('step1');
  });
});

describe('survey', () => {
  it('collects NPS, single, multi and text answers and submits them together', async () => {
    await openWidget(page, harness, 'survey');
    await widget('.nps button:text-is("9")').click();
    await widget('button[type=submit]').click();
    await widget('.chk:has-text("A friend")').click();
    await widget('button[type=submit]').click();
    await widget('.chk:has-text("Search")').click();
    await widget('.chk:has-text("Social media")').click();
    await widget('button[type=submit]').click();
    await widget('textarea').fill('More sizes please');
    await widget('button[type=submit]').click();
    await widget('[role=status]').waitFor();
    expect(calls('/submit')[0]?.body).toMatchObject({ answers: { nps: 9, source: 'A friend', interests: ['Search', 'Social media'], comment: 'More sizes please' } });
  });
});

describe('free-shipping bar', () => {
  it('follows the cart live and says when free shipping is reached', async () => {
    await openWidget(page, harness, 'free_shipping_bar');
    const setCart = (value: number) => page.evaluate((v) => (window as unknown as { __rp: { setCart(c: unknown): void } }).__rp.setCart({ value: v, currency: 'USD', items: 1 }), value);
    expect(await widget('#h').textContent()).toBe('You are $50.00 away from free shipping');
    await setCart(3200);
    expect(await widget('#h').textContent()).toBe('You are $18.00 away from free shipping');
    expect(await widget('[role=progressbar]').getAttribute('aria-valuenow')).toBe('64');
    await setCart(5000);
    expect(await widget('#h').textContent()).toBe('You have unlocked free shipping!');
  });
});

describe('countdown', () => {
  it('shows the time left in the page language and closes itself once the sale is over', async () => {
    await openWidget(page, harness, 'countdown', { lang: 'ja' });
    expect(await widget('.clock').textContent()).toMatch(/^2 日 03 時間 0[12] 分 \d\d 秒$/);
    await page.locator('[data-rapport] .x').click();
    const content = { ...contentFor('countdown', 'en'), endsAt: '2020-01-01T00:00:00Z' };
    await mountSpec(page, { type: 'countdown', id: 'over', content });
    await expect.poll(async () => (await named('Experience Closed')).filter((e) => e.properties.campaign_id === 'over').length).toBe(1);
    expect(await page.locator('[data-rapport="over"]').count()).toBe(0);
  });
});

describe('countdown ticking', () => {
  it('keeps the layout still while the seconds change', async () => {
    await openWidget(page, harness, 'countdown');
    for (let tick = 0; tick < 2; tick++) {
      const before = await widget('.clock').textContent();
      await page.waitForFunction((text) => document.querySelector('[data-rapport]')?.shadowRoot?.querySelector('.clock')?.textContent !== text, before);
    }
    await settled(page);
    expect(await layoutShift(page)).toBe(0);
  });
});

describe('recommendations', () => {
  it('asks for the campaign strategy and count and attributes a click to its recommendation', async () => {
    await openWidget(page, harness, 'recommendations');
    // Stay on the page after the click (the widget's own listener runs first).
    await page.evaluate(() => document.addEventListener('click', (event) => event.preventDefault()));
    expect(calls('/recs')[0]?.path).toBe('/recs?strategy=popular&count=6');
    expect(await widget('li').count()).toBe(6);
    await widget('li a').nth(1).click();
    const clicked = await named('Experience Clicked');
    expect(clicked[0]?.properties).toMatchObject({ target: 'recommendation', recommendation_id: 'rec.popular.r1', product_id: 'prod_0002' });
  });
});

describe('side coupon', () => {
  it('issues the code only when asked', async () => {
    await openWidget(page, harness, 'side_coupon');
    expect(calls('/reveal')).toHaveLength(0);
    await widget('.act .rp-btn').click();
    await widget('.cpn .code').waitFor();
    expect(calls('/reveal')).toHaveLength(1);
  });
});

describe('push prompt', () => {
  it('asks the browser only after the soft yes, and counts a grant as a conversion', async () => {
    await openWidget(page, harness, 'push_prompt', { push: 'granted' });
    await widget('.act .rp-btn:not(.ghost)').click();
    await page.locator('[data-rapport]').waitFor({ state: 'detached' });
    expect((await named('Experience Clicked'))[0]?.properties.target).toBe('allow');
    expect(await named('Experience Submitted')).toHaveLength(1);
  });

  it('without the core hook only logs the click', async () => {
    await openWidget(page, harness, 'push_prompt', { push: null });
    await widget('.act .rp-btn:not(.ghost)').click();
    await page.locator('[data-rapport]').waitFor({ state: 'detached' });
    expect(await named('Experience Submitted')).toHaveLength(0);
  });
});

describe('inbox', () => {
  it('lists the messages and dismisses one', async () => {
    await openWidget(page, harness, 'inbox');
    expect(await widget('li').count()).toBe(2);
    await widget('li button').first().click();
    expect(await widget('li').count()).toBe(1);
    await expect.poll(() => calls('/inbox/m1/dismiss').length).toBe(1);
  });
});

describe('floating icon', () => {
  it('asks the core to reopen its campaign', async () => {
    await openWidget(page, harness, 'floating_icon');
    await widget('.open').click();
    expect((await named('Experience Clicked'))[0]?.properties.target).toBe('open');
  });
});

describe('banner', () => {
  it('fills the reserved slot without changing its size', async () => {
    await page.goto(`${harness.url}/page?lang=en`);
    const before = await page.locator('#slot').boundingBox();
    await openWidget(page, harness, 'banner');
    expect(await page.locator('#slot').boundingBox()).toEqual(before);
    const inner = await widget('.box').boundingBox();
    expect(inner?.height).toBe(before?.height);
  });
});
