import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { RecommendationResultSchema } from './recommendation.js';
import type { RecommendationService } from './recommendation-service.js';
import { StrategyName } from './rules.js';
import { RapportError } from '../shared/errors.js';
import { requireWriteKeyScope, writeKeyOf, type WorkspaceService } from '../workspaces/index.js';

export interface PublicRecommendationDeps {
  recommendations: RecommendationService;
  workspaces: WorkspaceService;
}

/**
 * Recommendations for the browser SDK, scoped by a write key (the key a site already ships for
 * tracking): the visitor is named by its userId or anonymousId, never by a profile id, and the
 * answer holds only catalog fields.
 */
export async function publicRecommendationRoutes(scope: FastifyInstance, deps: PublicRecommendationDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/recommendations',
    {
      schema: {
        tags: ['recommendations'],
        summary: 'Recommendations for the SDK (write key as Basic auth or ?writeKey=)',
        security: [],
        querystring: Type.Object({
          strategy: StrategyName,
          writeKey: Type.Optional(Type.String({ minLength: 1 })),
          userId: Type.Optional(Type.String({ minLength: 1 })),
          anonymousId: Type.Optional(Type.String({ minLength: 1 })),
          product: Type.Optional(Type.String({ minLength: 1 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
          group: Type.Optional(Type.String({ minLength: 1 })),
        }),
        response: { 200: RecommendationResultSchema },
      },
    },
    async (request, reply) => {
      const origin = request.headers.origin;
      void reply.header('Access-Control-Allow-Origin', origin ?? '*');
      if (origin !== undefined) void reply.header('Vary', 'Origin');
      const { strategy, writeKey, userId, anonymousId, product, limit, group } = request.query;
      const key = writeKeyOf(request.headers.authorization, writeKey === undefined ? {} : { writeKey });
      if (key === undefined) throw new RapportError('unauthorized', 'no write key: send Authorization: Basic base64("<writeKey>:") or ?writeKey=');
      const source = await deps.workspaces.authenticateWriteKey(key);
      if (source === undefined) throw new RapportError('unauthorized', 'the write key is not recognized or was revoked; check the key of this source');
      requireWriteKeyScope(source, 'onsite');
      const profileId = await deps.recommendations.profileFor(source.workspaceId, { userId, anonymousId });
      const result = await deps.recommendations.recommend(source.workspaceId, { strategy, profileId, product, limit, group });
      // The browser learns nothing about the profile store: no profile id, no scores.
      return { ...result, profile_id: null };
    },
  );
}
