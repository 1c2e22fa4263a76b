import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TypedApp } from '../app/typed-app.js';
import type { ProfileService } from '../profiles/index.js';
import { RapportError } from '../shared/errors.js';
import { liveStream } from '../app/live.js';
import { callerOf } from '../app/caller.js';

const FreeObject = Type.Object({}, { additionalProperties: true });

export const ProfileSchema = Type.Object(
  {
    id: Type.String(),
    mergedFrom: Type.Array(Type.String(), { description: 'Ids of profiles merged into this one; they resolve here' }),
    identities: Type.Array(Type.Object({ type: Type.String(), value: Type.String() })),
    traits: FreeObject,
    consent: FreeObject,
    reachable: FreeObject,
    computed: Type.Object({}, { additionalProperties: true, description: 'Aggregates kept up to date event by event: orders, revenue, AOV, open cart, recently viewed, traffic sources, ...' }),
    scores: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]), {
      description: 'Scores computed by jobs (RFM group, predicted CLV, churn risk, propensity, ...), by key.',
    }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Profile' },
);

const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) });

// What the timeline and its live stream can be narrowed to; the parts combine with AND.
const TimelineFilter = {
  type: Type.Optional(
    Type.Array(Type.Union(['track', 'identify', 'page', 'screen', 'group', 'alias'].map((type) => Type.Literal(type))), {
      maxItems: 6,
      description: 'Only these message types (repeat the parameter for several)',
    }),
  ),
  event: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 50, description: 'Only track events with one of these names (repeat the parameter for several)' })),
  from: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Events at or after this ISO 8601 date or date-time' })),
  to: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Events before this ISO 8601 date or date-time' })),
};

/** Unified profiles: by id, by identifier, the timeline, and how identity resolution built them. */
export async function profileRoutes(scope: FastifyInstance, profiles: ProfileService): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  findingRoutes(app, profiles);
  profileDetailRoutes(app, profiles);
}

/** Finding profiles: page by page, or by one of their identifiers. */
function findingRoutes(app: TypedApp, profiles: ProfileService): void {
  app.get(
    '/profiles',
    {
      schema: {
        tags: ['profiles'],
        summary: 'Profiles page by page (merged-away profiles are left out)',
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
        }),
        response: { 200: Type.Object({ profiles: Type.Array(ProfileSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => profiles.listProfiles(callerOf(request).workspaceId, request.query),
  );

  app.get(
    '/profiles/lookup',
    {
      schema: {
        tags: ['profiles'],
        summary: 'Find the profile owning an identifier (value normalized as ingest does: email case, phone E.164)',
        querystring: Type.Object({
          type: Type.String({ minLength: 1, description: 'user_id, anonymous_id, email, phone, or an external id type such as crm_id' }),
          value: Type.String({ minLength: 1 }),
        }),
        response: { 200: ProfileSchema },
      },
    },
    async (request) => {
      const profile = await profiles.lookupProfile(callerOf(request).workspaceId, request.query.type, request.query.value);
      if (profile === undefined) throw new RapportError('not_found', `no profile has ${request.query.type} "${request.query.value}"`);
      return profile;
    },
  );
}

/** One profile: itself, its timeline, and how identity resolution built it. */
function profileDetailRoutes(app: TypedApp, profiles: ProfileService): void {
  app.get(
    '/profiles/:id',
    { schema: { tags: ['profiles'], summary: 'A unified profile (merged-away ids resolve to the survivor)', params: IdParams, response: { 200: ProfileSchema } } },
    async (request) => {
      const profile = await profiles.getProfile(callerOf(request).workspaceId, request.params.id);
      if (profile === undefined) throw new RapportError('not_found', `no profile "${request.params.id}"`);
      return profile;
    },
  );

  app.get(
    '/profiles/:id/events',
    {
      schema: {
        tags: ['profiles'],
        summary: 'The profile timeline, newest first, including events of merged profiles; narrowed by type, event name and dates',
        params: IdParams,
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
          cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page (pass the same filter again)' })),
          ...TimelineFilter,
        }),
        response: { 200: Type.Object({ events: Type.Array(FreeObject), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => {
      const page = await profiles.timeline(callerOf(request).workspaceId, request.params.id, request.query);
      if (page === undefined) throw new RapportError('not_found', `no profile "${request.params.id}"`);
      return page;
    },
  );

  app.get(
    '/profiles/:id/merges',
    {
      schema: {
        tags: ['profiles'],
        summary: 'Why this profile looks the way it does: each identifier with the message that added it, and every merge',
        params: IdParams,
        response: {
          200: Type.Object({
            profileId: Type.String(),
            identities: Type.Array(Type.Object({ type: Type.String(), value: Type.String(), addedAt: Type.String(), messageId: Type.Union([Type.String(), Type.Null()]) })),
            merges: Type.Array(
              Type.Object({
                from: Type.String(),
                into: Type.String(),
                reason: Type.String(),
                identifier: Type.Object({ type: Type.String(), value: Type.String() }),
                messageId: Type.String(),
                at: Type.String(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const explanation = await profiles.explainProfile(callerOf(request).workspaceId, request.params.id);
      if (explanation === undefined) throw new RapportError('not_found', `no profile "${request.params.id}"`);
      return explanation;
    },
  );
}

/** The profile's timeline as server-sent events (the profile page's live timeline). */
export async function profileLiveRoutes(scope: FastifyInstance, profiles: ProfileService): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/profiles/:id/live',
    {
      schema: {
        tags: ['profiles'],
        summary: 'Server-sent events: the newest timeline events (and the profile update time), sent again whenever they change',
        params: IdParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })), ...TimelineFilter }),
        response: { 200: Type.Unknown({ description: 'With Accept: text/event-stream, a stream whose data lines are { updatedAt, events, nextCursor }; otherwise that JSON once' }) },
      },
    },
    async (request, reply) => {
      const { workspaceId } = callerOf(request);
      // Answer 404 as JSON before the stream starts, not as an event.
      const profile = await profiles.getProfile(workspaceId, request.params.id);
      if (profile === undefined) throw new RapportError('not_found', `no profile "${request.params.id}"`);
      const { limit = 25, ...filter } = request.query;
      // A bad date answers 400 now rather than failing inside the stream.
      await profiles.timeline(workspaceId, profile.id, { limit: 1, ...filter });
      const produce = async () => {
        const [current, page] = await Promise.all([profiles.getProfile(workspaceId, profile.id), profiles.timeline(workspaceId, profile.id, { limit, ...filter })]);
        return { updatedAt: current?.updatedAt ?? null, events: page?.events ?? [], nextCursor: page?.nextCursor ?? null };
      };
      return liveStream(request, reply, produce);
    },
  );
}
