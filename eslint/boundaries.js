/**
 * The boundary table of ../shared/ARCHITECTURE.md ("Dependency rules"): for each folder under
 * src/ (a module, or a root file such as `rapport.ts`), the other folders its code may import.
 * `eslint.config.js` enforces it with the `rapport/module-boundaries` rule; tests (`*.test.ts`,
 * `test/` folders) are outside it because they assemble real parts from several modules.
 *
 * Layers: `http`, `cli`, `demo` and the composition root (`rapport`) → domain modules →
 * `storage`, `log`, `config` → `shared`. A module reaches another only through its `index.ts`
 * once that file exists; until then deep imports are allowed (the rule switches per module
 * as soon as `src/<module>/index.ts` appears).
 */

/** Infrastructure every domain module may use. */
const infrastructure = ['shared', 'config', 'storage', 'log'];

/** @type {Record<string, string[]>} module → modules it may import (besides itself). */
export const boundaries = {
  shared: [],
  config: ['shared'],
  storage: ['shared', 'config'],
  log: ['shared', 'config', 'storage'],
  version: [],

  ingest: [...infrastructure],
  identity: [...infrastructure, 'ingest'],
  profiles: [...infrastructure, 'ingest', 'identity'],
  catalog: [...infrastructure, 'ingest'],
  workspaces: [...infrastructure],
  users: [...infrastructure, 'app', 'workspaces'],
  templates: [...infrastructure],
  coupons: [...infrastructure],
  imports: [...infrastructure, 'ingest', 'catalog'],
  scheduler: [...infrastructure, 'privacy'],
  processor: [...infrastructure, 'ingest', 'identity', 'profiles', 'segments'],
  channels: [...infrastructure, 'ingest', 'identity', 'profiles', 'catalog', 'coupons', 'templates', 'workspaces', 'privacy'],
  privacy: [...infrastructure, 'ingest', 'identity', 'profiles', 'coupons', 'workspaces', 'channels'],
  segments: [...infrastructure, 'ingest', 'identity', 'profiles', 'processor', 'channels', 'imports', 'privacy'],
  journeys: [...infrastructure, 'ingest', 'identity', 'profiles', 'catalog', 'coupons', 'templates', 'channels', 'segments', 'scheduler', 'privacy'],
  analytics: [...infrastructure, 'ingest', 'profiles', 'processor', 'privacy', 'workspaces'],
  experiments: [...infrastructure, 'ingest', 'segments', 'privacy'],
  recommendations: [...infrastructure, 'ingest', 'profiles', 'templates'],
  predictive: [...infrastructure, 'profiles', 'scheduler'],

  // Entry points: they mount and wire the modules. `*` is every domain module and the infrastructure.
  http: ['*'],
  demo: ['*'],
  rapport: ['*', 'http', 'version'],
  cli: ['*', 'rapport', 'demo', 'version'],
};

/**
 * Imports the table forbids but the code still has, each waiting for the item of issue 14 that
 * removes it. One place, with the reason; delete an entry when its import goes.
 * @type {{ from: string; to: string; reason: string }[]}
 */
export const exceptions = [
  // Issue 14 item 1: the repositories in src/storage/repositories move to src/<module>/store/,
  // where these imports are the owning module's own (or an allowed) dependency.
  ...['ingest', 'identity', 'profiles', 'catalog', 'imports'].map((to) => ({
    from: 'storage',
    to,
    reason: `storage/repositories import ${to}'s types and helpers back; they leave with the move of the repositories into src/<module>/store/ (issue 14 item 1)`,
  })),
];

/**
 * Pure files that are not (yet) in a `models/` or `stats/` folder, checked by the same
 * `rapport/pure-imports` rule. Two kinds, each with its reason:
 * - a module's concept files (its schema and type, `<concept>.ts`), which ARCHITECTURE.md keeps
 *   at the module root;
 * - pure cores that issue 14 item 6 reshapes (segments' and journeys' pure core, the
 *   recommender's and experiments' plain-data code): they move into a pure folder there, and
 *   leave this list then.
 */
export const pureOutsidePureFolders = {
  concepts: [
    'src/ingest/message.ts',
    'src/segments/condition.ts',
    'src/journeys/definition.ts',
    'src/experiments/definition.ts',
    'src/coupons/offer.ts',
    'src/identity/identifiers.ts',
    'src/privacy/consent.ts',
    'src/profiles/state.ts',
  ],
  pendingMove: [
    'src/channels/sms-segments.ts',
    'src/channels/outbound/url.ts',
    'src/shared/ip-address.ts',
    'src/privacy/mentions.ts',
    'src/privacy/preferences-page.ts',
    'src/identity/rules.ts',
    'src/identity/resolve.ts',
    'src/identity/graph.ts',
    'src/profiles/apply-event.ts',
    'src/profiles/traits.ts',
    'src/profiles/traffic-source.ts',
    'src/profiles/view.ts',
    'src/ingest/normalize.ts',
    'src/demo/random.ts',
    'src/segments/values.ts',
    'src/segments/event-stats.ts',
    'src/segments/evaluate.ts',
    'src/segments/compile.ts',
    'src/journeys/local-time.ts',
    'src/journeys/event-match.ts',
    'src/journeys/workspace-settings.ts',
    'src/journeys/recipes.ts',
    'src/recommendations/dataset.ts',
    'src/recommendations/select.ts',
    'src/recommendations/formats.ts',
    'src/recommendations/evaluation.ts',
    'src/recommendations/eval-strategies.ts',
    'src/recommendations/rules.ts',
    'src/recommendations/engine.ts',
    'src/recommendations/interactions.ts',
    'src/experiments/hash.ts',
    'src/experiments/assign.ts',
    'src/experiments/analysis.ts',
  ],
};

/**
 * Packages only some places may import (paths from the repository root; `*` is one folder, a
 * trailing `/` a whole folder). Test files are exempt: they start real databases and servers.
 */
export const packageRestrictions = [
  {
    packages: ['kysely', 'pg', 'better-sqlite3'],
    places: ['src/storage/', 'src/*/store/'],
    typeImports: true,
    reason: "SQL lives only in storage/ and the modules' store/ folders; elsewhere take a repository (types are fine)",
  },
  {
    packages: ['fastify', '@fastify/swagger', '@fastify/type-provider-typebox'],
    places: ['src/http/', 'src/rapport.ts'],
    typeImports: true,
    reason: 'domain modules know no HTTP; src/http mounts their routes',
  },
  {
    packages: ['node:http', 'node:https', 'http', 'https', 'undici'],
    places: ['src/channels/outbound/', 'src/cli/', 'src/demo/'],
    reason: 'every outbound HTTP call goes through the one guarded path in src/channels/outbound (the CLI and the demo call the Rapport API they were pointed at)',
  },
];
