import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TypedApp } from '../app/typed-app.js';
import { callerOf } from '../app/caller.js';
import { RateLimiter } from '../app/rate-limit.js';
import type { RateLimits } from '../config/config.js';
import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { writeKeyOf, type WorkspaceService } from '../workspaces/index.js';
import { CampaignInputSchema, CampaignSchema, OnsiteConfigSchema, OnsiteSettingsSchema, VisitorFactsSchema } from './campaign.js';
import type { StoredCampaign } from './campaign-service.js';
import type { Onsite } from './index.js';
import { banditWeights, OnsiteReportSchema } from './report.js';
import { StarterResultSchema, starterCampaigns, installStarters, type StarterSupplies } from './starters.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 120 }) });
const Campaigns = Type.Object({ campaigns: Type.Array(CampaignSchema) });
const Secret = Type.Object({ secret: Type.String({ description: 'Sign user ids with it: userHash = hex HMAC-SHA256(userId, secret), on the shop server only' }) });
const tags = ['onsite'];
const ISO = Type.String({ format: 'date-time' });

/** Campaign bodies are validated by the module (every problem with its path), not by Ajv's union report. */
const ownValidation = { validatorCompiler: () => () => true };

/** The admin API of on-site campaigns: CRUD, lifecycle, preview URL, report, settings and the verification secret. */
export async function onsiteAdminRoutes(scope: FastifyInstance, onsite: Onsite, supplies: StarterSupplies): Promise<void> {
  await campaignRoutes(scope, onsite);
  await measurementRoutes(scope, onsite);
  await settingsRoutes(scope, onsite, supplies);
}

/** CRUD, lifecycle and the preview URL. */
async function campaignRoutes(scope: FastifyInstance, onsite: Onsite): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { campaigns } = onsite;
  const view = (campaign: StoredCampaign) => campaigns.view(campaign);
  app.get('/onsite/campaigns', { schema: { tags, summary: 'On-site campaigns, highest priority first', response: { 200: Campaigns } } }, async (request) => ({
    campaigns: (await campaigns.list(callerOf(request).workspaceId)).map(view),
  }));
  app.post(
    '/onsite/campaigns',
    { ...ownValidation, schema: { tags, summary: 'Create a campaign (a draft); every invalid field is named by its path', body: CampaignInputSchema, response: { 201: CampaignSchema } } },
    async (request, reply) => reply.status(201).send(view(await campaigns.create(callerOf(request).workspaceId, request.body))),
  );
  app.get('/onsite/campaigns/:id', { schema: { tags, summary: 'One campaign', params: IdParams, response: { 200: CampaignSchema } } }, async (request) =>
    view(await campaigns.get(callerOf(request).workspaceId, request.params.id)),
  );
  app.put(
    '/onsite/campaigns/:id',
    {
      ...ownValidation,
      schema: {
        tags,
        summary: 'Replace a campaign definition (its state stays); with expectedUpdatedAt, a campaign saved meanwhile answers 409 onsite.edit_conflict instead of being overwritten',
        params: IdParams,
        querystring: Type.Object({ expectedUpdatedAt: Type.Optional(Type.String({ maxLength: 40, description: 'The updatedAt the editor read' })) }),
        body: CampaignInputSchema,
        response: { 200: CampaignSchema },
      },
    },
    async (request) =>
      view(
        await campaigns.update(
          callerOf(request).workspaceId,
          request.params.id,
          request.body,
          request.query.expectedUpdatedAt === undefined ? {} : { expectedUpdatedAt: request.query.expectedUpdatedAt },
        ),
      ),
  );
  app.delete('/onsite/campaigns/:id', { schema: { tags, summary: 'Delete a campaign that is not active', params: IdParams, response: { 204: Type.Null() } } }, async (request, reply) => {
    await campaigns.delete(callerOf(request).workspaceId, request.params.id);
    return reply.status(204).send(null);
  });
  const transitions = { activate: 'active', pause: 'paused', resume: 'active', end: 'ended' } as const;
  for (const [action, state] of Object.entries(transitions)) {
    app.post(
      `/onsite/campaigns/:id/${action}`,
      {
        schema: {
          tags,
          summary: `${action[0]?.toUpperCase() ?? ''}${action.slice(1)} a campaign (active campaigns are scheduled, live or ended by their window)`,
          params: IdParams,
          response: { 200: CampaignSchema },
        },
      },
      async (request) => view(await campaigns.setState(callerOf(request).workspaceId, request.params.id, state)),
    );
  }
  app.get(
    '/onsite/campaigns/:id/preview',
    {
      schema: {
        tags,
        summary: 'A URL that renders the campaign on any page of the shop (the SDK reads rapport_preview), whatever its targeting',
        params: IdParams,
        querystring: Type.Object({
          page: Type.String({ minLength: 8, maxLength: 2000, description: 'The shop page, e.g. https://shop.example/products/1' }),
          variant: Type.Optional(Type.String({ maxLength: 40 })),
        }),
        response: { 200: Type.Object({ url: Type.String() }) },
      },
    },
    async (request) => ({ url: await campaigns.previewUrl(callerOf(request).workspaceId, request.params.id, request.query.page, request.query.variant) }),
  );
}

