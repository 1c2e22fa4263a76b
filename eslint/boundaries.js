/**
 * The boundary table of ../shared/ARCHITECTURE.md ("Dependency rules"): for each folder under
 * src/ (a module, or a root file such as `rapport.ts`), the other folders its code may import.
 * `eslint.config.js` enforces it with the `rapport/module-boundaries` rule; tests (`*.test.ts`,
 * `test/` folders) are outside it because they assemble real parts from several modules.
 *
 * Layers: `http`, `cli`, `demo` and the composition root (`rapport`) → domain modules →
 * `app`, `storage`, `log`, `config` → `shared`. A module reaches another only through its
 * `index.ts` once that file exists; until then deep imports are allowed (the rule switches per
 * module as soon as `src/<module>/index.ts` appears). `index.ts` is the module's public surface
 * (re-exports only); its `Module` registration lives in `module.ts`, which only the composition
 * root (`composers`) imports, so that importing a module's functions never pulls in every
 * module it is wired to (ESM import cycles).
 */

/** Infrastructure every domain module may use: `app` is the Module contract and lifecycle. */
const infrastructure = ['shared', 'config', 'storage', 'log', 'app'];

/** @type {Record<string, string[]>} module → modules it may import (besides itself). */
export const boundaries = {
  shared: [],
  config: ['shared'],
  storage: ['shared', 'config'],
  log: ['shared', 'config', 'storage'],
  // The Module contract (module.ts, kernel.ts) and the lifecycle that starts modules in order.
  app: ['shared', 'config', 'storage', 'log'],
  version: [],

  // Event retention is a per-workspace setting (ingest/retention.ts reads the workspace list).
  ingest: [...infrastructure, 'workspaces'],
  identity: [...infrastructure, 'ingest'],
  // Product views and carts are valued in the shop's currency (catalog's shop settings).
  profiles: [...infrastructure, 'ingest', 'identity', 'catalog'],
  catalog: [...infrastructure, 'ingest'],
  workspaces: [...infrastructure],
  users: [...infrastructure, 'app', 'workspaces'],
  // The marketer's dashboard (app/) as built files served at /: no domain knowledge.
  dashboard: ['shared', 'app'],
  templates: [...infrastructure],
  // Coupon values are in the shop's currency (catalog's shop settings); its API issues a code to a
  // profile from the profile's scores.
  coupons: [...infrastructure, 'catalog', 'profiles'],
  imports: [...infrastructure, 'ingest', 'catalog'],
  // Chores give every workspace its job: the scheduler lists the workspaces.
  scheduler: [...infrastructure, 'privacy', 'workspaces'],
  processor: [...infrastructure, 'ingest', 'identity', 'profiles', 'segments'],
  // Recommendation slots in a message are filled at send time (the recommendations module).
  channels: [...infrastructure, 'ingest', 'identity', 'profiles', 'catalog', 'coupons', 'templates', 'workspaces', 'privacy', 'recommendations'],
  privacy: [...infrastructure, 'ingest', 'identity', 'profiles', 'coupons', 'workspaces', 'channels'],
  segments: [...infrastructure, 'ingest', 'identity', 'profiles', 'processor', 'channels', 'imports', 'privacy'],
  // Journeys consume the event stream after the processor and wait on its cursor positions.
  journeys: [...infrastructure, 'ingest', 'identity', 'profiles', 'catalog', 'coupons', 'templates', 'channels', 'segments', 'scheduler', 'privacy', 'processor'],
  // Reports and the workspace activity summary count what the other modules hold (sent
  // messages, segments, journeys, experiments, template versions) and read the shop currency.
  analytics: [...infrastructure, 'ingest', 'profiles', 'processor', 'privacy', 'workspaces', 'catalog', 'channels', 'segments', 'experiments', 'journeys', 'templates'],
  // Profile targeting resolves a visitor to a profile and reads its scores and timeline;
  // conversion values are in the shop's currency.
  experiments: [...infrastructure, 'ingest', 'segments', 'privacy', 'identity', 'profiles', 'catalog', 'workspaces'],
  // Recommendations resolve the visitor's profile, page through the catalog, and take the
  // workspaces module (its settings) as a dependency; trainings are scheduler jobs (one worker trains).
  recommendations: [...infrastructure, 'ingest', 'profiles', 'templates', 'identity', 'catalog', 'workspaces', 'scheduler'],
  // Predictions read tracked inventory from the catalog and run for every workspace.
  predictive: [...infrastructure, 'profiles', 'scheduler', 'catalog', 'workspaces'],
  // On-site campaigns read memberships, scores, coupons, consent and journeys to decide and act for a visitor.
  onsite: [
    ...infrastructure,
    'ingest',
    'identity',
    'profiles',
    'catalog',
    'coupons',
    'templates',
    'channels',
    'privacy',
    'segments',
    'journeys',
    'scheduler',
    'experiments',
    'recommendations',
    'workspaces',
  ],
  // The dashboard's home screen (GET /overview/*): one read over the figures of several modules.
  overview: [...infrastructure, 'ingest', 'profiles', 'journeys', 'onsite', 'channels', 'scheduler'],

  // Entry points: they mount and wire the modules. `*` is every domain module and the infrastructure.
  // The demo storefront's pages name the demo's source (its write key is created by the demo).
  http: ['*', 'demo'],
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
  // The Module contract names what modules contribute with their own types: a type-only cycle
  // until those contract types (privacy handler, processor extension, job handler) move into src/app.
  ...['privacy', 'processor', 'scheduler'].map((to) => ({
    from: 'app',
    to,
    reason: `app/module.ts takes a type from ${to} (type-only cycle, ${to} uses app); the contract type belongs in src/app`,
  })),
  {
    from: 'log',
    to: 'ingest',
    reason: "log/store/event-log.ts types its rows with ingest's TrackingMessage while ingest appends to the log (type-only cycle); the message type belongs below both",
  },
  {
    from: 'onsite',
    to: 'demo',
    reason: 'the demo storefront (onsite/storefront) renders the demo catalog; it belongs with the demo once the demo is a module',
  },
];

/**
 * Narrow surfaces a file may import although its folder's row does not list the module: the
 * storage layer assembles the database type and the migration list from every module's store.
 * Each entry names the importing file (from src/), the files it may import in any module's
 * folder, and whether only types may cross. Nothing else in storage/ may import a module.
 * @type {{ from: string; files: string[]; typeOnly?: boolean; reason: string }[]}
 */
export const surfaces = [
  {
    from: 'storage/schema.ts',
    files: ['store/tables.ts'],
    typeOnly: true,
    reason: "the Database type is the union of every module's table types (ARCHITECTURE.md: each module owns its tables)",
  },
  {
    from: 'storage/migration-sets.ts',
    files: ['store/migrations/index.ts'],
    reason: "the migrator collects every module's migrations (ARCHITECTURE.md: the migrator that collects every module's migrations)",
  },
];

/** Folders that wire modules together and so may import a module's `module.ts` (its registration). */
export const composers = ['rapport'];

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
    'src/privacy/built-in-topics.ts',
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
    reason: "domain modules take Fastify's types only (their routes.ts, the Module contract's `routes`); src/http builds the app and mounts the modules' routes",
  },
  {
    packages: ['node:http', 'node:https', 'http', 'https', 'undici'],
    places: ['src/channels/outbound/', 'src/cli/', 'src/demo/'],
    reason: 'every outbound HTTP call goes through the one guarded path in src/channels/outbound (the CLI and the demo call the Rapport API they were pointed at)',
  },
];
