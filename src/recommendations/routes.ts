import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type RecommendationService, RecommendationResultSchema, BusinessRules, StrategyName } from '../recommendations/index.js';
import { RapportError } from '../shared/errors.js';
import { callerOf } from '../app/caller.js';

export const RecommendationQuery = Type.Object({
  strategy: StrategyName,
  profile: Type.Optional(Type.String({ minLength: 1, description: 'Profile id (for-you, recently-viewed, exclusions of purchases and cart)' })),
  product: Type.Optional(Type.String({ minLength: 1, description: 'The product on the page (also-bought, viewed-together, complementary)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  group: Type.Optional(Type.String({ minLength: 1, description: 'best-sellers: gender:female, country:fr, city:paris, category:<path>, or a text score such as rfm_group:champions' })),
});

const TrainingSchema = Type.Object(
  {
    id: Type.String(),
    status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]),
    stage: Type.String(),
    progress: Type.Number({ minimum: 0, maximum: 1 }),
    trigger: Type.String(),
    report: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], { description: 'Model report: products, profiles, interactions, pairs learned, rules, time per stage' }),
    error: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
    started_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'RecommendationTraining' },
);

const RuleStrategy = Type.Object({ strategy: Type.Union([StrategyName, Type.Literal('*')], { description: 'A strategy, or * for rules every strategy starts from' }) });

/** Recommendations for server-side callers, training runs and business rules. */
export async function recommendationRoutes(scope: FastifyInstance, recommendations: RecommendationService): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/recommendations',
    {
      schema: {
        tags: ['recommendations'],
        summary: 'Recommended products for a slot: a strategy, optionally a profile and the product on the page',
        querystring: RecommendationQuery,
        response: { 200: RecommendationResultSchema },
      },
    },
    async (request) => {
      const { strategy, profile, product, limit, group } = request.query;
      const result = await recommendations.recommend(callerOf(request).workspaceId, { strategy, profileId: profile, product, limit, group });
      // The service serves anonymous slots for unknown visitors; a caller naming a profile means that one.
      if (profile !== undefined && result.profile_id === null) throw new RapportError('not_found', `no profile "${profile}"; omit profile for recommendations without personalization`);
      return result;
    },
  );

  app.post(
    '/recommendations/trainings',
    { schema: { tags: ['recommendations'], summary: 'Start training every strategy from the event log and the catalog (runs in the background)', response: { 202: TrainingSchema } } },
    async (request, reply) => reply.status(202).send(await recommendations.startTraining(callerOf(request).workspaceId, 'api')),
  );

  app.get(
    '/recommendations/trainings',
    {
      schema: {
        tags: ['recommendations'],
        summary: 'Training runs, newest first, with progress and model reports',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) }),
        response: { 200: Type.Object({ trainings: Type.Array(TrainingSchema) }) },
      },
    },
    async (request) => ({ trainings: await recommendations.listTrainings(callerOf(request).workspaceId, request.query.limit) }),
  );

  app.get(
    '/recommendations/trainings/:id',
    { schema: { tags: ['recommendations'], summary: 'One training run', params: Type.Object({ id: Type.String({ minLength: 1 }) }), response: { 200: TrainingSchema } } },
    async (request) => {
      const training = await recommendations.getTraining(callerOf(request).workspaceId, request.params.id);
      if (training === undefined) throw new RapportError('not_found', `no training "${request.params.id}"`);
      return training;
    },
  );

  app.get(
    '/recommendations/rules',
    {
      schema: {
        tags: ['recommendations'],
        summary: 'Business rules by strategy (* applies to every strategy; a strategy overrides it field by field)',
        response: {
          200: Type.Object({
            rules: Type.Record(Type.String(), BusinessRules),
            updatedAt: Type.Record(Type.String(), Type.String({ format: 'date-time' }), {
              description:
                'When each strategy’s rules were last saved. Send it back as expectedUpdatedAt (or `never` for a strategy without rules) so a save over someone else’s answers 409 recommendation.edit_conflict',
            }),
          }),
        },
      },
    },
    async (request) => {
      const { workspaceId } = callerOf(request);
      return { rules: await recommendations.getRules(workspaceId), updatedAt: await recommendations.rulesSavedAt(workspaceId) };
    },
  );

  app.put(
    '/recommendations/rules/:strategy',
    {
      schema: {
        tags: ['recommendations'],
        summary: 'Set the business rules of a strategy (or * for all); with expectedUpdatedAt, rules saved meanwhile answer 409 recommendation.edit_conflict instead of being overwritten',
        params: RuleStrategy,
        querystring: Type.Object({
          expectedUpdatedAt: Type.Optional(Type.String({ maxLength: 40, description: 'The updatedAt the editor read for this strategy, or `never` when it had no rules' })),
        }),
        body: BusinessRules,
        response: { 200: BusinessRules },
      },
    },
    async (request) => {
      const { expectedUpdatedAt } = request.query;
      return recommendations.putRules(callerOf(request).workspaceId, request.params.strategy, request.body, expectedUpdatedAt === undefined ? {} : { expectedUpdatedAt });
    },
  );

  app.delete('/recommendations/rules/:strategy', { schema: { tags: ['recommendations'], summary: 'Remove the rules of a strategy', params: RuleStrategy } }, async (request, reply) => {
    const deleted = await recommendations.deleteRules(callerOf(request).workspaceId, request.params.strategy);
    if (!deleted) throw new RapportError('not_found', `no rules for "${request.params.strategy}"`);
    return reply.status(204).send();
  });
}
