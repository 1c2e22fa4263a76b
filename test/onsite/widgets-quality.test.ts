import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, events, launch, layoutShift, mountAgain, mountSpec, openPage, openWidget, settled, startHarness, type Harness } from './widget-harness.js';
import { MODAL_TYPES, SLOT_TYPES, WIDGET_TYPES, type WidgetType } from './widget-fixtures.js';

let browser: Browser;
let harness: Harness;

beforeAll(async () => {
  [browser, harness] = await Promise.all([launch(), startHarness()]);
  await mkdir('test-artifacts/onsite', { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

async function withPage<T>(run: (page: Page) => Promise<T>, options: { reducedMotion?: 'reduce' | 'no-preference' } = {}): Promise<T> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, reducedMotion: options.reducedMotion ?? 'no-preference' });
  try {
    return await run(await context.newPage());
  } finally {
    await context.close();
  }
}

const host = (page: Page, type: WidgetType) => page.locator(`[data-rapport="cmp_${type}"]`);

/** Sizes of every interactive element in the widget smaller than 44 x 44 px (a checkbox counts as its label). */
async function smallTargets(page: Page): Promise<string[]> {
  const { measured, small } = await page.evaluate(() => {
    const root = document.querySelector('[data-rapport]')?.shadowRoot;
    const small: string[] = [];
    const targets = [...(root?.querySelectorAll<HTMLElement>('button,a[href],input,textarea,select,[tabindex]:not([tabindex="-1"])') ?? [])];
    for (const el of targets) {
      const target = el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio') ? (el.closest('label') ?? el) : el;
      const box = target.getBoundingClientRect();
      if (box.width < 44 || box.height < 44) small.push(`${el.tagName.toLowerCase()}.${el.className} ${box.width.toFixed(0)}x${box.height.toFixed(0)}`);
    }
    return { measured: targets.length, small };
  });
  // Every widget has at least its close button: measuring nothing would mean the check looked in the wrong place.
  expect(measured).toBeGreaterThan(0);
  return small;
}

/** Whether the document's focused element is the widget's host (focus is inside its shadow root). */
function focusInside(page: Page): Promise<boolean> {
  return page.evaluate(() => document.activeElement?.hasAttribute('data-rapport') === true);
}

/** Every element of the widget whose animation or transition would still run. */
function moving(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.querySelector('[data-rapport]')?.shadowRoot;
    const found: string[] = [];
    for (const el of root?.querySelectorAll('*') ?? []) {
      const style = getComputedStyle(el);
      const animated = style.animationName !== 'none' && parseFloat(style.animationDuration) > 0;
      const transitioned = style.transitionDuration.split(',').some((d) => parseFloat(d) > 0) && style.transitionProperty !== 'none';
      if (animated || transitioned) found.push(`${el.tagName.toLowerCase()}.${el.getAttribute('class') ?? ''}`);
    }
    return found;
  });
}

describe.each(WIDGET_TYPES)('%s', (type) => {
  it('appears, is labelled, passes axe-core and has touch targets of at least 44 px', async () => {
    await withPage(async (page) => {
      await openWidget(page, harness, type);
      const box = host(page, type).locator('.box');
      await expect(box.isVisible()).resolves.toBe(true);
      const label = await box.evaluate(
        (el) => el.getRootNode() instanceof ShadowRoot && (el.getRootNode() as ShadowRoot).getElementById(el.getAttribute('aria-labelledby') ?? '')?.textContent?.trim(),
      );
      expect(label).toBeTruthy();
      if (MODAL_TYPES.has(type)) {
        expect(await box.getAttribute('role')).toBe('dialog');
        expect(await box.getAttribute('aria-modal')).toBe('true');
      }
      expect((await events(page)).filter((e) => e.event === 'Experience Viewed')).toHaveLength(1);
      expect(await axeViolations(page)).toEqual([]);
      expect(await smallTargets(page)).toEqual([]);
    });
  });

  it('closes with ESC and with its close button', async () => {
    await withPage(async (page) => {
      await openWidget(page, harness, type);
      // Non-modal widgets take ESC while focus is in them; modals hold focus from the start.
      if (!MODAL_TYPES.has(type)) await host(page, type).locator('.x').focus();
      expect(await focusInside(page)).toBe(true);
      await page.keyboard.press('Escape');
      await host(page, type).waitFor({ state: 'detached' });
      await mountAgain(page, type);
      await host(page, type).locator('.x').click();
      await host(page, type).waitFor({ state: 'detached' });
      expect((await events(page)).filter((e) => e.event === 'Experience Closed')).toHaveLength(2);
    });
  });

  it('keeps the layout still (CLS 0)', async () => {
    await withPage(async (page) => {
      await openWidget(page, harness, type);
      if (SLOT_TYPES.has(type)) expect(await page.evaluate(() => document.querySelector('[data-rapport]')?.parentElement?.id)).toBe('slot');
      expect(await layoutShift(page)).toBe(0);
    });
  });

  it('stops its motion when the visitor prefers reduced motion', async () => {
    await withPage(
      async (page) => {
        await openWidget(page, harness, type);
        expect(await moving(page)).toEqual([]);
      },
      { reducedMotion: 'reduce' },
    );
  });
});

