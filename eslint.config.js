import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { boundaries, composers, exceptions, packageRestrictions, surfaces, pureOutsidePureFolders } from './eslint/boundaries.js';
import rapport from './eslint/rapport-plugin.js';

/*
 * Lint for Rapport: syntax-level rules only (no type information, so `npm run lint` stays a few
 * seconds; `tsc` does the type checking), plus the architecture rules of ../shared/ARCHITECTURE.md.
 * How to read and change these rules: docs/contributing.md.
 */

/** Packages that do I/O: pure code never imports them. */
const ioPackages = [
  'node:fs',
  'fs',
  'node:fs/promises',
  'fs/promises',
  'node:net',
  'net',
  'node:http',
  'http',
  'node:https',
  'https',
  'node:child_process',
  'child_process',
  'node:worker_threads',
  'worker_threads',
  'node:dgram',
  'dgram',
  'kysely',
  'pg',
  'better-sqlite3',
  '@duckdb/node-api',
  'fastify',
  'pino',
  'nodemailer',
  'web-push',
];

export default tseslint.config(
  { ignores: ['dist/', 'data/', 'node_modules/', 'test-artifacts/', '.tmp/', 'sdk/**/dist/', 'app/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A `let` read by a closure made before its one assignment cannot be a `const`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `_name` marks a parameter a signature needs, or a property split off to drop it.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // Plain JavaScript (this config, the rules, bench/lib/smtp-sink.mjs) runs on Node; TypeScript files get no-undef from tsc.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
  {
    // Scripts the tests load into a browser page (widget harness, test widgets).
    files: ['test/onsite/**/*.js'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', fetch: 'readonly', matchMedia: 'readonly', requestAnimationFrame: 'readonly', PerformanceObserver: 'readonly' } },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { rapport },
    rules: {
      'rapport/module-boundaries': ['error', { table: boundaries, exceptions, surfaces, composers }],
      'rapport/pure-imports': [
        'error',
        {
          folders: ['models', 'stats'],
          files: [...pureOutsidePureFolders.concepts, ...pureOutsidePureFolders.pendingMove],
          packages: ioPackages,
          modules: ['storage', 'log', 'http', 'cli', 'processor', 'config'],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts', 'src/**/test/**'],
    plugins: { rapport },
    rules: {
      'rapport/restricted-packages': ['error', { restrictions: packageRestrictions }],
    },
  },
  {
    // Domain code logs through the injected pino logger; only the CLI writes to the terminal.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/**/*.test.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // Outbound HTTP goes through the guarded path (see packageRestrictions for the modules).
    files: ['src/**/*.ts'],
    ignores: ['src/channels/outbound/**', 'src/cli/**', 'src/demo/**', 'src/**/*.test.ts', 'src/**/test/**'],
    rules: {
      'no-restricted-globals': ['error', { name: 'fetch', message: 'Send outbound HTTP through src/channels/outbound (OutboundHttp).' }],
      'no-restricted-properties': ['error', { object: 'globalThis', property: 'fetch', message: 'Send outbound HTTP through src/channels/outbound (OutboundHttp).' }],
    },
  },
  {
    // The environment is read in one place (src/config), typed and validated there.
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/**/*.test.ts', 'src/**/test/**'],
    rules: {
      // A selector rather than no-restricted-properties, which the fetch block above already configures.
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Read settings through src/config (loadConfig), the one place that reads the environment.' },
        {
          selector: "VariableDeclarator[init.name='process'] > ObjectPattern > Property[key.name='env']",
          message: 'Read settings through src/config (loadConfig), the one place that reads the environment.',
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:process', importNames: ['env'], message: 'Read settings through src/config.' },
            { name: 'process', importNames: ['env'], message: 'Read settings through src/config.' },
          ],
        },
      ],
    },
  },
);
