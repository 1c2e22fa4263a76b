import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, openWidget, startHarness, type Harness } from './widget-harness.js';
import { LANGS, WIDGET_TYPES } from './widget-fixtures.js';

const ARTIFACTS = 'test-artifacts/onsite';
const VIEWPORTS = [
  { width: 375, height: 740 },
  { width: 1440, height: 900 },
];

let browser: Browser;
let harness: Harness;

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  [browser, harness] = await Promise.all([launch(), startHarness()]);
});
afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

interface Geometry {
  box: { left: number; right: number; top: number; bottom: number };
  close: { left: number; right: number };
  dir: string;
  lineBreak: string;
}

describe.each(WIDGET_TYPES)('%s', (type) => {
  it.each(VIEWPORTS)('fits a $width px viewport in English, Arabic and Japanese, mirrored in Arabic (screenshots kept)', async (viewport) => {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    try {
      const page = await context.newPage();
      for (const lang of LANGS) {
        await openWidget(page, harness, type, { lang });
        await page.screenshot({ path: `${ARTIFACTS}/${type}-${lang}-${viewport.width}.png` });
        const geometry = await page.evaluate((): Geometry => {
          const root = document.querySelector('[data-rapport]')?.shadowRoot;
          const rect = (el: Element | null | undefined) => el?.getBoundingClientRect() ?? { left: 0, right: 0, top: 0, bottom: 0 };
          const wrap = root?.querySelector('.rp');
          return {
            box: rect(root?.querySelector('.box')),
            close: rect(root?.querySelector('.x')),
            dir: wrap?.getAttribute('dir') ?? '',
            lineBreak: wrap === null || wrap === undefined ? '' : getComputedStyle(wrap).lineBreak,
          };
        });
        // Nothing spills past the viewport's sides.
        expect(geometry.box.left).toBeGreaterThanOrEqual(0);
        expect(geometry.box.right).toBeLessThanOrEqual(viewport.width);
        // The close button sits at the inline end: right in English and Japanese, left in Arabic.
        const middle = (geometry.box.left + geometry.box.right) / 2;
        if (lang === 'ar') expect(geometry.close.right).toBeLessThan(middle);
        else expect(geometry.close.left).toBeGreaterThan(middle);
        expect(geometry.dir).toBe(lang === 'ar' ? 'rtl' : 'ltr');
        if (lang === 'ja') expect(geometry.lineBreak).toBe('strict');
      }
    } finally {
      await context.close();
    }
  });
});
