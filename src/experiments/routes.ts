import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AssignmentSchema, ExperimentInputSchema } from './definition.js';
import type { ExperimentService } from './experiment-service.js';
import { minimumDetectableEffect, power, sampleSizePerVariant } from './stats/power.js';
import { RapportError } from '../shared/errors.js';
import { documentedAs } from '../shared/documented-schema.js';
import type { TypedApp } from '../app/typed-app.js';
import { callerOf } from '../app/caller.js';

const FreeObject = Type.Object({}, { additionalProperties: true });
const Status = Type.Union([Type.Literal('draft'), Type.Literal('running'), Type.Literal('stopped'), Type.Literal('completed')]);

export const ExperimentSchema = Type.Object(
  {
    id: Type.String(),
    key: Type.String(),
    name: Type.String(),
    status: Status,
    winner: Type.Union([Type.String(), Type.Null()]),
    definition: documentedAs(Type.Object({}, { additionalProperties: true, description: 'The validated definition, defaults filled in' }), ExperimentInputSchema),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    stoppedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'Experiment' },
);

const ResultsSchema = Type.Object(
  {
    experiment: Type.String(),
    experimentId: Type.String(),
    status: Status,
    winner: Type.Union([Type.String(), Type.Null()]),
    method: Type.String(),
    alpha: Type.Number(),
    difference: Type.String(),
    computedAt: Type.String({ format: 'date-time' }),
    units: Type.Array(Type.Object({ variant: Type.String(), units: Type.Integer(), expectedShare: Type.Number(), observedShare: Type.Number() })),
    srm: Type.Object({ chiSquare: Type.Number(), pValue: Type.Number(), mismatch: Type.Boolean() }),
    metrics: Type.Array(FreeObject, {
      description:
        "Per metric: per variant units, value and the comparison with control (estimate, ci — null for an unbounded one-sided end —, significant, direction, says: the result in words, numbers: the experiment's method with its p-values or chance to win and risk; otherMethods only with methods=all) or {ok: false, reason, message}",
    }),
    warnings: Type.Array(Type.Object({ code: Type.String(), message: Type.String(), metric: Type.Optional(Type.String()), variant: Type.Optional(Type.String()) })),
    verdict: Type.Object({ status: Type.String(), variant: Type.Union([Type.String(), Type.Null()]), text: Type.String() }),
    promote: Type.Union([Type.String(), Type.Null()]),
    promoted: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'ExperimentResults' },
);

const IdParams = Type.Object({ id: Type.String({ minLength: 1, description: 'Experiment id or key' }) });

const tags = ['experiments'];

/** Experiments: definitions, lifecycle, results, a preview of assignment, and a power calculator. */
export async function experimentRoutes(scope: FastifyInstance, experiments: ExperimentService): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  definitionRoutes(app, experiments);
  decisionRoutes(app, experiments);
  assignmentRoutes(app, experiments);
}

/** List, create, read and edit experiments; start and stop them. */
function definitionRoutes(app: TypedApp, experiments: ExperimentService): void {
  app.get(
    '/experiments',
    {
      schema: {
        tags,
        summary: 'Experiments, oldest first',
        querystring: Type.Object({ status: Type.Optional(Status) }),
        response: { 200: Type.Object({ experiments: Type.Array(ExperimentSchema) }) },
      },
    },
    async (request) => ({ experiments: await experiments.list(callerOf(request).workspaceId, request.query.status) }),
  );

  app.post('/experiments', { schema: { tags, summary: 'Create an experiment (as a draft)', body: ExperimentInputSchema, response: { 201: ExperimentSchema } } }, async (request, reply) =>
    reply.status(201).send(await experiments.create(callerOf(request).workspaceId, request.body)),
  );

  app.get('/experiments/:id', { schema: { tags, summary: 'One experiment', params: IdParams, response: { 200: ExperimentSchema } } }, async (request) =>
    experiments.get(callerOf(request).workspaceId, request.params.id),
  );

  app.put(
    '/experiments/:id',
    {
      schema: {
        tags,
        summary:
          'Replace the definition (the key stays; exposed units keep their variant); with expectedUpdatedAt, an experiment saved meanwhile answers 409 experiment.edit_conflict instead of being overwritten',
        params: IdParams,
        querystring: Type.Object({ expectedUpdatedAt: Type.Optional(Type.String({ maxLength: 40, description: 'The updatedAt the editor read' })) }),
        body: ExperimentInputSchema,
        response: { 200: ExperimentSchema },
      },
    },
    async (request) =>
      experiments.update(callerOf(request).workspaceId, request.params.id, request.body, request.query.expectedUpdatedAt === undefined ? {} : { expectedUpdatedAt: request.query.expectedUpdatedAt }),
  );

  app.post('/experiments/:id/start', { schema: { tags, summary: 'Start assigning units', params: IdParams, response: { 200: ExperimentSchema } } }, async (request) =>
    experiments.start(callerOf(request).workspaceId, request.params.id),
  );

  app.post('/experiments/:id/stop', { schema: { tags, summary: 'Stop assigning (everyone gets the control)', params: IdParams, response: { 200: ExperimentSchema } } }, async (request) =>
    experiments.stop(callerOf(request).workspaceId, request.params.id),
  );
}