/** The report and the bandit that reads it. */
async function measurementRoutes(scope: FastifyInstance, onsite: Onsite): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { campaigns } = onsite;
  const view = (campaign: StoredCampaign) => campaigns.view(campaign);
  app.get(
    '/onsite/report',
    {
      schema: {
        tags,
        summary: 'Impressions, CTR, submissions, conversions, revenue per visitor and uplift against the holdout, per campaign and per template type',
        querystring: Type.Object({
          campaignId: Type.Optional(Type.String({ maxLength: 120 })),
          from: Type.Optional(ISO),
          to: Type.Optional(ISO),
          viewHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 2160, description: 'View-through window (default the campaign conversion window, else 24)' })),
          clickHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 2160, description: 'Click-through window (default 168)' })),
        }),
        response: { 200: OnsiteReportSchema },
      },
    },
    async (request) => {
      const workspaceId = callerOf(request).workspaceId;
      const { campaignId, from, to, viewHours, clickHours } = request.query;
      const chosen = campaignId === undefined ? await campaigns.list(workspaceId) : [await campaigns.get(workspaceId, campaignId)];
      return onsite.reports.report(workspaceId, chosen, {
        ...(from === undefined ? {} : { from: Date.parse(from) }),
        ...(to === undefined ? {} : { to: Date.parse(to) }),
        ...(viewHours === undefined ? {} : { viewHours }),
        ...(clickHours === undefined ? {} : { clickHours }),
      });
    },
  );
  app.post(
    '/onsite/campaigns/:id/rebalance',
    {
      schema: {
        tags,
        summary: "Set the variants' weights by Thompson sampling from the campaign's conversions (the experiments bandit); visitors may move between variants",
        params: IdParams,
        response: {
          200: Type.Object({ campaign: CampaignSchema, weights: Type.Array(Type.Object({ variant: Type.String(), weight: Type.Number(), visitors: Type.Integer(), conversions: Type.Integer() })) }),
        },
      },
    },
    async (request) => {
      const workspaceId = callerOf(request).workspaceId;
      const campaign = await campaigns.get(workspaceId, request.params.id);
      const keys = campaign.definition.variants.map((variant) => variant.key);
      if (keys.length < 2) throw new RapportError('conflict', `campaign "${campaign.id}" has one variant; a bandit needs two or more`);
      const [report] = (await onsite.reports.report(workspaceId, [campaign])).campaigns;
      const arms = report?.arms ?? [];
      const weights = banditWeights(keys, arms);
      const updated = await campaigns.setWeights(workspaceId, campaign.id, weights);
      return {
        campaign: view(updated),
        weights: keys.map((variant, index) => {
          const arm = arms.find((entry) => entry.arm === variant);
          return { variant, weight: weights[index] ?? 0, visitors: arm?.visitors ?? 0, conversions: arm?.conversions ?? 0 };
        }),
      };
    },
  );
}

/** Settings, the verification secret and the starters. */
async function settingsRoutes(scope: FastifyInstance, onsite: Onsite, supplies: StarterSupplies): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { campaigns } = onsite;
  const SettingsView = Type.Composite([OnsiteSettingsSchema, Type.Object({ revision: Type.Integer() })]);
  app.get('/onsite/settings', { schema: { tags, summary: 'Fatigue across campaigns and the consent mode', response: { 200: SettingsView } } }, async (request) =>
    campaigns.settings(callerOf(request).workspaceId),
  );
  app.put('/onsite/settings', { schema: { tags, summary: 'Replace the on-site settings', body: OnsiteSettingsSchema, response: { 200: SettingsView } } }, async (request) =>
    campaigns.putSettings(callerOf(request).workspaceId, request.body),
  );
  app.get('/onsite/secret', { schema: { tags, summary: 'The identity-verification secret (admin scope); created on first read', response: { 200: Secret } } }, async (request) => ({
    secret: await campaigns.secret(callerOf(request).workspaceId),
  }));
  app.post(
    '/onsite/secret/rotate',
    { schema: { tags, summary: 'Replace the identity-verification secret; hashes signed with the old one stop verifying', response: { 200: Secret } } },
    async (request) => ({
      secret: await campaigns.rotateSecret(callerOf(request).workspaceId),
    }),
  );
  app.get(
    '/onsite/starters',
    {
      schema: {
        tags,
        summary: 'The starter campaigns (six seed templates, exit intent, email capture A/B, NPS)',
        response: { 200: Type.Object({ starters: Type.Array(Type.Object({ key: Type.String(), name: Type.String(), type: Type.String() })) }) },
      },
    },
    async () => ({
      starters: starterCampaigns.map((starter) => ({ key: starter.key, name: starter.name, type: starter.type })),
    }),
  );
  app.post(
    '/onsite/starters/install',
    {
      schema: {
        tags,
        summary: 'Install the starter campaigns (and their coupon pools), idempotently by name',
        body: Type.Object({ activate: Type.Optional(Type.Boolean({ default: false })), keys: Type.Optional(Type.Array(Type.String({ maxLength: 60 }), { maxItems: 20 })) }),
        response: { 200: StarterResultSchema },
      },
    },
    async (request) =>
      installStarters(callerOf(request).workspaceId, onsite.campaigns, supplies, { activate: request.body.activate ?? false, ...(request.body.keys === undefined ? {} : { keys: request.body.keys }) }),
  );
}

