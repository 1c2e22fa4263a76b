import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../test/helpers/databases.js';
import { recsCommand } from './recs.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  return { out, err };
}

describe('rapport recs eval', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('evaluates a gzipped CSV with the time protocol and prints one final JSON line', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'interactions.csv.gz');
    const rows = ['customer_id,product_id,timestamp'];
    // Everyone buys a then b; the last 10 b purchases (times 130..139) are the test period.
    for (let user = 0; user < 40; user++) rows.push(`u${user},a,${user}`, `u${user},b,${user < 30 ? user + 0.5 : 100 + user}`);
    fs.writeFileSync(file, gzipSync(rows.join('\n')));
    const { out } = capture();
    const code = await recsCommand(['eval', '--file', file, '--protocol', 'time', '--strategy', 'for-you', '--k', '1', '--train-share', '0.875']);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const line: unknown = JSON.parse(out.join('').trim().split('\n').at(-1) ?? '');
    expect(line).toMatchObject({ strategy: 'for-you', protocol: 'time', users: 10, items: 2, interactions: 80, 'hr@1': 1, 'ndcg@1': 1 });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a bad protocol, strategy or k with a message saying what to pass', async () => {
    const { err } = capture();
    expect(await recsCommand(['eval', '--file', 'x.txt', '--protocol', 'kfold'])).toBe(2);
    expect(await recsCommand(['eval', '--file', 'x.txt', '--strategy', 'magic'])).toBe(2);
    expect(await recsCommand(['eval', '--file', 'x.txt', '--k', '0'])).toBe(2);
    expect(await recsCommand(['eval', '--file', '/no/such/file.txt'])).toBe(2);
    const text = err.join('');
    expect(text).toContain('--protocol must be loo or time, not "kfold"');
    expect(text).toContain('--strategy "magic" is unknown');
    expect(text).toContain('--k must be an integer from 1 to 1000');
    expect(text).toContain('cannot read /no/such/file.txt');
  });
});
