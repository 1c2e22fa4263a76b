import fs from 'node:fs';
import path from 'node:path';

/*
 * Rapport's own lint rules: the module boundary table and the purity of `models/` and `stats/`
 * folders (../shared/ARCHITECTURE.md, "Dependency rules"). They resolve relative import paths
 * against the file (the code uses no path aliases), so they need neither type information nor a
 * resolver plugin. Both take `root` (the absolute path of src/) so their tests can point them at
 * a scratch tree.
 */

const repositoryRoot = path.resolve(import.meta.dirname, '..');
const defaultRoot = path.join(repositoryRoot, 'src');

/** The folder under `root` a file belongs to (`rapport` for src/rapport.ts), or undefined outside it. */
function moduleOf(root, file) {
  const relative = path.relative(root, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return (relative.split(path.sep)[0] ?? '').replace(/\.(ts|js)$/, '');
}

/** Tests and their helper folders assemble parts of several modules on purpose. */
function isTestCode(root, file) {
  return file.endsWith('.test.ts') || path.relative(root, file).split(path.sep).includes('test');
}

/** The file a relative specifier names (`./a.js` is written for `./a.ts`), or undefined for a package. */
function resolveRelative(file, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  return path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts');
}

/** Calls `check` for every import, export-from and literal `import()`. */
function onImports(check) {
  const visit = (node) => {
    if (node.source?.type === 'Literal' && typeof node.source.value === 'string') check(node, node.source.value);
  };
  return { ImportDeclaration: visit, ExportNamedDeclaration: visit, ExportAllDeclaration: visit, ImportExpression: visit };
}

/** `import type`, `export type … from`, or every specifier marked `type`: erased by the build, no runtime edge. */
function typeOnly(node) {
  if (node.importKind === 'type' || node.exportKind === 'type') return true;
  const specifiers = node.specifiers ?? [];
  return specifiers.length > 0 && specifiers.every((specifier) => specifier.importKind === 'type' || specifier.exportKind === 'type');
}

const indexExists = new Map();
function hasIndex(root, module) {
  const file = path.join(root, module, 'index.ts');
  if (!indexExists.has(file)) indexExists.set(file, fs.existsSync(file));
  return indexExists.get(file);
}

/** A row's modules, with `*` standing for every module that is not itself an entry point (`*` row). */
function allowedModules(table, module) {
  const listed = table[module] ?? [];
  if (!listed.includes('*')) return new Set(listed);
  const everyModule = Object.keys(table).filter((name) => !table[name].includes('*'));
  return new Set([...listed.filter((name) => name !== '*'), ...everyModule]);
}

/**
 * Whether `target` is a file other modules may import: the module's `index.ts`, or, for the
 * composition root (`composers`), its `module.ts` with the Module registration.
 */
function isEntry(root, module, target, composer) {
  if (target === path.join(root, module, 'index.ts')) return true;
  return composer && target === path.join(root, module, 'module.ts');
}

const moduleBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'A module imports only the modules its row of the boundary table lists, and another module only through its index.ts once it has one' },
    schema: [
      {
        type: 'object',
        properties: {
          table: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
          exceptions: { type: 'array', items: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' }, reason: { type: 'string' } }, required: ['from', 'to', 'reason'] } },
          surfaces: {
            type: 'array',
            items: {
              type: 'object',
              properties: { from: { type: 'string' }, files: { type: 'array', items: { type: 'string' } }, typeOnly: { type: 'boolean' }, reason: { type: 'string' } },
              required: ['from', 'files', 'reason'],
            },
          },
          composers: { type: 'array', items: { type: 'string' } },
          root: { type: 'string' },
        },
        required: ['table'],
        additionalProperties: false,
      },
    ],
    messages: {
      unknown: 'src/{{from}} has no row in the boundary table (eslint/boundaries.js): add one listing the modules it may import.',
      forbidden: "'{{from}}' may not import '{{to}}': '{{to}}' is not in {{from}}'s row of the boundary table (eslint/boundaries.js).",
      deep: "Import '{{to}}' through src/{{to}}/index.ts, not its internals.",
      surfaceValue: "'{{specifier}}' is a narrow surface this file may import for types only: use `import type`.",
    },
  },
  create(context) {
    const { table, exceptions = [], surfaces = [], composers = [], root = defaultRoot } = context.options[0];
    const file = context.filename;
    const from = moduleOf(root, file);
    if (from === undefined || isTestCode(root, file)) return {};
    if (!Object.hasOwn(table, from)) return { Program: (node) => context.report({ node, messageId: 'unknown', data: { from } }) };
    const allowed = allowedModules(table, from);
    for (const exception of exceptions) if (exception.from === from) allowed.add(exception.to);
    const ownSurfaces = surfaces.filter((surface) => path.join(root, surface.from) === file);
    return onImports((node, specifier) => {
      const target = resolveRelative(file, specifier);
      const to = target === undefined ? undefined : moduleOf(root, target);
      if (to === undefined || to === from) return;
      const surface = ownSurfaces.find((candidate) => candidate.files.some((name) => target === path.join(root, to, name)));
      if (surface !== undefined) {
        if (surface.typeOnly && !typeOnly(node)) context.report({ node: node.source, messageId: 'surfaceValue', data: { specifier } });
        return;
      }
      if (!allowed.has(to)) context.report({ node: node.source, messageId: 'forbidden', data: { from, to } });
      else if (hasIndex(root, to) && !isEntry(root, to, target, composers.includes(from))) context.report({ node: node.source, messageId: 'deep', data: { to } });
    });
  },
};