function cors(request: FastifyRequest, reply: FastifyReply): void {
  const origin = request.headers.origin;
  void reply.header('Access-Control-Allow-Origin', origin ?? '*');
  if (origin !== undefined) void reply.header('Vary', 'Origin');
  void reply.header('Access-Control-Expose-Headers', 'ETag');
}

/** The write key from Basic auth, `?writeKey=` (the SDK's fetch without preflight) or the body. */
async function authenticate(request: FastifyRequest, workspaces: WorkspaceService, fromQuery?: string): Promise<{ workspaceId: string; sourceId: string }> {
  const body = typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body) ? request.body : {};
  const fromBody = Object.hasOwn(body, 'writeKey') ? Reflect.get(body, 'writeKey') : undefined;
  const given = fromQuery ?? (typeof fromBody === 'string' ? fromBody : undefined);
  const key = writeKeyOf(request.headers.authorization, given === undefined ? {} : { writeKey: given });
  if (key === undefined) throw new RapportError('unauthorized', 'no write key: send Authorization: Basic base64("<writeKey>:") or writeKey');
  const source = await workspaces.authenticateWriteKey(key);
  if (source === undefined) throw new RapportError('unauthorized', 'the write key is not recognized or was revoked; check the key of this source');
  return { workspaceId: source.workspaceId, sourceId: source.id };
}

const Visitor = {
  writeKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  anonymousId: Type.String({ minLength: 1, maxLength: 200 }),
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  userHash: Type.Optional(Type.String({ maxLength: 128, description: 'hex HMAC-SHA256(userId, workspace on-site secret)' })),
};
const KeyQuery = Type.Object({ writeKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) });
const CampaignRef = { campaignId: Type.String({ minLength: 1, maxLength: 120 }), variant: Type.String({ minLength: 1, maxLength: 40 }) };
const RevealSchema = Type.Union([
  Type.Object({
    code: Type.String(),
    expiresAt: Type.Optional(Type.String()),
    discount: Type.Object({ kind: Type.Union([Type.Literal('percent'), Type.Literal('amount'), Type.Literal('free_shipping')]), value: Type.Number() }),
  }),
  Type.Object({ code: Type.Null(), reason: Type.String() }),
]);

/**
 * The browser SDK's endpoints, authenticated by the write key like /v1/batch: the compiled
 * configuration (ETag, 304), visitor facts, coupon reveal and form submission.
 */
export async function onsitePublicRoutes(scope: FastifyInstance, onsite: Onsite, deps: { workspaces: WorkspaceService; rateLimits: RateLimits; clock: Clock }): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const now = () => deps.clock.now();
  // The tracking API's limits (RAPPORT_RATE_INGEST_*), in buckets of their own.
  const perIp = new RateLimiter('on-site per IP', deps.rateLimits.ingestPerIp, now);
  const perWriteKey = new RateLimiter('on-site per write key', deps.rateLimits.ingestPerWriteKey, now);
  // Callback style: an async hook costs a promise and two microtasks on every request.
  app.addHook('onRequest', (request, reply, done) => {
    cors(request, reply);
    try {
      perIp.enforce(request.ip, reply);
    } catch (error) {
      return done(error instanceof Error ? error : new RapportError('rate_limited'));
    }
    done();
  });
  const workspaceOf = async (request: FastifyRequest, reply: FastifyReply, fromQuery?: string) => {
    const source = await authenticate(request, deps.workspaces, fromQuery);
    perWriteKey.enforce(source.sourceId, reply);
    return source;
  };
  configRoute(scope, onsite, workspaceOf);
  visitorRoutes(app, onsite, workspaceOf);
}

