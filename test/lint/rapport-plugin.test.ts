import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterAll, describe, expect, it } from 'vitest';
import { boundaries, exceptions, packageRestrictions, pureOutsidePureFolders } from '../../eslint/boundaries.js';
import rapport from '../../eslint/rapport-plugin.js';

/*
 * The architecture rules of eslint.config.js, each shown to fail on the import it forbids, plus
 * checks that the boundary table and its lists still name real folders and files.
 */

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const repository = path.resolve(import.meta.dirname, '..', '..');
const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' } });

function rule(name: string) {
  const found = rapport.rules?.[name];
  if (!found) throw new Error(`rule ${name} is missing`);
  return found;
}

// A scratch src/ where `segments` has an index.ts and `journeys` has not.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-lint-'));
fs.mkdirSync(path.join(root, 'segments'), { recursive: true });
fs.writeFileSync(path.join(root, 'segments', 'index.ts'), 'export {};\n');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const table = { shared: [], config: ['shared'], segments: ['shared', 'config'], journeys: ['shared', 'segments', 'templates'], templates: ['shared'], http: ['*'] };
const at = (file: string) => path.join(root, file);
// config/schema.ts may import types (only) from any module's store/tables.ts, as storage/schema.ts does.
const surfaces = [{ from: 'config/schema.ts', files: ['store/tables.ts'], typeOnly: true, reason: 'the database type' }];

describe('rapport/module-boundaries', () => {
  tester.run('module-boundaries', rule('module-boundaries'), {
    valid: [
      { filename: at('journeys/engine.ts'), code: "import { x } from '../segments/index.js';", options: [{ table, root }] },
      { filename: at('journeys/engine.ts'), code: "import { x } from '../templates/render.js';", options: [{ table, root }] },
      { filename: at('journeys/store/runs.ts'), code: "import { x } from '../engine.js'; import { y } from '../../shared/ids.js';", options: [{ table, root }] },
      { filename: at('http/app.ts'), code: "import { x } from '../journeys/engine.js';", options: [{ table, root }] },
      { filename: at('config/config.ts'), code: "import { x } from '../journeys/engine.js';", options: [{ table, root, exceptions: [{ from: 'config', to: 'journeys', reason: 'moving' }] }] },
      { filename: at('config/config.test.ts'), code: "import { x } from '../journeys/engine.js';", options: [{ table, root }] },
      { filename: at('journeys/engine.ts'), code: "import fs from 'node:fs';", options: [{ table, root }] },
      { filename: at('config/schema.ts'), code: "import type { T } from '../segments/store/tables.js';", options: [{ table, root, surfaces }] },
      { filename: at('http/app.ts'), code: "import { m } from '../segments/module.js';", options: [{ table, root, composers: ['http'] }] },
    ],
    invalid: [
      {
        filename: at('config/config.ts'),
        code: "import { x } from '../journeys/engine.js';",
        options: [{ table, root }],
        errors: [{ messageId: 'forbidden', data: { from: 'config', to: 'journeys' } }],
      },
      { filename: at('segments/engine.ts'), code: "export { x } from '../http/app.js';", options: [{ table, root }], errors: [{ messageId: 'forbidden' }] },
      { filename: at('segments/engine.ts'), code: "const m = await import('../journeys/engine.js');", options: [{ table, root }], errors: [{ messageId: 'forbidden' }] },
      { filename: at('journeys/engine.ts'), code: "import { x } from '../segments/evaluate.js';", options: [{ table, root }], errors: [{ messageId: 'deep', data: { to: 'segments' } }] },
      { filename: at('http/app.ts'), code: "import type { X } from '../segments/condition.js';", options: [{ table, root }], errors: [{ messageId: 'deep' }] },
      { filename: at('billing/invoice.ts'), code: 'export {};', options: [{ table, root }], errors: [{ messageId: 'unknown' }] },
      { filename: at('config/schema.ts'), code: "import { T } from '../segments/store/tables.js';", options: [{ table, root, surfaces }], errors: [{ messageId: 'surfaceValue' }] },
      { filename: at('config/schema.ts'), code: "import type { T } from '../segments/store/repository.js';", options: [{ table, root, surfaces }], errors: [{ messageId: 'forbidden' }] },
      { filename: at('config/config.ts'), code: "import type { T } from '../segments/store/tables.js';", options: [{ table, root, surfaces }], errors: [{ messageId: 'forbidden' }] },
      { filename: at('journeys/engine.ts'), code: "import { m } from '../segments/module.js';", options: [{ table, root, composers: ['http'] }], errors: [{ messageId: 'deep' }] },
    ],
  });
});

