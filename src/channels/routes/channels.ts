import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { messageStatuses, messageView, type Messaging, operatorOnly, smsSegments } from '../../channels/index.js';
import { ChannelNameSchema } from '../../shared/channel.js';
import { RapportError } from '../../shared/errors.js';
import { callerOf } from '../../app/caller.js';

const Channel = ChannelNameSchema;

/** Sending, the message log, webhook destinations and channel status. Secrets are never returned. */
export async function channelsRoutes(scope: FastifyInstance, messaging: Messaging): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { channels } = messaging;

  app.get('/channels', { schema: { tags: ['channels'], summary: 'Configured channels and the public VAPID key (no secrets)' } }, async () => ({
    configured: channels.configuredChannels(),
    vapidPublicKey: messaging.vapidPublicKey(),
    publicUrl: messaging.publicUrl,
  }));

  app.post(
    '/channels/send',
    {
      schema: {
        tags: ['channels'],
        summary: 'Send a template to a profile (idempotent on idempotencyKey); consent is checked at send time',
        body: Type.Object({
          profileId: Type.String({ minLength: 1 }),
          channel: Channel,
          templateId: Type.String({ minLength: 1 }),
          idempotencyKey: Type.String({ minLength: 1, maxLength: 500 }),
          purpose: Type.Optional(Type.Union([Type.Literal('marketing'), Type.Literal('transactional')])),
          couponPoolId: Type.Optional(Type.String({ minLength: 1 })),
          data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        }),
      },
    },
    async (request) => {
      const { couponPoolId, ...rest } = request.body;
      return channels.send({
        ...rest,
        workspaceId: callerOf(request).workspaceId,
        ...(couponPoolId === undefined ? {} : { coupon: { poolId: couponPoolId } }),
        source: { kind: 'api', id: callerOf(request).credentialId },
      });
    },
  );

  app.get(
    '/messages',
    {
      schema: {
        tags: ['channels'],
        summary: 'The message log, newest first, narrowed by profile, channel, status and creation dates; nextCursor continues it',
        querystring: Type.Object({
          profileId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          channel: Type.Optional(Channel),
          status: Type.Optional(Type.Union(messageStatuses.map((status) => Type.Literal(status)))),
          from: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Created at or after this ISO 8601 date or date-time' })),
          to: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Created before this ISO 8601 date or date-time' })),
          cursor: Type.Optional(Type.String({ maxLength: 400, description: 'nextCursor of the previous page (pass the same filter again)' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
        }),
      },
    },
    async (request) => channels.messageLog(callerOf(request).workspaceId, request.query),
  );

  app.get('/messages/:id', { schema: { tags: ['channels'], summary: 'One message and its lifecycle', params: Type.Object({ id: Type.String() }) } }, async (request) => {
    const message = await channels.getMessage(callerOf(request).workspaceId, request.params.id);
    if (message === undefined) throw new RapportError('not_found', `no message ${request.params.id}`);
    return messageView(message);
  });

  app.post(
    '/channels/sms/segments',
    { schema: { tags: ['channels'], summary: 'Count SMS segments (GSM-7 or UCS-2) of a text', body: Type.Object({ text: Type.String({ maxLength: 10000 }) }) } },
    async (request) => smsSegments(request.body.text),
  );

  app.get('/channels/webhooks', { schema: { tags: ['channels'], summary: 'Webhook destinations (secrets are not shown)' } }, async (request) => ({
    destinations: await channels.webhookDestinations(callerOf(request).workspaceId),
  }));

  app.post(
    '/channels/webhooks',
    {
      schema: {
        tags: ['channels'],
        summary: 'Add a webhook destination; the signing secret is returned once, here',
        body: Type.Object({
          url: Type.String({ pattern: '^https?://', maxLength: 2000 }),
          allowPrivate: Type.Optional(Type.Boolean({ description: 'Accepted only as false: private ranges are opened by the server operator (RAPPORT_OUTBOUND_ALLOW), never by a workspace' })),
        }),
      },
    },
    async (request, reply) => {
      if (request.body.allowPrivate === true) throw operatorOnly('allowPrivate');
      return reply.status(201).send(await channels.addWebhookDestination(callerOf(request).workspaceId, request.body.url));
    },
  );

  app.delete('/channels/webhooks/:id', { schema: { tags: ['channels'], summary: 'Remove a webhook destination', params: Type.Object({ id: Type.String() }) } }, async (request, reply) => {
    if (!(await channels.removeWebhookDestination(callerOf(request).workspaceId, request.params.id))) throw new RapportError('not_found', `no webhook destination ${request.params.id}`);
    return reply.status(204).send();
  });
}
