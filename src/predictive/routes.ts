import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PredictiveService } from '../predictive/index.js';
import { RapportError } from '../shared/errors.js';
import { callerOf } from '../app/caller.js';

export const PredictiveReportSchema = Type.Object(
  {
    id: Type.String(),
    status: Type.Union([Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed')]),
    trigger: Type.String({ description: 'job (the scheduled refresh), cli (rapport predict) or api' }),
    startedAt: Type.String({ format: 'date-time' }),
    finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    seconds: Type.Union([Type.Number(), Type.Null()]),
    report: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
      description:
        'The model report: data used; BG/NBD and Gamma-Gamma parameters, log-likelihood and optimizer status (or "not enough history: needs X, has Y"); propensity AUC, Brier and calibration on the held-out period next to the recency-only baseline; next-order model; replenishment intervals; restock list; seconds per step; score keys written',
    }),
    error: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'PredictiveReport' },
);

/**
 * Predictive model refreshes and their reports.
 * @example await predictiveRoutes(app, rapport.predictive);
 */
export async function predictiveRoutes(scope: FastifyInstance, predictive: PredictiveService): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/predictive/refresh',
    {
      schema: {
        tags: ['predictive'],
        summary: 'Refit CLV, churn, propensity, next-order and stock-out models now and rewrite the profile scores; poll the report it returns',
        response: { 202: Type.Object({ id: Type.String(), status: Type.Literal('running') }) },
      },
    },
    async (request, reply) => {
      const workspaceId = callerOf(request).workspaceId;
      const id = await new Promise<string>((resolve, reject) => {
        predictive.refresh(workspaceId, { trigger: 'api', onStarted: resolve }).catch((error: unknown) => {
          // Before it started (a refresh already running): the caller hears it. After: the report says it.
          reject(error);
          request.log.error({ err: error }, 'predictive refresh failed');
        });
      });
      return reply.code(202).send({ id, status: 'running' });
    },
  );

  app.get(
    '/predictive/reports',
    {
      schema: {
        tags: ['predictive'],
        summary: 'Model reports, newest first',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) }),
        response: { 200: Type.Object({ reports: Type.Array(PredictiveReportSchema) }) },
      },
    },
    async (request) => ({ reports: await predictive.reports(callerOf(request).workspaceId, request.query.limit ?? 20) }),
  );

  const Bins = Type.Object({
    count: Type.Integer({ description: 'Profiles with this score' }),
    mean: Type.Union([Type.Number(), Type.Null()]),
    median: Type.Union([Type.Number(), Type.Null()]),
    p90: Type.Union([Type.Number(), Type.Null()]),
    min: Type.Union([Type.Number(), Type.Null()]),
    max: Type.Union([Type.Number(), Type.Null()]),
    bins: Type.Array(Type.Object({ from: Type.Number(), to: Type.Number({ description: 'Exclusive, except the last bin, which also holds everything above' }), count: Type.Integer() })),
  });
  app.get(
    '/predictive/distributions',
    {
      schema: {
        tags: ['predictive'],
        summary: "How the current scores spread over the profiles: predicted CLV (the shop's currency) and churn risk (0–1), as histograms with mean, median and 90th percentile",
        response: { 200: Type.Object({ currency: Type.Union([Type.String(), Type.Null()]), clv: Bins, churnRisk: Bins }) },
      },
    },
    async (request) => predictive.distributions(callerOf(request).workspaceId),
  );

  app.get(
    '/predictive/reports/:id',
    {
      schema: {
        tags: ['predictive'],
        summary: 'One model report; "latest" for the newest',
        params: Type.Object({ id: Type.String({ minLength: 1 }) }),
        response: { 200: PredictiveReportSchema },
      },
    },
    async (request) => {
      const workspaceId = callerOf(request).workspaceId;
      const report = request.params.id === 'latest' ? (await predictive.reports(workspaceId, 1))[0] : await predictive.report(workspaceId, request.params.id);
      if (report === undefined)
        throw new RapportError('not_found', request.params.id === 'latest' ? 'no predictive refresh has run yet; POST /api/v1/predictive/refresh' : `no predictive report "${request.params.id}"`);
      return report;
    },
  );
}
