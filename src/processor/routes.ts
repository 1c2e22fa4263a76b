import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FollowerLag } from '../log/follower.js';
import type { Module } from '../app/module.js';
import type { Processor } from './processor.js';
import { callerOf } from '../app/caller.js';

/** A follower of the log downstream of the processor (journeys), whose lag is reported beside it. */
export interface LagSource {
  lag(): Promise<FollowerLag>;
}

/** The log followers that say how far they trail the log (the processor reports its own). */
export function lagSources(modules: readonly Module[]): LagSource[] {
  const sources: LagSource[] = [];
  for (const follower of modules.flatMap((module) => module.followers ?? [])) {
    const lag = follower.lag;
    if (lag !== undefined) sources.push({ lag: () => lag.call(follower) });
  }
  return sources;
}

/** How far the processor, and the followers that trail it, are behind the event log, for this workspace. */
export async function processorRoutes(scope: FastifyInstance, processor: Pick<Processor, 'status'>, followers: readonly LagSource[] = []): Promise<void> {
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
            followers: Type.Array(
              Type.Object({
                name: Type.String({ description: 'The follower of the event log, e.g. `journeys`' }),
                lagEvents: Type.Integer({ description: 'Events it may read (the processor has applied them) that it has not read yet' }),
              }),
              { description: 'Followers that trail the processor, and how far behind it each is' },
            ),
          }),
        },
      },
    },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const [status, lags] = await Promise.all([processor.status(), Promise.all(followers.map((follower) => follower.lag()))]);
      const partitions = status.cursors.filter((position) => position.workspaceId === workspaceId);
      // Progress over log positions (on PostgreSQL they have gaps), lag in events.
      const head = partitions.reduce((sum, position) => sum + position.head, 0);
      const done = partitions.reduce((sum, position) => sum + Math.min(position.head, position.cursor), 0);
      const lagEvents = partitions.reduce((sum, position) => sum + position.unread, 0);
      return {
        lagEvents,
        lagMs: lagEvents === 0 ? 0 : Math.round(status.lagMs),
        percentDone: head === 0 ? 100 : Math.floor((done / head) * 1000) / 10,
        partitions: partitions.map(({ partition, head: partitionHead, cursor }) => ({ partition, head: partitionHead, cursor })),
        followers: lags.map((lag) => ({
          name: lag.name,
          lagEvents: lag.partitions.filter((position) => position.workspaceId === workspaceId).reduce((sum, position) => sum + position.unread, 0),
        })),
      };
    },
  );
}