/** Whether a file's code must be pure: inside a `models/` or `stats/` folder, or listed. */
function isPureFile(root, file, folders, files) {
  const folderPath = path.relative(root, path.dirname(file)).split(path.sep);
  if (folderPath[0] === '..') return false;
  return folderPath.some((segment) => folders.includes(segment)) || files.includes(path.relative(repositoryRoot, file).split(path.sep).join('/'));
}

/** The package a bare specifier names: `@scope/name` or `name` (`node:fs` stays whole). */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

const pureImports = {
  meta: {
    type: 'problem',
    docs: { description: 'Pure code (models/, stats/ and the listed files) imports nothing that does I/O; type-only imports are fine' },
    schema: [
      {
        type: 'object',
        properties: {
          folders: { type: 'array', items: { type: 'string' } },
          files: { type: 'array', items: { type: 'string' } },
          packages: { type: 'array', items: { type: 'string' } },
          modules: { type: 'array', items: { type: 'string' } },
          root: { type: 'string' },
        },
        required: ['folders', 'packages', 'modules'],
        additionalProperties: false,
      },
    ],
    messages: {
      package: "Pure code may not import '{{specifier}}': it does I/O. Take the data as an argument instead.",
      module: 'Pure code may not import from src/{{module}}: it does I/O. Take the data as an argument instead.',
      store: "Pure code may not import a store/ folder ('{{specifier}}'): take the rows as an argument instead.",
    },
  },
  create(context) {
    const { folders, files = [], packages, modules, root = defaultRoot } = context.options[0];
    const file = context.filename;
    if (isTestCode(root, file) || !isPureFile(root, file, folders, files)) return {};
    const forbiddenPackages = new Set(packages);
    return onImports((node, specifier) => {
      if (typeOnly(node)) return;
      const target = resolveRelative(file, specifier);
      if (target === undefined) {
        if (forbiddenPackages.has(specifier) || forbiddenPackages.has(packageName(specifier))) context.report({ node: node.source, messageId: 'package', data: { specifier } });
        return;
      }
      const module = moduleOf(root, target);
      if (module !== undefined && modules.includes(module)) context.report({ node: node.source, messageId: 'module', data: { module } });
      else if (path.relative(root, target).split(path.sep).includes('store')) context.report({ node: node.source, messageId: 'store', data: { specifier } });
    });
  },
};

/** A place (`src/storage/`, `src/rapport.ts`, with `*` for one folder) as a regex on repository-relative paths; a trailing `/` is a whole folder. */
function placePattern(place) {
  const escaped = place
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${escaped}${place.endsWith('/') ? '' : '$'}`);
}

const restrictedPackages = {
  meta: {
    type: 'problem',
    docs: { description: 'Packages that only some places may import (database drivers, the web framework, raw HTTP clients)' },
    schema: [
      {
        type: 'object',
        properties: {
          restrictions: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                packages: { type: 'array', items: { type: 'string' } },
                places: { type: 'array', items: { type: 'string' } },
                typeImports: { type: 'boolean' },
                reason: { type: 'string' },
              },
              required: ['packages', 'places', 'reason'],
              additionalProperties: false,
            },
          },
        },
        required: ['restrictions'],
        additionalProperties: false,
      },
    ],
    messages: { restricted: "'{{specifier}}' may be imported only in {{places}}: {{reason}}." },
  },
  create(context) {
    const file = path.relative(repositoryRoot, context.filename).split(path.sep).join('/');
    const active = context.options[0].restrictions.filter((restriction) => !restriction.places.some((place) => placePattern(place).test(file)));
    if (active.length === 0) return {};
    return onImports((node, specifier) => {
      if (specifier.startsWith('.')) return;
      const name = packageName(specifier);
      for (const restriction of active) {
        if (!restriction.packages.includes(specifier) && !restriction.packages.includes(name)) continue;
        if (restriction.typeImports && typeOnly(node)) continue;
        context.report({ node: node.source, messageId: 'restricted', data: { specifier, places: restriction.places.join(', '), reason: restriction.reason } });
      }
    });
  },
};

export default {
  meta: { name: 'rapport' },
  rules: { 'module-boundaries': moduleBoundaries, 'pure-imports': pureImports, 'restricted-packages': restrictedPackages },
};
