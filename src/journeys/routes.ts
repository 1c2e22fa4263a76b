import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type JourneyService, JourneyDefinitionSchema, JourneyWorkspaceSettingsSchema, recipeNeeds, recipes } from '../journeys/index.js';
import { RapportError } from '../shared/errors.js';
import { documentedAs } from '../shared/documented-schema.js';
import type { TypedApp } from '../app/typed-app.js';
import { liveStream } from '../app/live.js';
import { callerOf } from '../app/caller.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
const Status = Type.Union([Type.Literal('draft'), Type.Literal('active'), Type.Literal('paused'), Type.Literal('archived')]);
// The definition is validated by the service (it names the bad node), so the route takes any object.
const DefinitionBody = documentedAs(
  Type.Object({}, { additionalProperties: true, description: 'A journey definition (docs/journeys-language.md); an invalid one is answered 400 naming each bad node' }),
  JourneyDefinitionSchema,
);
const JourneyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: Status,
  version: Type.Integer(),
  definition: documentedAs(Type.Unknown(), JourneyDefinitionSchema),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const Issue = Type.Object({ field: Type.String(), rule: Type.String(), message: Type.String() });
const Report = Type.Object({
  journeyId: Type.String(),
  version: Type.Integer(),
  status: Type.String(),
  entered: Type.Integer(),
  inProgress: Type.Integer(),
  completed: Type.Integer(),
  exited: Type.Record(Type.String(), Type.Integer()),
  sent: Type.Integer(),
  conversionWindowDays: Type.Integer(),
  conversions: Type.Object({
    goal: Type.Object({ runs: Type.Integer(), revenue: Type.Number() }),
    order: Type.Object({ runs: Type.Integer(), conversions: Type.Integer(), revenue: Type.Number() }),
  }),
  nodes: Type.Array(Type.Object({ nodeId: Type.String(), type: Type.String(), reached: Type.Integer(), inProgress: Type.Integer(), sends: Type.Record(Type.String(), Type.Integer()) })),
  arms: Type.Array(Type.Object({ nodeId: Type.String(), arm: Type.String(), entered: Type.Integer(), conversions: Type.Integer(), revenue: Type.Number() })),
  currency: Type.String({ description: 'The shop currency (ISO 4217) revenue is in' }),
});
const DryRunStep = Type.Object({ at: Type.String(), nodeId: Type.String(), type: Type.String(), detail: Type.String() });
const Run = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  profileId: Type.String(),
  entryKey: Type.String(),
  status: Type.String(),
  nodeId: Type.String(),
  step: Type.Integer(),
  wakeAt: Type.Union([Type.String(), Type.Null()]),
  arm: Type.Union([Type.String(), Type.Null()]),
  enteredAt: Type.String(),
  exitedAt: Type.Union([Type.String(), Type.Null()]),
  exitReason: Type.Union([Type.String(), Type.Null()]),
});
const RoleIds = Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.String({ minLength: 1, maxLength: 200 }));
const Supply = Type.Object({ role: Type.String(), id: Type.String(), created: Type.Boolean() });
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function runView(run: Awaited<ReturnType<JourneyService['runs']>>[number]): Static<typeof Run> {
  return {
    id: run.id,
    version: run.version,
    profileId: run.profileId,
    entryKey: run.entryKey,
    status: run.status,
    nodeId: run.nodeId,
    step: run.step,
    wakeAt: iso(run.wakeAt),
    arm: run.arm,
    enteredAt: new Date(run.enteredAt).toISOString(),
    exitedAt: iso(run.exitedAt),
    exitReason: run.exitReason,
  };
}

const tags = ['journeys'];

/**
 * The version an update was made against, from `If-Match: "3"` (or `3`, `W/"3"`); undefined when
 * the header is absent (an update without it replaces whatever is current, as before).
 */
export function expectedVersionOf(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const text = (Array.isArray(header) ? header.join(',') : header).trim();
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(text);
  if (match?.[1] === undefined || Number(match[1]) < 1)
    throw new RapportError('invalid_request', `If-Match must be the journey version being edited, such as "3"; got ${JSON.stringify(text.slice(0, 40))}`, [
      { field: 'if-match', rule: 'version', message: 'must be the journey version being edited, such as "3"' },
    ]);
  return Number(match[1]);
}

/** Journeys: CRUD with validation, lifecycle, entering by API, reports, dry runs and workspace settings. */
export async function journeysRoutes(scope: FastifyInstance, journeys: JourneyService): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  definitionRoutes(app, journeys);
  lifecycleRoutes(app, journeys);
  liveRoutes(app, journeys);
  reportingRoutes(app, journeys);
}

