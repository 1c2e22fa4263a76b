import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ConditionSchema, conditionTypes, SegmentSchema, type SegmentService, WebhookDestinationSchema } from '../segments/index.js';
import { RapportError } from '../shared/errors.js';
import { liveStream } from '../app/live.js';
import { documentedAs } from '../shared/documented-schema.js';
import type { TypedApp } from '../app/typed-app.js';
import { callerOf } from '../app/caller.js';

const ConditionBody = documentedAs(
  Type.Unknown({
    description: `A condition tree (docs/conditions.md). Node types: ${conditionTypes.join(', ')}. An invalid tree is answered 400 with the path of each bad node in issues[].field (e.g. conditions[1].window.unit).`,
  }),
  ConditionSchema,
);

const Destination = Type.Optional(Type.Union([WebhookDestinationSchema, Type.Null()], { description: 'Webhook synced on every entry and exit; null removes it' }));
const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) });
const Explanation = Type.Object({}, { additionalProperties: true, description: 'Tree of { path, type, result, actual?, condition?, children? }' });

const tags = ['segments'];

/** Segments and audiences: CRUD, estimate, members, export, static lists, explain, counts. */
export async function segmentsRoutes(scope: FastifyInstance, segments: SegmentService): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  creationRoutes(app, segments);
  editingRoutes(app, segments);
  membershipRoutes(app, segments);
  await uploadRoutes(scope, segments);
}

/** List and create: live segments, static lists, retargeting audiences. */
function creationRoutes(app: TypedApp, segments: SegmentService): void {
  app.get(
    '/segments',
    { schema: { tags, summary: 'Every segment with its member count and backfill progress', response: { 200: Type.Object({ segments: Type.Array(SegmentSchema) }) } } },
    async (request) => ({
      segments: await segments.list(callerOf(request).workspaceId),
    }),
  );

  app.get(
    '/segments/live',
    {
      schema: {
        tags,
        summary: 'Server-sent events: every segment with its member count, status and backfill progress, sent again whenever one changes',
        response: { 200: Type.Unknown({ description: 'With Accept: text/event-stream, a stream whose data lines are { segments: [{ id, members, status, percent }] }; otherwise that JSON once' }) },
      },
    },
    async (request, reply) => {
      const { workspaceId } = callerOf(request);
      const produce = async () => ({
        segments: (await segments.list(workspaceId)).map((segment) => ({ id: segment.id, members: segment.members, status: segment.status, percent: segment.backfill.percent })),
      });
      // A client that does not ask for a stream (a script, a probe) gets the figures once, as JSON.
      if (!(request.headers.accept ?? '').includes('text/event-stream')) return reply.send(await produce());
      return liveStream(request, reply, produce);
    },
  );

  app.post(
    '/segments',
    {
      schema: {
        tags,
        summary: 'Create a live segment; membership over all history is backfilled in the background (see backfill.percent)',
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }), description: Type.Optional(Type.String({ maxLength: 2000 })), condition: ConditionBody, destination: Destination },
          { additionalProperties: false },
        ),
        response: { 201: SegmentSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await segments.create(callerOf(request).workspaceId, request.body)),
  );

  app.post(
    '/segments/static',
    {
      schema: {
        tags,
        summary: 'Create a static list; upload its members as CSV to /segments/:id/members',
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }), description: Type.Optional(Type.String({ maxLength: 2000 })), destination: Destination },
          { additionalProperties: false },
        ),
        response: { 201: SegmentSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await segments.createStatic(callerOf(request).workspaceId, request.body)),
  );

  app.post(
    '/segments/retargeting',
    {
      schema: {
        tags,
        summary: 'Create a retargeting audience: visited in the last N days, kept current to the minute',
        body: Type.Object(
          { days: Type.Integer({ minimum: 1, maximum: 3650, description: '2, 7, 14 or any N' }), name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), destination: Destination },
          { additionalProperties: false },
        ),
        response: { 201: SegmentSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await segments.createRetargeting(callerOf(request).workspaceId, request.body)),
  );
}