const pureOptions = { folders: ['models', 'stats'], files: [], packages: ['node:fs', 'kysely', '@duckdb/node-api'], modules: ['storage', 'http'], root };

describe('rapport/pure-imports', () => {
  tester.run('pure-imports', rule('pure-imports'), {
    valid: [
      { filename: at('journeys/models/advance.ts'), code: "import { x } from './special.js'; import { y } from '../../shared/own.js';", options: [pureOptions] },
      { filename: at('journeys/models/advance.ts'), code: "import type { Kysely } from 'kysely'; import { type Database } from '../../storage/database.js';", options: [pureOptions] },
      { filename: at('journeys/engine.ts'), code: "import fs from 'node:fs';", options: [pureOptions] },
      { filename: at('journeys/models/advance.test.ts'), code: "import fs from 'node:fs';", options: [pureOptions] },
    ],
    invalid: [
      { filename: at('experiments/stats/srm.ts'), code: "import fs from 'node:fs';", options: [pureOptions], errors: [{ messageId: 'package' }] },
      { filename: at('experiments/stats/srm.ts'), code: "import { DuckDBInstance } from '@duckdb/node-api';", options: [pureOptions], errors: [{ messageId: 'package' }] },
      {
        filename: at('journeys/models/advance.ts'),
        code: "import { openDatabase } from '../../storage/database.js';",
        options: [pureOptions],
        errors: [{ messageId: 'module', data: { module: 'storage' } }],
      },
      { filename: at('journeys/models/advance.ts'), code: "import { runs } from '../store/runs.js';", options: [pureOptions], errors: [{ messageId: 'store' }] },
      {
        filename: path.join(repository, 'src/journeys/definition.ts'),
        code: "import { sql } from 'kysely';",
        options: [{ ...pureOptions, root: path.join(repository, 'src'), files: ['src/journeys/definition.ts'] }],
        errors: [{ messageId: 'package' }],
      },
    ],
  });
});

const restrictions = [{ packages: ['kysely'], places: ['src/storage/', 'src/*/store/'], typeImports: true, reason: 'SQL stays in stores' }];
const inRepository = (file: string) => path.join(repository, file);

describe('rapport/restricted-packages', () => {
  tester.run('restricted-packages', rule('restricted-packages'), {
    valid: [
      { filename: inRepository('src/storage/database.ts'), code: "import { Kysely } from 'kysely';", options: [{ restrictions }] },
      { filename: inRepository('src/journeys/store/runs.ts'), code: "import { sql } from 'kysely';", options: [{ restrictions }] },
      { filename: inRepository('src/journeys/engine.ts'), code: "import type { Kysely } from 'kysely';", options: [{ restrictions }] },
    ],
    invalid: [
      { filename: inRepository('src/journeys/engine.ts'), code: "import { sql } from 'kysely';", options: [{ restrictions }], errors: [{ messageId: 'restricted' }] },
      { filename: inRepository('src/journeys/storefront/x.ts'), code: "import { sql } from 'kysely/helpers';", options: [{ restrictions }], errors: [{ messageId: 'restricted' }] },
    ],
  });
});

describe('the boundary table', () => {
  const folders = fs
    .readdirSync(path.join(repository, 'src'), { withFileTypes: true })
    .map((entry) => (entry.isDirectory() ? entry.name : entry.name.replace(/\.ts$/, '')))
    .filter((name) => !name.endsWith('.json'));

  it('has a row for every folder and root file of src/, and names only real ones', () => {
    expect(Object.keys(boundaries).sort()).toEqual(expect.arrayContaining(folders.sort()));
    const planned = ['log'];
    for (const name of [...Object.keys(boundaries), ...Object.values(boundaries).flat()]) {
      if (name !== '*' && !planned.includes(name)) expect(folders).toContain(name);
    }
  });

  it('lists each exception with its reason, and only imports the table forbids', () => {
    for (const exception of exceptions) {
      expect(exception.reason.length).toBeGreaterThan(20);
      expect(boundaries[exception.from]).not.toContain(exception.to);
    }
  });

  it('lists only pure files that exist and are not already in a pure folder', () => {
    for (const file of [...pureOutsidePureFolders.concepts, ...pureOutsidePureFolders.pendingMove]) {
      expect(fs.existsSync(path.join(repository, file)), file).toBe(true);
      expect(file).not.toMatch(/\/(models|stats)\//);
    }
  });

  it('restricts packages the project really depends on', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(repository, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const builtins = /^(node:)?(http|https)$|^undici$/;
    for (const name of packageRestrictions.flatMap((restriction) => restriction.packages)) {
      if (!builtins.test(name)) expect(Object.keys(manifest.dependencies)).toContain(name);
    }
  });
});
