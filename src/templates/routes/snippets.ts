import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { SnippetDetailSchema, SnippetInputSchema, SnippetNameSchema, SnippetSchema, SnippetVersionSchema, SnippetVersionSummarySchema } from '../snippet.js';
import type { TemplateService } from '../template-service.js';
import { callerOf } from '../../app/caller.js';

const NameParams = Type.Object({ name: SnippetNameSchema });
const VersionParams = Type.Object({ name: SnippetNameSchema, version: Type.Integer({ minimum: 1 }) });

/** Snippets: reusable named Liquid blocks templates include; every save is a version. */
export async function snippetsRoutes(scope: FastifyInstance, templates: TemplateService): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const snippets = templates.snippets;

  app.get(
    '/snippets',
    { schema: { tags: ['snippets'], summary: 'Snippets of the workspace (current versions, no sources)', response: { 200: Type.Object({ snippets: Type.Array(SnippetSchema) }) } } },
    async (request) => ({
      snippets: await snippets.list(callerOf(request).workspaceId),
    }),
  );

  app.post(
    '/snippets',
    {
      schema: {
        tags: ['snippets'],
        summary: 'Create a snippet; Liquid errors are rejected with line and column, included snippets must exist',
        body: Type.Object({ name: SnippetNameSchema, ...SnippetInputSchema.properties }, { additionalProperties: false }),
        response: { 201: SnippetDetailSchema },
      },
    },
    async (request, reply) => {
      const { name, ...input } = request.body;
      return reply.status(201).send(await snippets.create(callerOf(request).workspaceId, name, input));
    },
  );

  app.get(
    '/snippets/:name',
    { schema: { tags: ['snippets'], summary: 'A snippet with the source of its current version', params: NameParams, response: { 200: SnippetDetailSchema } } },
    async (request) => snippets.get(callerOf(request).workspaceId, request.params.name),
  );

  app.put(
    '/snippets/:name',
    {
      schema: {
        tags: ['snippets'],
        summary:
          'Save a new version (creates the snippet on its first save); templates render it from now on. With expectedVersion, a snippet saved meanwhile answers 409 snippet.edit_conflict instead of being overwritten',
        params: NameParams,
        body: Type.Object(
          {
            ...SnippetInputSchema.properties,
            expectedVersion: Type.Optional(Type.Integer({ minimum: 1, description: 'The version the editor read; without it the save always lands' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: SnippetDetailSchema, 201: SnippetDetailSchema },
      },
    },
    async (request, reply) => {
      const { expectedVersion, ...input } = request.body;
      const { snippet, created } = await snippets.save(callerOf(request).workspaceId, request.params.name, input, expectedVersion === undefined ? {} : { expectedVersion });
      return reply.status(created ? 201 : 200).send(snippet);
    },
  );

  app.get(
    '/snippets/:name/versions',
    { schema: { tags: ['snippets'], summary: 'Versions of a snippet, newest first', params: NameParams, response: { 200: Type.Object({ versions: Type.Array(SnippetVersionSummarySchema) }) } } },
    async (request) => ({ versions: await snippets.versions(callerOf(request).workspaceId, request.params.name) }),
  );

  app.get(
    '/snippets/:name/versions/:version',
    { schema: { tags: ['snippets'], summary: 'One version with its source', params: VersionParams, response: { 200: SnippetVersionSchema } } },
    async (request) => snippets.version(callerOf(request).workspaceId, request.params.name, request.params.version),
  );

  app.post(
    '/snippets/:name/versions/:version/restore',
    { schema: { tags: ['snippets'], summary: 'Make an old version current again (saved as a new version)', params: VersionParams, response: { 200: SnippetDetailSchema } } },
    async (request) => snippets.restore(callerOf(request).workspaceId, request.params.name, request.params.version),
  );

  app.delete(
    '/snippets/:name',
    { schema: { tags: ['snippets'], summary: 'Delete a snippet and its versions; 409 while templates or snippets include it', params: NameParams } },
    async (request, reply) => {
      await snippets.delete(callerOf(request).workspaceId, request.params.name);
      return reply.status(204).send();
    },
  );
}
