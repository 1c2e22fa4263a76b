import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Messaging } from '../../channels/index.js';
import { RapportError } from '../../shared/errors.js';
import { starterTemplates, RenderedMessageSchema, TemplateSchema, TemplateSourceSchema } from '../../templates/index.js';
import { ChannelNameSchema } from '../../shared/channel.js';
import type { TypedApp } from '../../http/typed-app.js';
import { authOf } from '../../http/admin/auth.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

const PreviewBody = Type.Object({
  profileId: Type.String({ minLength: 1 }),
  version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

/** Templates: versions checked and compiled at save, publish, preview for a person, test-send, starters. */
export async function templatesRoutes(scope: FastifyInstance, messaging: Messaging): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  listingRoutes(app, messaging);
  versionRoutes(app, messaging);
  renderingRoutes(app, messaging);
}

/** List templates and starters, create a template. */
function listingRoutes(app: TypedApp, messaging: Messaging): void {
  const { templates } = messaging;
  app.get('/templates', { schema: { tags: ['templates'], summary: 'Templates', response: { 200: Type.Object({ templates: Type.Array(TemplateSchema) }) } } }, async (request) => ({
    templates: await templates.list(authOf(request).workspaceId),
  }));

  app.get('/templates/starters', { schema: { tags: ['templates'], summary: 'Starter templates for the journey recipes and on-site copy' } }, async () => ({
    starters: starterTemplates.map((starter) => ({ key: starter.key, name: starter.name, channel: starter.channel, description: starter.description })),
  }));

  app.post(
    '/templates/starters/:key',
    { schema: { tags: ['templates'], summary: 'Install a starter as a new template', params: Type.Object({ key: Type.String() }), response: { 201: TemplateSchema } } },
    async (request, reply) => {
      const starter = starterTemplates.find((entry) => entry.key === request.params.key);
      if (starter === undefined) throw new RapportError('not_found', `no starter "${request.params.key}"; GET /templates/starters lists them`);
      const { template } = await templates.create(authOf(request).workspaceId, { name: starter.name, channel: starter.channel, source: starter.source });
      return reply.status(201).send(template);
    },
  );

  app.post(
    '/templates',
    {
      schema: {
        tags: ['templates'],
        summary: 'Create a template; Liquid and MJML errors are rejected with field, line and column',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), channel: ChannelNameSchema, source: TemplateSourceSchema, publish: Type.Optional(Type.Boolean()) }),
        response: { 201: TemplateSchema },
      },
    },
    async (request, reply) => {
      const { template } = await templates.create(authOf(request).workspaceId, request.body);
      return reply.status(201).send(template);
    },
  );
}

/** One template: read, save a version, list versions, publish, delete. */
function versionRoutes(app: TypedApp, messaging: Messaging): void {
  const { templates } = messaging;
  app.get('/templates/:id', { schema: { tags: ['templates'], summary: 'A template with its latest source', params: IdParams } }, async (request) => {
    const workspaceId = authOf(request).workspaceId;
    const template = await templates.get(workspaceId, request.params.id);
    const latest = await templates.version(workspaceId, template.id, template.latestVersion);
    return { ...template, source: latest.source };
  });

  app.put(
    '/templates/:id',
    {
      schema: {
        tags: ['templates'],
        summary: 'Save a new version (published unless publish is false); with expectedVersion, a template saved meanwhile answers 409 template.edit_conflict instead of being overwritten',
        params: IdParams,
        body: Type.Object({
          source: TemplateSourceSchema,
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          publish: Type.Optional(Type.Boolean()),
          expectedVersion: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'The latestVersion the editor read' })),
        }),
        response: { 200: TemplateSchema },
      },
    },
    async (request) => (await templates.saveVersion(authOf(request).workspaceId, request.params.id, request.body)).template,
  );

  app.get(
    '/templates/:id/versions/:version',
    { schema: { tags: ['templates'], summary: 'One version: source and compiled HTML', params: Type.Object({ id: Type.String(), version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) }) } },
    async (request) => templates.version(authOf(request).workspaceId, request.params.id, request.params.version),
  );

  app.post(
    '/templates/:id/publish',
    {
      schema: {
        tags: ['templates'],
        summary: 'Publish a version: sends use it from now on',
        params: IdParams,
        body: Type.Object({ version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) }),
        response: { 200: TemplateSchema },
      },
    },
    async (request) => templates.publish(authOf(request).workspaceId, request.params.id, request.body.version),
  );

  app.delete('/templates/:id', { schema: { tags: ['templates'], summary: 'Delete a template and its versions', params: IdParams } }, async (request, reply) => {
    if (!(await templates.delete(authOf(request).workspaceId, request.params.id))) throw new RapportError('not_found', `no template ${request.params.id}`);
    return reply.status(204).send();
  });
}

/** Preview for a chosen profile and test-send, both under the render budget. */
function renderingRoutes(app: TypedApp, messaging: Messaging): void {
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
      const workspaceId = authOf(request).workspaceId;
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
      const workspaceId = authOf(request).workspaceId;
      return templates.admitPreview(workspaceId, () => channels.testSend(workspaceId, request.params.id, request.body));
    },
  );
}
