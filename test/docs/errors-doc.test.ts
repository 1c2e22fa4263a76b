import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorsMarkdown } from '../../src/http/error-docs.js';
import { domainErrors, errorCatalog } from '../../src/shared/errors.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('docs/errors.md', () => {
  it('is what `npm run docs:errors` writes from the registry (run it after adding a code)', () => {
    expect(fs.readFileSync(path.join(root, 'docs', 'errors.md'), 'utf8')).toBe(errorsMarkdown());
  });

  it('names every domain code <module>.<reason> and gives each a status', () => {
    for (const code of Object.keys(domainErrors)) expect(code).toMatch(/^[a-z]+\.[a-z_]+$/);
    for (const row of errorCatalog()) expect(row.status).toBeGreaterThanOrEqual(400);
  });

  it('lists every code thrown in src, so a code missing from the registry fails here', () => {
    const codes = new Set(errorCatalog().map((row) => row.code));
    const thrown = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.ts')) for (const match of fs.readFileSync(full, 'utf8').matchAll(/new RapportError\(\s*'([^']+)'/g)) thrown.add(match[1] ?? '');
      }
    };
    walk(path.join(root, 'src'));
    expect([...thrown].filter((code) => !codes.has(code as never))).toEqual([]);
    // And the other way: a code no one throws is documentation of nothing.
    expect(Object.keys(domainErrors).filter((code) => !thrown.has(code))).toEqual([]);
  });
});
