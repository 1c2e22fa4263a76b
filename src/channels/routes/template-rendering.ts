import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { callerOf } from '../../app/caller.js';
import { RenderedMessageSchema } from '../../templates/index.js';
import type { Messaging } from '../messaging.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

const PreviewBody = Type.Object({
  profileId: Type.String({ minLength: 1 }),
  version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

/** Preview for a chosen profile and test-send, both under the render budget. */
export async function templateRenderingRoutes(scope: FastifyInstance, messaging: Messaging): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { templates, channels } = messaging;
  app.post(
    '/templates/:id/preview',
    {
      schema: {
        tags: ['templates'],
        summary: 'Render for a chosen profile without sending (a sample coupon code stands in)',
        params: IdParams,
        body: PreviewBody,
        response: { 200: RenderedMessageSchema },
      },
    },
    async (request) => {
      const workspaceId = callerOf(request).workspaceId;
      return templates.admitPreview(workspaceId, () => channels.preview(workspaceId, request.params.id, request.body));
    },
  );

  app.post(
    '/templates/:id/test-send',
    {
      schema: {
        tags: ['templates'],
        summary: 'Send the rendering for a profile to a test address (consent not checked, logged as a test)',
        params: IdParams,
        body: Type.Object({ ...PreviewBody.properties, to: Type.String({ minLength: 3, maxLength: 2000 }) }),
      },
    },
    async (request) => {
      const workspaceId = callerOf(request).workspaceId;
      return templates.admitPreview(workspaceId, () => channels.testSend(workspaceId, request.params.id, request.body));
    },
  );
}
