import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { onsiteCommand } from '../../src/cli/onsite.js';
import { tempDir } from '../helpers/databases.js';

describe('rapport onsite', () => {
  let dir: string;
  let out: string;
  let err: string;
  const saved = { ...process.env };

  beforeEach(() => {
    dir = tempDir();
    process.env.RAPPORT_DATA_DIR = dir;
    process.env.RAPPORT_LOG_LEVEL = 'silent';
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

  it('installs starters, lists, pauses, resumes, reports, and names the bad field of a definition', async () => {
    expect(await onsiteCommand(['starters', '--install', '--activate'])).toBe(0);
    expect(out.split('\n').filter((line) => line.startsWith('created\tlive\t'))).toHaveLength(11);
    const id = /^created\tlive\t(osc_\S+)\tHello bar/m.exec(out)?.[1] ?? '';
    out = '';
    expect(await onsiteCommand(['pause', id])).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ id, status: 'paused' });
    out = '';
    expect(await onsiteCommand(['list'])).toBe(0);
    expect(out).toContain(`${id}\tpaused\thello_bar\t10\tHello bar: free returns`);
    out = '';
    expect(await onsiteCommand(['resume', id])).toBe(0);
    expect(JSON.parse(out).status).toBe('live');
    out = '';
    expect(await onsiteCommand(['report', '--table'])).toBe(0);
    expect(out.split('\n')[0]).toBe('type\tcampaigns\tvisitors\tCTR\tconversion\tholdout conversion\tuplift [95% CI]');
    expect(out).toContain('hello_bar\t1\t0\t-\t-\t-\t- (no_holdout)');

    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        name: 'x',
        type: 'hello_bar',
        triggers: [{ type: 'telepathy' }],
        audience: [],
        caps: { frequency: 'once' },
        defaultLocale: 'en',
        variants: [{ key: 'a', weight: 1, content: { en: { headline: 'Hi' } } }],
      }),
    );
    expect(await onsiteCommand(['create', '--file', file])).toBe(2);
    expect(err).toContain('body.triggers[0].type: unknown trigger "telepathy"');
    expect(await onsiteCommand(['show', 'osc_missing'])).toBe(2);
    expect(await onsiteCommand(['frobnicate'])).toBe(2);
  });
});