/** List and create journeys, install recipes, validate a definition. */
function definitionRoutes(app: TypedApp, journeys: JourneyService): void {
  app.get('/journeys', { schema: { tags, summary: 'Every journey of the workspace', response: { 200: Type.Object({ journeys: Type.Array(JourneyView) }) } } }, async (request) => ({
    journeys: await journeys.list(callerOf(request).workspaceId),
  }));

  app.post(
    '/journeys',
    {
      schema: {
        tags,
        summary: 'Create a journey (a draft); unreachable nodes, cycles without a wait and missing templates are errors naming the node',
        body: DefinitionBody,
        response: { 201: JourneyView },
      },
    },
    async (request, reply) => reply.status(201).send(await journeys.create(callerOf(request).workspaceId, request.body)),
  );

  app.get('/journeys/recipes', { schema: { tags, summary: 'Ready recipes, with the templates (starters) and coupon pools each installs by default' } }, async () => ({
    recipes: Object.keys(recipes).map((name) => ({ name, templates: recipeNeeds[name]?.templates ?? {}, coupons: recipeNeeds[name]?.coupons ?? {} })),
  }));

  app.post(
    '/journeys/recipes/:name',
    {
      schema: {
        tags,
        summary: 'Create a journey from a recipe; with real delivery its missing templates and coupon pools are created first (record-only delivery creates none)',
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }),
        body: Type.Optional(
          Type.Object(
            {
              templates: Type.Optional(RoleIds),
              coupons: Type.Optional(RoleIds),
              startAt: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
              currency: Type.Optional(Type.String({ minLength: 3, maxLength: 3 })),
              activate: Type.Optional(Type.Boolean()),
              pace: Type.Optional(
                Type.Union([Type.Literal('real'), Type.Literal('demo')], { description: '`demo`: every wait lasts a minute, no quiet hours or send window (for watching a journey play out)' }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        response: { 201: Type.Object({ journey: JourneyView, templates: Type.Array(Supply), coupons: Type.Array(Supply) }) },
      },
    },
    async (request, reply) => reply.status(201).send(await journeys.installRecipe(callerOf(request).workspaceId, request.params.name, request.body ?? {})),
  );

  app.post(
    '/journeys/validate',
    { schema: { tags, summary: 'Validate a definition without storing it', body: DefinitionBody, response: { 200: Type.Object({ valid: Type.Boolean(), issues: Type.Array(Issue) }) } } },
    async (request) => journeys.validate(callerOf(request).workspaceId, request.body),
  );
}

/** One journey: read, edit, migrate its runs, enter a profile by API. */
function lifecycleRoutes(app: TypedApp, journeys: JourneyService): void {
  app.get(
    '/journeys/:id',
    {
      schema: {
        tags,
        summary: 'One journey (its current version, or ?version=N)',
        params: IdParams,
        querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: { 200: JourneyView },
      },
    },
    async (request, reply) => {
      const journey = await journeys.get(callerOf(request).workspaceId, request.params.id, request.query.version);
      if (journey === undefined) throw new RapportError('not_found', `no journey "${request.params.id}"${request.query.version === undefined ? '' : ` with version ${request.query.version}`}`);
      if (request.query.version === undefined) void reply.header('etag', `"${journey.version}"`);
      return journey;
    },
  );

  app.put(
    '/journeys/:id',
    {
      schema: {
        tags,
        summary:
          'Store a new version; running customers finish the version they started unless migrated. With `If-Match: "N"` (the version edited) a journey saved meanwhile answers 409 journey.version_conflict instead of being overwritten',
        params: IdParams,
        querystring: Type.Object({
          expectedVersion: Type.Optional(Type.Integer({ minimum: 1, description: 'The same as If-Match, for clients that cannot set headers' })),
        }),
        headers: Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 100, description: 'The version this edit started from, e.g. "3" (the ETag of GET /journeys/{id})' })) }),
        body: DefinitionBody,
        response: { 200: JourneyView },
      },
    },
    async (request, reply) => {
      const expectedVersion = expectedVersionOf(request.headers['if-match']) ?? request.query.expectedVersion;
      const journey = await journeys.update(callerOf(request).workspaceId, request.params.id, request.body, expectedVersion === undefined ? {} : { expectedVersion });
      void reply.header('etag', `"${journey.version}"`);
      return journey;
    },
  );

  for (const action of ['activate', 'pause', 'resume', 'archive'] as const) {
    app.post(
      `/journeys/:id/${action}`,
      { schema: { tags, summary: `${action[0]?.toUpperCase() ?? ''}${action.slice(1)} the journey`, params: IdParams, response: { 200: JourneyView } } },
      async (request) => journeys[action](callerOf(request).workspaceId, request.params.id),
    );
  }

  app.post(
    '/journeys/:id/migrate',
    {
      schema: {
        tags,
        summary: 'Move customers on an older version to the current one (those on nodes that still exist)',
        params: IdParams,
        body: Type.Object({ fromVersion: Type.Integer({ minimum: 1 }) }),
        response: { 200: Type.Object({ moved: Type.Integer(), toVersion: Type.Integer() }) },
      },
    },
    async (request) => journeys.migrateRuns(callerOf(request).workspaceId, request.params.id, request.body.fromVersion),
  );

  app.post(
    '/journeys/:id/enter',
    {
      schema: {
        tags,
        summary: 'Enter one customer (API trigger), named by profile id or by an identifier',
        params: IdParams,
        body: Type.Object({
          profileId: Type.Optional(Type.String({ minLength: 1 })),
          identifier: Type.Optional(Type.Object({ type: Type.String({ minLength: 1 }), value: Type.String({ minLength: 1 }) })),
          entryKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        }),
        response: { 200: Type.Object({ profileId: Type.String(), runIds: Type.Array(Type.String()) }) },
      },
    },
    async (request) => journeys.enter(callerOf(request).workspaceId, request.params.id, request.body),
  );
}

