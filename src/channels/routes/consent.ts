import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TypedApp } from '../../app/typed-app.js';
import type { Messaging } from '../messaging.js';
import { ChannelNameSchema } from '../../shared/channel.js';
import { RapportError } from '../../shared/errors.js';
import { callerOf } from '../../app/caller.js';

const Channel = ChannelNameSchema;
const ProfileParams = Type.Object({ id: Type.String({ minLength: 1 }) });

/** Consent (ledger, preferences, double opt-in) and suppression lists: the channels module's consent services (the erasure and export jobs are the privacy module's routes). */
export async function consentRoutes(scope: FastifyInstance, messaging: Messaging): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  consentTopicRoutes(app, messaging);
  profileConsentRoutes(app, messaging);
  suppressionRoutes(app, messaging);
}

/** The workspace's consent topics: list, add, relabel. */
function consentTopicRoutes(app: TypedApp, messaging: Messaging): void {
  const { consent } = messaging;
  const Topic = Type.Object({
    key: Type.String(),
    label: Type.String(),
    builtIn: Type.Boolean(),
    updatedAt: Type.Union([Type.String(), Type.Null()], { description: 'When the label was last saved (null: a built-in label never changed); send it back as expectedUpdatedAt (or `never`)' }),
  });
  const Label = Type.String({ minLength: 1, maxLength: 200, description: 'What people read on the preferences page' });
  app.get(
    '/consent/topics',
    { schema: { tags: ['privacy'], summary: "The workspace's consent topics: the built-in ones, then its own", response: { 200: Type.Object({ topics: Type.Array(Topic) }) } } },
    async (request) => ({ topics: await consent.topics(callerOf(request).workspaceId) }),
  );
  app.post(
    '/consent/topics',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Add a consent topic that preference pages offer and sends may name',
        body: Type.Object({ key: Type.String({ minLength: 1, maxLength: 64, description: 'Lower-case letters, digits, - or _; not "all"' }), label: Label }),
        response: { 201: Topic },
      },
    },
    async (request, reply) => reply.status(201).send(await consent.addTopic(callerOf(request).workspaceId, request.body)),
  );
  app.patch(
    '/consent/topics/:key',
    {
      schema: {
        tags: ['privacy'],
        summary: "Change a topic's label (built-in topics too); with expectedUpdatedAt, a label saved meanwhile answers 409 consent.topic_edit_conflict instead of being overwritten",
        params: Type.Object({ key: Type.String({ minLength: 1, maxLength: 64 }) }),
        querystring: Type.Object({
          expectedUpdatedAt: Type.Optional(Type.String({ maxLength: 40, description: 'The updatedAt the editor read, or `never` for a built-in topic it read with updatedAt null' })),
        }),
        body: Type.Object({ label: Label }),
        response: { 200: Topic },
      },
    },
    async (request) => {
      const { expectedUpdatedAt } = request.query;
      return consent.updateTopic(callerOf(request).workspaceId, request.params.key, request.body, expectedUpdatedAt === undefined ? {} : { expectedUpdatedAt });
    },
  );
}

/** A person's consent: read with its history, record a change, ask for double opt-in. */
function profileConsentRoutes(app: TypedApp, messaging: Messaging): void {
  const { consent, preferences } = messaging;
  async function profileOf(workspaceId: string, id: string) {
    const profile = await messaging.profiles.getProfile(workspaceId, id);
    if (profile === undefined) throw new RapportError('not_found', `no profile ${id}`);
    return profile;
  }

  app.get('/profiles/:id/consent', { schema: { tags: ['privacy'], summary: 'Consent per channel and topic, and every change with its source and time', params: ProfileParams } }, async (request) => {
    const workspaceId = callerOf(request).workspaceId;
    const profile = await profileOf(workspaceId, request.params.id);
    const ids = [profile.id, ...profile.mergedFrom];
    return {
      profile: profile.consent,
      preferences: await consent.preferences(workspaceId, ids),
      changes: (await consent.ledger(workspaceId, ids)).map((change) => ({ ...change, at: new Date(change.at).toISOString() })),
    };
  });

  app.post(
    '/profiles/:id/consent',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Record a consent change (channel-wide or for one topic) with its source',
        params: ProfileParams,
        body: Type.Object({
          channel: Channel,
          topic: Type.Optional(Type.String({ pattern: '^[a-z0-9_-]{1,64}$' })),
          status: Type.Union([Type.Literal('subscribed'), Type.Literal('unsubscribed'), Type.Literal('pending')]),
          source: Type.String({ minLength: 1, maxLength: 100 }),
        }),
      },
    },
    async (request, reply) => {
      const workspaceId = callerOf(request).workspaceId;
      const profile = await profileOf(workspaceId, request.params.id);
      const address = request.body.channel === 'email' ? profile.traits.email : request.body.channel === 'sms' ? profile.traits.phone : undefined;
      const change = await consent.record(workspaceId, profile.id, { ...request.body, address: typeof address === 'string' ? address : undefined });
      return reply.status(201).send({ ...change, at: new Date(change.at).toISOString() });
    },
  );

  app.post(
    '/profiles/:id/double-opt-in',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Mark email consent pending and send the confirmation template (needs {{ confirm_url }})',
        params: ProfileParams,
        body: Type.Object({ templateId: Type.String({ minLength: 1 }), source: Type.Optional(Type.String()) }),
      },
    },
    async (request) => preferences.requestDoubleOptIn(callerOf(request).workspaceId, request.params.id, request.body.templateId, request.body.source ?? 'signup_form', messaging.publicUrl),
  );
}

function suppressionRoutes(app: TypedApp, messaging: Messaging): void {
  const { consent } = messaging;
  app.get(
    '/suppressions',
    {
      schema: {
        tags: ['privacy'],
        summary: 'The suppression list (bounced, complained, unsubscribed, manual)',
        querystring: Type.Object({ channel: Type.Optional(Channel), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
      },
    },
    async (request) => ({
      suppressions: (await consent.listSuppressions(callerOf(request).workspaceId, request.query)).map((entry) => ({ ...entry, createdAt: new Date(entry.createdAt).toISOString() })),
    }),
  );

  app.post(
    '/suppressions',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Suppress an address',
        body: Type.Object({
          channel: Channel,
          address: Type.String({ minLength: 3 }),
          reason: Type.Union([Type.Literal('bounced'), Type.Literal('complained'), Type.Literal('unsubscribed'), Type.Literal('manual')]),
        }),
      },
    },
    async (request, reply) => {
      await consent.suppress(callerOf(request).workspaceId, request.body.channel, request.body.address, request.body.reason);
      return reply.status(204).send();
    },
  );

  app.delete(
    '/suppressions/:channel/:address',
    { schema: { tags: ['privacy'], summary: 'Lift a suppression', params: Type.Object({ channel: Channel, address: Type.String() }) } },
    async (request, reply) => {
      if (!(await consent.unsuppress(callerOf(request).workspaceId, request.params.channel, request.params.address))) throw new RapportError('not_found', 'that address is not suppressed');
      return reply.status(204).send();
    },
  );
}
