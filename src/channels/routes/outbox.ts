import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Messaging, OutboxRecord } from '../../channels/index.js';
import { RapportError } from '../../shared/errors.js';
import { BrandViewSchema } from '../../workspaces/index.js';
import { callerOf } from '../../app/caller.js';

const OutboxSummary = Type.Object({
  id: Type.String({ description: 'The message id of the message log' }),
  profileId: Type.String(),
  to: Type.String(),
  from: Type.String(),
  subject: Type.String(),
  createdAt: Type.String(),
  htmlUrl: Type.Union([Type.String(), Type.Null()], { description: 'The rendered HTML body (GET, admin token)' }),
});
const OutboxMessage = Type.Composite([OutboxSummary, Type.Object({ html: Type.Union([Type.String(), Type.Null()]), text: Type.String(), headers: Type.Record(Type.String(), Type.String()) })]);

function summary(record: OutboxRecord) {
  return {
    id: record.id,
    profileId: record.profileId,
    to: record.to,
    from: record.from,
    subject: record.subject,
    createdAt: new Date(record.createdAt).toISOString(),
    htmlUrl: record.html === null ? null : `/api/v1/outbox/${encodeURIComponent(record.id)}/html`,
  };
}

/** Cursor of the outbox list: `<createdAt ms>.<id>` of the last message of the previous page. */
function parseBefore(before: string | undefined): { createdAt: number; id: string } | undefined {
  if (before === undefined) return undefined;
  const dot = before.indexOf('.');
  const createdAt = Number(before.slice(0, dot));
  if (dot <= 0 || !Number.isSafeInteger(createdAt))
    throw new RapportError('channels.cursor_invalid', 'before must be the nextBefore value of the previous page', [
      { field: 'before', rule: 'cursor', message: 'use nextBefore from the previous answer' },
    ]);
  return { createdAt, id: before.slice(dot + 1) };
}

/** The built-in email outbox (what was sent while no SMTP server is configured) and the workspace brand. */
export async function outboxRoutes(scope: FastifyInstance, messaging: Messaging): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['channels'];

  app.get(
    '/outbox',
    {
      schema: {
        tags,
        summary: 'Email kept by the built-in outbox, newest first (used when RAPPORT_SMTP_URL is not set)',
        querystring: Type.Object({
          profileId: Type.Optional(Type.String({ minLength: 1 })),
          to: Type.Optional(Type.String({ minLength: 3, maxLength: 254 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          before: Type.Optional(Type.String({ maxLength: 300, description: 'nextBefore of the previous page' })),
        }),
        response: {
          200: Type.Object({
            delivery: Type.Union([Type.Literal('outbox'), Type.Literal('smtp')], { description: 'Where email goes now' }),
            messages: Type.Array(OutboxSummary),
            nextBefore: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const limit = request.query.limit ?? 50;
      const before = parseBefore(request.query.before);
      const records = await messaging.outbox.list(workspaceId, {
        limit,
        ...(request.query.profileId === undefined ? {} : { profileIds: [request.query.profileId] }),
        ...(request.query.to === undefined ? {} : { to: request.query.to }),
        ...(before === undefined ? {} : { before }),
      });
      const last = records.at(-1);
      return { delivery: messaging.emailDelivery, messages: records.map(summary), nextBefore: records.length === limit && last !== undefined ? `${last.createdAt}.${last.id}` : null };
    },
  );

  const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
  const found = async (workspaceId: string, id: string): Promise<OutboxRecord> => {
    const record = await messaging.outbox.get(workspaceId, id);
    if (record === undefined)
      throw new RapportError('not_found', `the outbox holds no message ${id} (it keeps the newest messages for a limited time; see RAPPORT_OUTBOX_KEEP and RAPPORT_OUTBOX_DAYS)`);
    return record;
  };

  app.get('/outbox/:id', { schema: { tags, summary: 'One outbox message: recipient, headers, HTML and text', params: IdParams, response: { 200: OutboxMessage } } }, async (request) => {
    const record = await found(callerOf(request).workspaceId, request.params.id);
    return { ...summary(record), html: record.html, text: record.text, headers: record.headers };
  });

  app.get('/outbox/:id/html', { schema: { tags, summary: 'The HTML body of an outbox message, as a mail client would show it', params: IdParams } }, async (request, reply) => {
    const record = await found(callerOf(request).workspaceId, request.params.id);
    if (record.html === null) throw new RapportError('not_found', `message ${record.id} has no HTML part; GET /api/v1/outbox/${record.id} shows its text`);
    // Shown as a mail client would: no scripts, no forms, images and inline styles only.
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; img-src http: https: data: cid:; style-src 'unsafe-inline'; sandbox")
      .header('x-content-type-options', 'nosniff')
      .send(record.html);
  });

  app.get(
    '/settings/brand',
    { schema: { tags: ['workspaces'], summary: 'The workspace brand used by starter templates, hosted pages and reports', response: { 200: BrandViewSchema } } },
    async (request) => messaging.brands.get(callerOf(request).workspaceId),
  );

  app.put(
    '/settings/brand',
    {
      schema: {
        tags: ['workspaces'],
        summary:
          'Replace the workspace brand: shop name and URL, logo, colours, postal address, sender, cart link pattern. With expectedUpdatedAt, a brand saved meanwhile answers 409 brand.edit_conflict instead of being overwritten',
        querystring: Type.Object({
          expectedUpdatedAt: Type.Optional(Type.String({ maxLength: 40, description: 'The updatedAt the editor read, or `never` when it read no saved brand' })),
        }),
        // Validated by the brand module, so every problem names its field and the fix.
        body: Type.Object(
          {},
          {
            additionalProperties: true,
            description:
              'A Brand (schema Brand in src/workspaces/brand.ts): shopName and shopUrl required; logoUrl, colors {primary,text,background}, postalAddress, senderName, senderEmail, cartUrlPattern optional',
          },
        ),
        response: { 200: BrandViewSchema },
      },
    },
    async (request) => messaging.brands.put(callerOf(request).workspaceId, request.body, request.query.expectedUpdatedAt === undefined ? {} : { expectedUpdatedAt: request.query.expectedUpdatedAt }),
  );
}
