import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileFunctionLengths, functionLengths, type FunctionLength } from '../../scripts/longest-functions.js';

/*
 * House style keeps functions under ~80 lines; this test fails when a function in src/ passes
 * 100. Two lists say where the limit does not hold yet, each entry with its reason:
 * - `kept`: places a split would hurt clarity;
 * - `pending`: long functions being reshaped, held at their current length so they cannot grow;
 *   delete an entry when its function is split.
 * `npx tsx scripts/longest-functions.ts 20` lists the longest functions.
 */

const repository = path.resolve(import.meta.dirname, '..', '..');
const limit = 100;

/** Folders whose functions may be long, with the reason. */
const kept: readonly { under: string; reason: string }[] = [
  {
    under: 'migrations/',
    reason: 'a migration is a frozen, ordered list of DDL statements read top to bottom; split into helpers it no longer shows the schema change it made',
  },
];

/** `file#name` → the most lines it may have until it is split, with the reason (none left: every long function of issue 14 was split). */
const pending: ReadonlyMap<string, { lines: number; reason: string }> = new Map([]);

function allowance(entry: FunctionLength): number {
  if (kept.some((folder) => entry.file.includes(`/${folder.under}`))) return Number.POSITIVE_INFINITY;
  return pending.get(`${entry.file}#${entry.name}`)?.lines ?? limit;
}

describe('function length', () => {
  const lengths = functionLengths(path.join(repository, 'src'), repository);

  it(`keeps every function in src/ at ${limit} lines or fewer, but the listed ones`, () => {
    const tooLong = lengths.filter((entry) => entry.lines > allowance(entry)).map((entry) => `${entry.file}:${entry.line} ${entry.name} (${entry.lines} lines)`);
    expect(tooLong).toEqual([]);
  });

  it('lists as pending only functions that are still over the limit', () => {
    const stillLong = new Set(lengths.filter((entry) => entry.lines > limit).map((entry) => `${entry.file}#${entry.name}`));
    expect([...pending.keys()].filter((key) => !stillLong.has(key))).toEqual([]);
  });

  it('measures a function from its first to its last line, nested functions included', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-lengths-'));
    try {
      const file = path.join(dir, 'sample.ts');
      fs.writeFileSync(file, ['export function outer(): number {', '  const inner = () => {', '    return 1;', '  };', '  return inner();', '}', ''].join('\n'));
      expect(fileFunctionLengths(file, dir)).toEqual([
        { file: 'sample.ts', line: 1, name: 'outer', lines: 6 },
        { file: 'sample.ts', line: 2, name: 'inner', lines: 3 },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
