import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ImportFormat, ImportJob, ImportKind, type ImportService } from '../imports/index.js';
import { RapportError } from '../shared/errors.js';
import { callerOf } from '../app/caller.js';

/** Bulk imports: upload a file as the raw body; the job runs in the background with progress. */
export async function importRoutes(scope: FastifyInstance, imports: ImportService): Promise<void> {
  // The file is streamed into the import, never buffered: this scope takes bodies as streams.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/imports',
    {
      bodyLimit: Number.MAX_SAFE_INTEGER,
      schema: {
        tags: ['imports'],
        summary: 'Start an import; send the CSV or NDJSON file as the request body (Content-Encoding gzip accepted)',
        querystring: Type.Object({
          kind: ImportKind,
          format: ImportFormat,
          name: Type.Optional(Type.String({ maxLength: 500 })),
          defaultCountry: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'Country for phone numbers without a country code' })),
        }),
        response: { 202: ImportJob },
      },
    },
    async (request, reply) => {
      const { workspaceId } = callerOf(request);
      const body: unknown = request.body;
      if (!isReadable(body)) throw new RapportError('request.body_missing', 'send the file as the request body');
      let source: Readable = body;
      const encoding = request.headers['content-encoding'];
      if (encoding === 'gzip') {
        const { createGunzip } = await import('node:zlib');
        source = body.pipe(createGunzip());
      } else if (encoding !== undefined && encoding !== 'identity') {
        throw new RapportError('unsupported_encoding', `Content-Encoding "${encoding}" is not supported for imports; send gzip or none`);
      }
      const length = Number(request.headers['content-length']);
      const id = await imports.start(workspaceId, {
        kind: request.query.kind,
        format: request.query.format,
        source,
        name: request.query.name ?? `upload.${request.query.format}`,
        totalBytes: encoding === undefined && Number.isFinite(length) && length > 0 ? length : undefined,
        defaultCountry: request.query.defaultCountry,
      });
      // The upload has been handed to the job; answer once it has been read to the end so the
      // client sees its whole file accepted (the job may still be committing the last rows).
      await new Promise<void>((resolve) => {
        if (body.readableEnded) resolve();
        else
          body
            .once('end', () => resolve())
            .once('error', () => resolve())
            .once('close', () => resolve());
      });
      const job = await imports.get(workspaceId, id);
      if (job === undefined) throw new RapportError('internal', 'the import job vanished');
      return reply.status(202).send(job);
    },
  );

  app.get(
    '/imports',
    {
      schema: {
        tags: ['imports'],
        summary: 'Recent import jobs',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
        response: { 200: Type.Object({ imports: Type.Array(ImportJob) }) },
      },
    },
    async (request) => ({ imports: await imports.list(callerOf(request).workspaceId, request.query.limit) }),
  );

  app.get(
    '/imports/:id',
    { schema: { tags: ['imports'], summary: 'One import job with its progress (percent) and row errors', params: Type.Object({ id: Type.String() }), response: { 200: ImportJob } } },
    async (request) => {
      const job = await imports.get(callerOf(request).workspaceId, request.params.id);
      if (job === undefined) throw new RapportError('not_found', `no import job "${request.params.id}"`);
      return job;
    },
  );
}

function isReadable(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && 'pipe' in value && typeof value.pipe === 'function' && 'once' in value;
}
