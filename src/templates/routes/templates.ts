import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { RapportError } from '../../shared/errors.js';
import { starterTemplates } from '../starters.js';
import type { TemplateService } from '../template-service.js';
import { TemplateSchema, TemplateSourceSchema } from '../template.js';
import { ChannelNameSchema } from '../../shared/channel.js';
import type { TypedApp } from '../../app/typed-app.js';
import { callerOf } from '../../app/caller.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

/** Templates: versions checked and compiled at save, publish, starters (preview and test-send are the channels module's: src/channels/routes/template-rendering.ts). */
export async function templatesRoutes(scope: FastifyInstance, templates: TemplateService): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  listingRoutes(app, templates);
  versionRoutes(app, templates);
}

/** List templates and starters, create a template. */
function listingRoutes(app: TypedApp, templates: TemplateService): void {
  app.get('/templates', { schema: { tags: ['templates'], summary: 'Templates', response: { 200: Type.Object({ templates: Type.Array(TemplateSchema) }) } } }, async (request) => ({
    templates: await templates.list(callerOf(request).workspaceId),
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
      const { template } = await templates.create(callerOf(request).workspaceId, { name: starter.name, channel: starter.channel, source: starter.source });
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
      const { template } = await templates.create(callerOf(request).workspaceId, request.body);
      return reply.status(201).send(template);
    },
  );
}

/** One template: read, save a version, list versions, publish, delete. */
function versionRoutes(app: TypedApp, templates: TemplateService): void {
  app.get('/templates/:id', { schema: { tags: ['templates'], summary: 'A template with its latest source', params: IdParams } }, async (request) => {
    const workspaceId = callerOf(request).workspaceId;
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
    async (request) => (await templates.saveVersion(callerOf(request).workspaceId, request.params.id, request.body)).template,
  );

  app.get(
    '/templates/:id/versions/:version',
    { schema: { tags: ['templates'], summary: 'One version: source and compiled HTML', params: Type.Object({ id: Type.String(), version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) }) } },
    async (request) => templates.version(callerOf(request).workspaceId, request.params.id, request.params.version),
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
    async (request) => templates.publish(callerOf(request).workspaceId, request.params.id, request.body.version),
  );

  app.delete('/templates/:id', { schema: { tags: ['templates'], summary: 'Delete a template and its versions', params: IdParams } }, async (request, reply) => {
    if (!(await templates.delete(callerOf(request).workspaceId, request.params.id))) throw new RapportError('not_found', `no template ${request.params.id}`);
    return reply.status(204).send();
  });
}
