import { mkdir, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bundleWidget } from './widget-harness.js';
import { WIDGET_TYPES } from './widget-fixtures.js';

const BUDGET = 5 * 1024;

describe('widget chunks', () => {
  it('each is at most 5 KB gzip and uses no eval or new Function', async () => {
    const sizes: Record<string, { raw: number; gzip: number }> = {};
    for (const type of WIDGET_TYPES) {
      const code = await bundleWidget(type);
      const gzip = gzipSync(code, { level: 9 }).length;
      sizes[type] = { raw: Buffer.byteLength(code), gzip };
      expect(code).toMatch(/export\s*\{/);
      expect(code).not.toMatch(/\beval\s*\(/);
      expect(code).not.toMatch(/new\s+Function\b/);
      expect(code).not.toMatch(/\bFunction\s*\(/);
    }
    await mkdir('test-artifacts/onsite', { recursive: true });
    await writeFile('test-artifacts/onsite/widget-sizes.json', `${JSON.stringify(sizes, null, 2)}\n`);
    console.log(
      Object.entries(sizes)
        .map(([type, size]) => `${type.padEnd(18)} ${String(size.gzip).padStart(5)} B gzip (${size.raw} B)`)
        .join('\n'),
    );
    for (const [type, size] of Object.entries(sizes)) expect(size.gzip, type).toBeLessThanOrEqual(BUDGET);
  });
});