/** Estimate a condition; read, edit and delete one segment. */
function editingRoutes(app: TypedApp, segments: SegmentService): void {
  app.post(
    '/segments/estimate',
    {
      schema: {
        tags,
        summary: 'Size and a sample of members of a condition, before saving it',
        body: Type.Object(
          {
            condition: ConditionBody,
            scan: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Profiles to evaluate (default 5000); exact when the workspace has no more' })),
            sampleSize: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ size: Type.Integer(), exact: Type.Boolean(), scanned: Type.Integer(), total: Type.Integer(), sample: Type.Array(Type.String()) }) },
      },
    },
    async (request) => segments.estimate(callerOf(request).workspaceId, request.body.condition, { scan: request.body.scan, sampleSize: request.body.sampleSize }),
  );

  app.get('/segments/:id', { schema: { tags, summary: 'One segment', params: IdParams, response: { 200: SegmentSchema } } }, async (request) =>
    segments.get(callerOf(request).workspaceId, request.params.id),
  );

  app.patch(
    '/segments/:id',
    {
      schema: {
        tags,
        summary: 'Edit a segment; a new condition is a new version, backfilled without blocking',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            description: Type.Optional(Type.String({ maxLength: 2000 })),
            condition: Type.Optional(ConditionBody),
            destination: Destination,
            expectedUpdatedAt: Type.Optional(
              Type.String({ description: 'The updatedAt the editor read; when the segment was saved since, 409 segment.edit_conflict instead of overwriting that edit' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: SegmentSchema },
      },
    },
    async (request) => segments.update(callerOf(request).workspaceId, request.params.id, request.body),
  );

  app.delete(
    '/segments/:id',
    { schema: { tags, summary: 'Delete a segment (409 with the dependents listed while other segments use it)', params: IdParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      await segments.delete(callerOf(request).workspaceId, request.params.id);
      return reply.status(204).send(null);
    },
  );
}

/** Who is in a segment: members, CSV export, counts over time, explain, a profile's segments. */
function membershipRoutes(app: TypedApp, segments: SegmentService): void {
  app.get(
    '/segments/:id/members',
    {
      schema: {
        tags,
        summary: 'Members page by page (in profile id order)',
        params: IdParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), cursor: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ members: Type.Array(Type.Object({ profileId: Type.String(), enteredAt: Type.String() })), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => segments.members(callerOf(request).workspaceId, request.params.id, request.query),
  );

  app.get('/segments/:id/members.csv', { schema: { tags, summary: 'Every member as CSV, streamed', params: IdParams } }, async (request, reply) => {
    const { workspaceId } = callerOf(request);
    await segments.get(workspaceId, request.params.id);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${request.params.id}.csv"`)
      .send(Readable.from(segments.exportCsv(workspaceId, request.params.id)));
  });

  app.get(
    '/segments/:id/counts',
    {
      schema: {
        tags,
        summary: 'Entries, exits and members per hour or day',
        params: IdParams,
        querystring: Type.Object({
          from: Type.Optional(Type.String({ description: 'ISO date; default 30 days ago' })),
          bucket: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')])),
        }),
        response: { 200: Type.Object({ counts: Type.Array(Type.Object({ at: Type.String(), entered: Type.Integer(), exited: Type.Integer(), members: Type.Integer() })) }) },
      },
    },
    async (request) => {
      const from = request.query.from === undefined ? Date.now() - 30 * 86_400_000 : Date.parse(request.query.from);
      if (!Number.isFinite(from))
        throw new RapportError('segment.date_invalid', `from "${request.query.from ?? ''}" is not a date; use ISO-8601 such as 2026-01-31`, [
          { field: 'from', rule: 'format', message: 'ISO-8601 date' },
        ]);
      return { counts: await segments.counts(callerOf(request).workspaceId, request.params.id, { from, bucket: request.query.bucket ?? 'day' }) };
    },
  );

  app.get(
    '/segments/:id/explain/:profileId',
    {
      schema: {
        tags,
        summary: 'Why a profile is (not) in a segment, condition by condition',
        params: Type.Object({ id: Type.String({ minLength: 1 }), profileId: Type.String({ minLength: 1 }) }),
        response: { 200: Type.Object({ segmentId: Type.String(), profileId: Type.String(), member: Type.Boolean(), result: Type.Boolean(), at: Type.String(), explanation: Explanation }) },
      },
    },
    async (request) => segments.explain(callerOf(request).workspaceId, request.params.id, request.params.profileId),
  );

  app.get(
    '/profiles/:id/segments',
    {
      schema: {
        tags,
        summary: "A profile's segments and its history of entries and exits",
        params: IdParams,
        response: {
          200: Type.Object({
            segments: Type.Array(Type.Object({ segmentId: Type.String(), name: Type.String(), enteredAt: Type.String() })),
            history: Type.Array(Type.Object({ segmentId: Type.String(), kind: Type.Union([Type.Literal('entered'), Type.Literal('exited')]), at: Type.String() })),
          }),
        },
      },
    },
    async (request) => segments.profileMemberships(callerOf(request).workspaceId, request.params.id),
  );
}

/** Static list uploads, in their own scope: the CSV upload takes its body as a stream. */
async function uploadRoutes(scope: FastifyInstance, segments: SegmentService): Promise<void> {
  await scope.register(async (uploads) => {
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    uploads.withTypeProvider<TypeBoxTypeProvider>().post(
      '/segments/:id/members',
      {
        bodyLimit: 1024 * 1024 * 1024,
        schema: {
          tags,
          summary: 'Upload members of a static list as CSV (a column profile_id, user_id, email, phone or an external id type)',
          params: IdParams,
          querystring: Type.Object({ mode: Type.Optional(Type.Union([Type.Literal('add'), Type.Literal('replace')], { description: 'replace: the file becomes the whole list (default add)' })) }),
          response: {
            200: Type.Object({
              rows: Type.Integer(),
              matched: Type.Integer(),
              entered: Type.Integer(),
              exited: Type.Integer(),
              unmatched: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() })),
            }),
          },
        },
      },
      async (request) => {
        const body: unknown = request.body;
        if (!(body instanceof Readable)) throw new RapportError('request.body_missing', 'send the CSV file as the request body');
        return segments.uploadList(callerOf(request).workspaceId, request.params.id, body, request.query.mode ?? 'add');
      },
    );
  });
}