/** The list counts and one journey's report as server-sent events (the canvas's live statistics). */
function liveRoutes(app: TypedApp, journeys: JourneyService): void {
  app.get(
    '/journeys/live',
    {
      schema: {
        tags,
        summary:
          'Server-sent events: `{ journeys: [{ id, status, version, entered, inProgress }] }`, each journey with its status, version, entered and in-progress counts, sent again whenever they change',
      },
    },
    (request, reply) => {
      const { workspaceId } = callerOf(request);
      return liveStream(request, reply, async () => ({ journeys: await journeys.counts(workspaceId) }), { everyMs: 3000 });
    },
  );

  app.get(
    '/journeys/:id/report/live',
    {
      schema: {
        tags,
        summary: 'Server-sent events: the journey report, as GET /journeys/{id}/report answers it (per node: reached, waiting, sends; conversions and revenue), sent again whenever it changes',
        params: IdParams,
      },
    },
    async (request, reply) => {
      const { workspaceId } = callerOf(request);
      const { id } = request.params;
      // A journey that does not exist answers 404 before the stream opens.
      await journeys.report(workspaceId, id);
      return liveStream(request, reply, () => journeys.report(workspaceId, id), { everyMs: 1500 });
    },
  );
}

/** Reports, dry runs, runs, and the workspace settings every journey obeys. */
function reportingRoutes(app: TypedApp, journeys: JourneyService): void {
  app.get(
    '/journeys/:id/report',
    {
      schema: {
        tags,
        summary: 'Entered, in progress, exits, sends, conversions and revenue, per journey and per node',
        params: IdParams,
        querystring: Type.Object({ windowDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })) }),
        response: { 200: Report },
      },
    },
    async (request) => journeys.report(callerOf(request).workspaceId, request.params.id, request.query.windowDays === undefined ? {} : { windowDays: request.query.windowDays }),
  );

  app.post(
    '/journeys/:id/dry-run',
    {
      schema: {
        tags,
        summary: 'Each step the journey would take for one profile, and when; nothing is sent',
        params: IdParams,
        body: Type.Object({
          profileId: Type.String({ minLength: 1 }),
          assumeEvents: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
          trigger: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        }),
        response: { 200: Type.Object({ steps: Type.Array(DryRunStep) }) },
      },
    },
    async (request) => {
      const { profileId, assumeEvents, trigger } = request.body;
      return {
        steps: await journeys.dryRun(callerOf(request).workspaceId, request.params.id, profileId, {
          ...(assumeEvents === undefined ? {} : { assumeEvents }),
          ...(trigger === undefined ? {} : { trigger }),
        }),
      };
    },
  );

  app.get(
    '/profiles/:id/journeys',
    {
      schema: {
        tags,
        summary: 'The journeys a profile is in now (active, waiting or paused), newest entry first',
        params: IdParams,
        response: { 200: Type.Object({ runs: Type.Array(Type.Object({ ...Run.properties, journeyId: Type.String(), journeyName: Type.String() })) }) },
      },
    },
    async (request) => ({
      runs: (await journeys.profileRuns(callerOf(request).workspaceId, request.params.id)).map((run) => ({ ...runView(run), journeyId: run.journeyId, journeyName: run.journeyName })),
    }),
  );

  app.get(
    '/journeys/:id/runs',
    {
      schema: {
        tags,
        summary: 'Customers in the journey (first 100 by run id)',
        params: IdParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
        response: { 200: Type.Object({ runs: Type.Array(Run) }) },
      },
    },
    async (request) => {
      const runs = await journeys.runs(callerOf(request).workspaceId, request.params.id, request.query.limit === undefined ? {} : { limit: request.query.limit });
      return { runs: runs.map(runView) };
    },
  );

  app.get('/journey-settings', { schema: { tags, summary: 'Frequency caps, global control group and default time zone', response: { 200: JourneyWorkspaceSettingsSchema } } }, async (request) =>
    journeys.settings(callerOf(request).workspaceId),
  );

  app.put(
    '/journey-settings',
    { schema: { tags, summary: 'Replace the journey settings of the workspace', body: Type.Object({}, { additionalProperties: true }), response: { 200: JourneyWorkspaceSettingsSchema } } },
    async (request) => journeys.updateSettings(callerOf(request).workspaceId, request.body),
  );
}