describe('later screens', () => {
  /** Each step moves a widget to its next screen; axe and the touch-target check run on every screen. */
  const journeys: [WidgetType, string[]][] = [
    ['popup', ['.rp-btn', '.chk', 'button[type=submit]']],
    ['survey', ['.nps button >> nth=3', 'button[type=submit]', 'button[type=submit]', 'button[type=submit]', 'button[type=submit]']],
    ['scratch_coupon', ['.act .rp-btn']],
    ['side_coupon', ['.act .rp-btn']],
  ];
  it.each(journeys)('%s stays accessible on every screen (phone-sized, screenshots kept)', async (type, steps) => {
    await withPage(async (page) => {
      await page.setViewportSize({ width: 375, height: 740 });
      await openWidget(page, harness, type, { lang: type === 'popup' ? 'ja' : type === 'survey' ? 'ar' : 'en' });
      for (const [index, step] of steps.entries()) {
        if (type === 'popup' && step === 'button[type=submit]') {
          await host(page, type).locator('input[type=email]').fill('ada@example.com');
          await host(page, type).locator('input[type=tel]').fill('+15550109999');
        }
        await host(page, type).locator(step).click();
        await settled(page);
        await page.screenshot({ path: `test-artifacts/onsite/${type}-screen${index + 2}-375.png` });
        expect({ step, violations: await axeViolations(page) }).toEqual({ step, violations: [] });
        expect(await smallTargets(page)).toEqual([]);
      }
      await host(page, type)
        .locator(type === 'survey' ? '[role=status]' : '.cpn, .code')
        .first()
        .waitFor();
      expect(await axeViolations(page)).toEqual([]);
    });
  });
});

describe('modal focus', () => {
  it.each([...MODAL_TYPES])('%s traps Tab while open and gives focus back on close', async (type) => {
    await withPage(async (page) => {
      await openPage(page, harness);
      await page.focus('#opener');
      await mountAgain(page, type);
      expect(await focusInside(page)).toBe(true);
      for (let press = 0; press < 14; press++) {
        await page.keyboard.press(press % 3 === 2 ? 'Shift+Tab' : 'Tab');
        expect(await focusInside(page)).toBe(true);
      }
      await page.keyboard.press('Escape');
      await host(page, type).waitFor({ state: 'detached' });
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('opener');
    });
  });
});

describe('the checks themselves', () => {
  it('the layout-shift measure sees a real shift', async () => {
    await withPage(async (page) => {
      await openPage(page, harness);
      await page.evaluate(() => document.querySelector('main')?.prepend(Object.assign(document.createElement('div'), { textContent: 'pushed' })));
      await settled(page);
      expect(await layoutShift(page)).toBeGreaterThan(0);
    });
  });

  it('axe-core looks inside the widget shadow root', async () => {
    await withPage(async (page) => {
      await openPage(page, harness);
      await mountSpec(page, { type: 'hello_bar', id: 'c', content: { headline: 'Pale text' }, brand: { primaryColor: '#0f5132', textColor: '#dddddd', backgroundColor: '#ffffff' } });
      expect((await axeViolations(page)).map((violation) => violation.id)).toContain('color-contrast');
    });
  });

  it('overlays animate when motion is allowed, so the reduced-motion check has something to stop', async () => {
    await withPage(async (page) => {
      await openPage(page, harness);
      await mountSpec(page, { type: 'side_coupon', id: 'c', content: { headline: 'Hi' } });
      expect(await moving(page)).not.toEqual([]);
    });
  });
});