/** Promote a variant, rebalance a bandit, read the results. */
function decisionRoutes(app: TypedApp, experiments: ExperimentService): void {
  app.post(
    '/experiments/:id/promote',
    {
      schema: {
        tags,
        summary: 'Complete the experiment and roll out a variant to everyone',
        params: IdParams,
        body: Type.Object({ variant: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        response: { 200: ExperimentSchema },
      },
    },
    async (request) => experiments.promote(callerOf(request).workspaceId, request.params.id, request.body.variant),
  );

  app.post(
    '/experiments/:id/rebalance',
    {
      schema: {
        tags,
        summary: 'Thompson-sampling bandit: move weights toward the variant likely best on the primary metric',
        params: IdParams,
        response: { 200: Type.Object({ experiment: ExperimentSchema, weights: Type.Array(Type.Number()) }) },
      },
    },
    async (request) => experiments.rebalance(callerOf(request).workspaceId, request.params.id),
  );

  app.get(
    '/experiments/:id/results',
    {
      config: { analysis: true },
      schema: {
        tags,
        summary: 'Results per variant and metric, with warnings and a verdict (auto-promotes when the rule is met)',
        params: IdParams,
        querystring: Type.Object({
          methods: Type.Optional(
            Type.Union([Type.Literal('configured'), Type.Literal('all')], {
              default: 'configured',
              description: "configured: only the numbers of the experiment's method, which made the verdict; all: also the other methods' numbers (otherMethods)",
            }),
          ),
        }),
        response: { 200: ResultsSchema },
      },
    },
    async (request) => experiments.results(callerOf(request).workspaceId, request.params.id, { methods: request.query.methods ?? 'configured' }),
  );
}

/** Preview the variants of a unit, and the power calculator. */
function assignmentRoutes(app: TypedApp, experiments: ExperimentService): void {
  app.post(
    '/experiments/assign',
    {
      schema: {
        tags,
        summary: 'Preview the variants of a unit (does not record exposures unless expose is true)',
        body: Type.Object(
          {
            userId: Type.Optional(Type.String({ minLength: 1 })),
            anonymousId: Type.Optional(Type.String({ minLength: 1 })),
            experiments: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100 })),
            expose: Type.Optional(Type.Boolean({ default: false })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ assignments: Type.Array(AssignmentSchema) }) },
      },
    },
    async (request) => {
      const { userId, anonymousId, experiments: keys, expose } = request.body;
      if (userId === undefined && anonymousId === undefined) throw new RapportError('experiment.unit_missing', 'name the unit with userId or anonymousId');
      return { assignments: await experiments.assign(callerOf(request).workspaceId, { userId, anonymousId, experiments: keys, expose: expose ?? false }) };
    },
  );

  app.post(
    '/experiments/power',
    {
      config: { reads: true },
      schema: {
        tags,
        summary: 'Power calculator: units per variant for an effect, or the smallest effect detectable with given units',
        body: Type.Object(
          {
            baseline: Type.Number({ exclusiveMinimum: 0, description: 'Control mean (a conversion rate like 0.05, or revenue per visitor)' }),
            standardDeviation: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Per-unit standard deviation; omitted for a conversion rate (√(p(1 − p)))' })),
            relativeEffect: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'The lift to detect, e.g. 0.1 for +10%' })),
            unitsPerVariant: Type.Optional(Type.Integer({ minimum: 2 })),
            alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 0.5, default: 0.05 })),
            power: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.8 })),
            alternative: Type.Optional(Type.Union([Type.Literal('two-sided'), Type.Literal('greater'), Type.Literal('less')])),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            unitsPerVariant: Type.Union([Type.Integer(), Type.Null()]),
            minimumDetectableEffect: Type.Union([Type.Number(), Type.Null()], { description: 'Relative to the baseline' }),
            power: Type.Union([Type.Number(), Type.Null()], { description: 'Power for relativeEffect with unitsPerVariant, when both are given' }),
          }),
        },
      },
    },
    async (request) => {
      const body = request.body;
      if (body.standardDeviation === undefined && !(body.baseline < 1)) {
        throw new RapportError('experiment.plan_invalid', 'a conversion rate baseline must be below 1; for other metrics give standardDeviation');
      }
      if (body.relativeEffect === undefined && body.unitsPerVariant === undefined)
        throw new RapportError('experiment.plan_invalid', 'give relativeEffect (to get units) or unitsPerVariant (to get the detectable effect), or both');
      const variance = body.standardDeviation === undefined ? body.baseline * (1 - body.baseline) : body.standardDeviation ** 2;
      const common = { variance, alpha: body.alpha ?? 0.05, alternative: body.alternative ?? 'two-sided' } as const;
      const effect = body.relativeEffect === undefined ? undefined : body.relativeEffect * body.baseline;
      return {
        unitsPerVariant: effect === undefined ? null : sampleSizePerVariant({ ...common, effect, power: body.power ?? 0.8 }),
        minimumDetectableEffect: body.unitsPerVariant === undefined ? null : minimumDetectableEffect({ ...common, n: body.unitsPerVariant, power: body.power ?? 0.8 }) / body.baseline,
        power: effect === undefined || body.unitsPerVariant === undefined ? null : power({ ...common, n: body.unitsPerVariant, effect }),
      };
    },
  );
}
