import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ProfileService } from '../profiles/index.js';
import type { CouponService } from './coupon-service.js';
import { OfferRuleSchema } from './offer.js';
import { RapportError } from '../shared/errors.js';
import { callerOf } from '../app/caller.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

/** Coupon pools, uploaded or generated codes, issuing, checking codes and the report. */
export async function couponsRoutes(scope: FastifyInstance, coupons: CouponService, profiles: Pick<ProfileService, 'getProfile'>): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/coupons/pools', { schema: { tags: ['coupons'], summary: 'Coupon pools' } }, async (request) => ({ pools: await coupons.listPools(callerOf(request).workspaceId) }));

  app.post(
    '/coupons/pools',
    {
      schema: {
        tags: ['coupons'],
        summary: 'Create a pool: a fixed offer, tiers by a profile score (rfm_group, predicted_clv) or a weighted mystery draw',
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 200 }),
          prefix: Type.Optional(Type.String({ maxLength: 20 })),
          mode: Type.Optional(Type.Union([Type.Literal('uploaded'), Type.Literal('generated')])),
          rule: OfferRuleSchema,
          expiresAfterDays: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()])),
          expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
          partingGift: Type.Optional(Type.Boolean()),
        }),
      },
    },
    async (request, reply) => reply.status(201).send(await coupons.createPool(callerOf(request).workspaceId, request.body)),
  );

  app.get('/coupons/pools/:id', { schema: { tags: ['coupons'], summary: 'One pool', params: IdParams } }, async (request) => coupons.getPool(callerOf(request).workspaceId, request.params.id));

  app.post(
    '/coupons/pools/:id/codes',
    {
      schema: {
        tags: ['coupons'],
        summary: 'Upload codes (one per entry); existing codes are skipped and listed',
        params: IdParams,
        body: Type.Object({ codes: Type.Array(Type.String(), { minItems: 1, maxItems: 100_000 }) }),
      },
    },
    async (request) => coupons.uploadCodes(callerOf(request).workspaceId, request.params.id, request.body.codes),
  );

  app.post(
    '/coupons/pools/:id/generate',
    { schema: { tags: ['coupons'], summary: 'Generate unguessable codes with the pool prefix', params: IdParams, body: Type.Object({ count: Type.Integer({ minimum: 1, maximum: 100_000 }) }) } },
    async (request) => coupons.generateCodes(callerOf(request).workspaceId, request.params.id, request.body.count),
  );

  app.post(
    '/coupons/pools/:id/issue',
    {
      schema: {
        tags: ['coupons'],
        summary: 'Issue a personal single-use code to a profile (offer from its scores)',
        params: IdParams,
        body: Type.Object({ profileId: Type.String({ minLength: 1 }) }),
      },
    },
    async (request) => {
      const workspaceId = callerOf(request).workspaceId;
      const profile = await profiles.getProfile(workspaceId, request.body.profileId);
      if (profile === undefined) throw new RapportError('not_found', `no profile ${request.body.profileId}`);
      return coupons.issue(workspaceId, request.params.id, { profileId: profile.id, messageId: null, scores: profile.scores });
    },
  );

  app.get(
    '/coupons/codes/:code',
    { schema: { tags: ['coupons'], summary: 'Whether a code is valid now (unknown, redeemed, expired)', params: Type.Object({ code: Type.String({ maxLength: 64 }) }) } },
    async (request) => coupons.check(callerOf(request).workspaceId, request.params.code),
  );

  app.get('/coupons/report', { schema: { tags: ['coupons'], summary: 'Issued vs redeemed vs revenue, per pool' } }, async (request) => {
    await coupons.followRedemptions();
    return { pools: await coupons.report(callerOf(request).workspaceId) };
  });
}
