import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AssignmentSchema } from './definition.js';
import type { ExperimentService } from './experiment-service.js';
import { RapportError } from '../shared/errors.js';
import { requireWriteKeyScope, writeKeyOf, type WorkspaceService } from '../workspaces/index.js';

export interface PublicExperimentDeps {
  experiments: ExperimentService;
  workspaces: WorkspaceService;
}

/**
 * Variant assignment for the browser SDK and servers, scoped by a write key (Basic auth or
 * `writeKey` in the body, as the tracking API accepts). The first assignment of a unit is
 * stored and logged once as an `Experiment Viewed` event; later calls return the same variant.
 */
export async function publicExperimentRoutes(scope: FastifyInstance, deps: PublicExperimentDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v1/experiments/assign',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Variants for a visitor (write key as Basic auth or "writeKey"); records the exposure',
        security: [],
        body: Type.Object(
          {
            writeKey: Type.Optional(Type.String({ minLength: 1 })),
            userId: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
            anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
            experiments: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100, description: 'Keys; every running experiment when absent' })),
            expose: Type.Optional(Type.Boolean({ default: true, description: 'false: look up without recording an exposure' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ assignments: Type.Array(AssignmentSchema) }) },
      },
    },
    async (request, reply) => {
      const origin = request.headers.origin;
      void reply.header('Access-Control-Allow-Origin', origin ?? '*');
      if (origin !== undefined) void reply.header('Vary', 'Origin');
      const { writeKey, userId, anonymousId, experiments, expose } = request.body;
      const key = writeKeyOf(request.headers.authorization, writeKey === undefined ? {} : { writeKey });
      if (key === undefined) throw new RapportError('unauthorized', 'no write key: send Authorization: Basic base64("<writeKey>:") or "writeKey" in the body');
      const source = await deps.workspaces.authenticateWriteKey(key);
      if (source === undefined) throw new RapportError('unauthorized', 'the write key is not recognized or was revoked; check the key of this source');
      requireWriteKeyScope(source, 'onsite');
      if (userId === undefined && anonymousId === undefined) throw new RapportError('experiment.unit_missing', 'name the visitor with userId or anonymousId (the SDK sends its anonymousId)');
      const assignments = await deps.experiments.assign(source.workspaceId, { userId, anonymousId, experiments, expose: expose ?? true, sourceId: source.id });
      return { assignments };
    },
  );
}