type WorkspaceOf = (request: FastifyRequest, reply: FastifyReply, fromQuery?: string) => ReturnType<typeof authenticate>;

/** GET /v1/onsite/config: the compiled configuration with its ETag, or a preview that is never cached. */
function configRoute(scope: FastifyInstance, onsite: Onsite, workspaceOf: WorkspaceOf): void {
  // Untyped on purpose: the body is the compiled text, sent without a second serialisation.
  scope.get<{ Querystring: { writeKey?: string; preview?: string } }>(
    '/v1/onsite/config',
    {
      schema: {
        tags,
        summary: 'Live campaigns compiled for the SDK (write key as Basic auth or ?writeKey=); ETag and If-None-Match → 304',
        security: [],
        querystring: Type.Object({
          writeKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          preview: Type.Optional(Type.String({ minLength: 1, maxLength: 120, description: 'Also include this campaign whatever its state (the editor preview); not cached' })),
        }),
        response: { 200: OnsiteConfigSchema, 304: Type.Null() },
      },
    },
    async (request, reply) => {
      const { workspaceId } = await workspaceOf(request, reply, request.query.writeKey);
      if (request.query.preview !== undefined) {
        const previewed = await onsite.configs.preview(workspaceId, request.query.preview);
        return reply
          .header('Cache-Control', 'no-store')
          .type('application/json; charset=utf-8')
          .serializer((payload) => String(payload))
          .send(previewed.body);
      }
      const compiled = await onsite.configs.get(workspaceId);
      void reply.header('ETag', compiled.etag).header('Cache-Control', 'public, max-age=60, stale-while-revalidate=86400');
      const match = request.headers['if-none-match'];
      if (typeof match === 'string' && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === compiled.etag)) return reply.status(304).send(null);
      // Serialised once per change: the stored text goes out as-is.
      return reply
        .type('application/json; charset=utf-8')
        .serializer((payload) => String(payload))
        .send(compiled.body);
    },
  );
}

/** What the SDK asks about or does as the visitor: facts, coupon reveal, form submission. */
function visitorRoutes(app: TypedApp, onsite: Onsite, workspaceOf: WorkspaceOf): void {
  app.post(
    '/v1/onsite/visitor',
    {
      schema: {
        tags,
        summary: 'What only the server knows about the visitor; identified profiles need a valid userHash',
        security: [],
        querystring: KeyQuery,
        body: Type.Object(Visitor, { additionalProperties: false }),
        response: { 200: VisitorFactsSchema },
      },
    },
    async (request, reply) => {
      const { workspaceId } = await workspaceOf(request, reply, request.query.writeKey);
      const { anonymousId, userId, userHash } = request.body;
      return onsite.visitors.facts(workspaceId, { anonymousId, userId, userHash });
    },
  );
  app.post(
    '/v1/onsite/reveal',
    {
      schema: {
        tags,
        summary: "A single-use coupon from the campaign's pool, once per campaign and profile (replays return the same code)",
        security: [],
        querystring: KeyQuery,
        body: Type.Object({ ...Visitor, ...CampaignRef }, { additionalProperties: false }),
        response: { 200: RevealSchema },
      },
    },
    async (request, reply) => {
      const { workspaceId } = await workspaceOf(request, reply, request.query.writeKey);
      const { anonymousId, userId, userHash, campaignId, variant } = request.body;
      return onsite.interactions.reveal(workspaceId, { anonymousId, userId, userHash, campaignId, variant });
    },
  );
  app.post(
    '/v1/onsite/submit',
    {
      schema: {
        tags,
        summary: 'A form or survey submission: identifies the visitor, records consent (source onsite:<campaign>), stores answers, may start a journey',
        security: [],
        querystring: KeyQuery,
        body: Type.Object(
          {
            writeKey: Visitor.writeKey,
            anonymousId: Visitor.anonymousId,
            ...CampaignRef,
            email: Type.Optional(Type.String({ minLength: 3, maxLength: 254 })),
            phone: Type.Optional(Type.String({ minLength: 3, maxLength: 40 })),
            answers: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z0-9_]{1,40}$' }), Type.Unknown(), { maxProperties: 10 })),
            consent: Type.Optional(Type.Boolean()),
            locale: Type.Optional(Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ ok: Type.Literal(true), doubleOptIn: Type.Boolean() }) },
      },
    },
    async (request, reply) => {
      const { workspaceId, sourceId } = await workspaceOf(request, reply, request.query.writeKey);
      const { campaignId, variant, anonymousId, email, phone, answers, consent, locale } = request.body;
      return onsite.interactions.submit(workspaceId, sourceId, { campaignId, variant, anonymousId, email, phone, answers, consent, locale });
    },
  );
}
