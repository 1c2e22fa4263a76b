import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../test/helpers/databases.js';
import { journeysCommand } from './journeys.js';

describe('rapport journeys', () => {
  let dir: string;
  let out: string;
  let err: string;
  const saved = { ...process.env };

  beforeEach(() => {
    dir = tempDir();
    process.env.RAPPORT_DATA_DIR = dir;
    process.env.RAPPORT_LOG_LEVEL = 'silent';
    process.env.RAPPORT_JOURNEY_DELIVERY = 'record';
    delete process.env.RAPPORT_DATABASE_URL;
    out = '';
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.env = { ...saved };
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a recipe, lists, reports, pauses, and explains mistakes', async () => {
    expect(await journeysCommand(['recipe', 'abandoned-cart', '--activate'])).toBe(0);
    const id = /^(jny_\S+)\s+active\s+Abandoned cart/m.exec(out)?.[1];
    expect(id).toBeDefined();
    out = '';
    expect(await journeysCommand(['list'])).toBe(0);
    expect(out).toContain(`${id ?? ''}  active    v1  Abandoned cart`);
    out = '';
    expect(await journeysCommand(['report', id ?? ''])).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ journeyId: id, entered: 0, nodes: expect.arrayContaining([expect.objectContaining({ nodeId: 'reminder', reached: 0 })]) });
    expect(await journeysCommand(['pause', id ?? ''])).toBe(0);
    expect(await journeysCommand(['recipe', 'nope'])).toBe(1);
    expect(err).toContain('no recipe "nope"; choose one of abandoned-cart');
    expect(await journeysCommand(['report', id ?? '', '--window-days', 'x'])).toBe(1);
    expect(err).toContain('--window-days must be a whole number of days, got "x"');
    expect(await journeysCommand(['dry-run', id ?? '', 'prf_nobody'])).toBe(1);
    expect(err).toContain('no profile "prf_nobody"');
  });

  it('with real delivery, a recipe installs its templates and coupon pools first', async () => {
    delete process.env.RAPPORT_JOURNEY_DELIVERY;
    expect(await journeysCommand(['recipe', 'birthday', '--activate'])).toBe(0);
    expect(out).toMatch(/^jny_\S+\s+active\s+Birthday$/m);
    expect(out).toMatch(/^ {2}template {4}greeting {5}birthday {2}\(created\)$/m);
    expect(out).toMatch(/^ {2}coupon pool gift {9}birthday-gift {2}\(created\)$/m);
    out = '';
    // Installed again: the same template and pool, not new ones.
    expect(await journeysCommand(['recipe', 'birthday'])).toBe(0);
    expect(out).not.toContain('(created)');
    expect(await journeysCommand(['recipe', 'birthday', '--template', 'greeting'])).toBe(1);
    expect(err).toContain('--template takes ROLE=ID (e.g. --template reminder=my-template), got "greeting"');
    expect(await journeysCommand(['recipe', 'birthday', '--coupon', 'gift=none'])).toBe(1);
    expect(err).toContain('coupons.gift: no coupon pool "none"');
  });
});
