import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { EventLogService } from '../ingest/index.js';
import { callerOf } from '../app/caller.js';

export const LoggedEvent = Type.Object(
  {
    partition: Type.Integer(),
    seq: Type.Integer(),
    messageId: Type.String(),
    type: Type.String(),
    event: Type.Union([Type.String(), Type.Null()]),
    userId: Type.Union([Type.String(), Type.Null()]),
    anonymousId: Type.Union([Type.String(), Type.Null()]),
    timestamp: Type.Integer(),
    receivedAt: Type.Integer(),
    message: Type.Object({}, { additionalProperties: true }),
  },
  { $id: 'LoggedEvent' },
);

/** Read access to the event log and the quarantine of rejected items. */
export async function eventRoutes(scope: FastifyInstance, log: EventLogService): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Events in the log matching simple filters',
        querystring: Type.Object({
          messageId: Type.Optional(Type.String()),
          userId: Type.Optional(Type.String()),
          anonymousId: Type.Optional(Type.String()),
          type: Type.Optional(Type.String()),
          event: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }),
        response: { 200: Type.Object({ events: Type.Array(LoggedEvent) }) },
      },
    },
    async (request) => ({ events: await log.events(callerOf(request).workspaceId, request.query) }),
  );

  app.get(
    '/events/sources',
    {
      schema: {
        tags: ['events'],
        summary: 'Install check: per source (write key id; null for imports and server calls) the last event received and how many the log holds',
        response: {
          200: Type.Object({
            sources: Type.Array(Type.Object({ sourceId: Type.Union([Type.String(), Type.Null()]), lastReceivedAt: Type.Integer(), events: Type.Integer() })),
          }),
        },
      },
    },
    async (request) => ({ sources: await log.sources(callerOf(request).workspaceId) }),
  );

  app.get(
    '/events/names',
    {
      schema: {
        tags: ['events'],
        summary: 'Event, page and screen names the workspace has sent, most frequent first (for funnel and segment pickers)',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })) }),
        response: { 200: Type.Object({ names: Type.Array(Type.Object({ type: Type.String(), event: Type.String(), count: Type.Integer() })) }) },
      },
    },
    async (request) => ({ names: await log.names(callerOf(request).workspaceId, request.query.limit) }),
  );

  app.get(
    '/events/rejected',
    {
      schema: {
        tags: ['events'],
        summary: 'Items dropped at ingest, with the reason (quarantine)',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }),
        response: {
          200: Type.Object({
            rejected: Type.Array(
              Type.Object({ id: Type.String(), receivedAt: Type.Integer(), sourceId: Type.Union([Type.String(), Type.Null()]), code: Type.String(), message: Type.String(), payload: Type.String() }),
            ),
          }),
        },
      },
    },
    async (request) => ({ rejected: await log.rejected(callerOf(request).workspaceId, request.query.limit) }),
  );
}
