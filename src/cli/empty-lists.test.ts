import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../test/helpers/databases.js';
import { experimentsCommand } from './experiments.js';
import { journeysCommand } from './journeys.js';

describe('empty lists on a new store', () => {
  let dir: string;
  let out: string;
  const saved = { ...process.env };

  beforeEach(() => {
    dir = tempDir();
    process.env.RAPPORT_DATA_DIR = dir;
    process.env.RAPPORT_LOG_LEVEL = 'silent';
    process.env.PORT = '9';
    delete process.env.RAPPORT_DATABASE_URL;
    out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.env = { ...saved };
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('say there is nothing yet and how to create the first', async () => {
    expect(await journeysCommand(['list'])).toBe(0);
    expect(out).toMatch(/^No journeys yet\. Install a ready one with: rapport journeys recipe abandoned-cart/);
    out = '';
    expect(await experimentsCommand(['list'])).toBe(0);
    expect(out).toMatch(/^No experiments yet\. Create one with: rapport experiments create --file/);
  }, 120_000);
});
