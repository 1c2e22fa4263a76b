import fs from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/**
 * The project's shared datasets (`../shared/data` beside the checkout, as the developers' guide
 * lays it out; `/work/shared/data` when the checkout lives elsewhere, e.g. a CI clone in /tmp).
 * @example const file = sharedData('cdnow', 'cdnow_master.csv.gz');
 */
export function sharedData(...parts: string[]): string {
  const candidates = [path.resolve(repoRoot, '..', 'shared', 'data'), '/work/shared/data'];
  const root = candidates.find((candidate) => fs.existsSync(candidate));
  if (root === undefined) throw new Error(`the shared datasets are missing: looked in ${candidates.join(' and ')}`);
  return path.join(root, ...parts);
}
