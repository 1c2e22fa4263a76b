import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Processor } from '../../processor/index.js';
import { authOf } from './auth.js';

/** How far the processor is behind the event log, for this workspace. */
export async function processorRoutes(scope: FastifyInstance, processor: Pick<Processor, 'status'>): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/processor',
    {
      schema: {
        tags: ['events'],
        summary: 'Processor lag: events appended but not yet turned into profiles, and the age of the oldest',
        response: {
          200: Type.Object({
            lagEvents: Type.Integer(),
            lagMs: Type.Integer(),
            percentDone: Type.Number({ description: 'Processed share of the log, for progress displays' }),
            partitions: Type.Array(Type.Object({ partition: Type.Integer(), head: Type.Integer(), cursor: Type.Integer() })),
          }),
        },
      },
    },
    async (request) => {
      const { workspaceId } = authOf(request);
      const status = await processor.status();
      const partitions = status.cursors.filter((position) => position.workspaceId === workspaceId);
      const head = partitions.reduce((sum, position) => sum + position.head, 0);
      const lagEvents = partitions.reduce((sum, position) => sum + Math.max(0, position.head - position.cursor), 0);
      return {
        lagEvents,
        lagMs: lagEvents === 0 ? 0 : Math.round(status.lagMs),
        percentDone: head === 0 ? 100 : Math.floor(((head - lagEvents) / head) * 1000) / 10,
        partitions: partitions.map(({ partition, head: partitionHead, cursor }) => ({ partition, head: partitionHead, cursor })),
      };
    },
  );
}
