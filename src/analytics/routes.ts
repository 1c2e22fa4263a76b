import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TypedApp } from '../app/typed-app.js';
import {
  type AnalyticsService,
  AttributionRequest,
  CohortQuery,
  DroppedRequest,
  FunnelRequest,
  PeriodRequest,
  RfmQuery,
  type ReportService,
  reportFrequencies,
  attributionTables,
  cohortTables,
  funnelTables,
  kpiTables,
  maturityTables,
  rfmTables,
  toCsv,
  type Table,
} from '../analytics/index.js';
import { RapportError } from '../shared/errors.js';
import { callerOf } from '../app/caller.js';

export interface AnalyticsRouteDeps {
  analytics: AnalyticsService;
  reports: ReportService;
}

const CsvQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json', description: 'csv: one table of the result as CSV' })),
  table: Type.Optional(Type.String({ description: 'With format=csv: which table (default the first); names are listed in the 400 answer to an unknown one' })),
});
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
const AdSpendRow = Type.Object(
  {
    source: Type.String({ minLength: 1, maxLength: 200, description: 'utm_source the spend bought traffic from (google, facebook, ...)' }),
    campaign: Type.Optional(Type.String({ maxLength: 200, description: 'utm_campaign; omit for spend not split by campaign' })),
    day: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'First day (UTC) the amount covers' }),
    amount: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);

/** Answers JSON, or one of the result's tables as CSV. */
function respond(reply: FastifyReply, query: { format?: 'json' | 'csv' | undefined; table?: string | undefined }, result: object, tables: () => Table[]): object | string {
  if (query.format !== 'csv') return result;
  const all = tables();
  const table = query.table === undefined ? all[0] : all.find((candidate) => candidate.name === query.table);
  if (table === undefined) throw new RapportError('analytics.table_unknown', `table must be one of ${all.map((candidate) => candidate.name).join(', ')}`);
  void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${table.name}.csv"`);
  return toCsv(table);
}

/** Analytics: funnels, cohorts, RFM, attribution, KPIs, maturity, ad spend and scheduled reports. */
export async function analyticsRoutes(scope: FastifyInstance, deps: AnalyticsRouteDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  questionRoutes(app, deps.analytics);
  reportRoutes(app, deps);
}

const tags = ['analytics'];

/** The questions: funnels, cohorts, RFM, attribution, KPIs, maturity; and the replica behind them. */
function questionRoutes(app: TypedApp, analytics: AnalyticsRouteDeps['analytics']): void {
  app.get('/analytics/status', { schema: { tags, summary: 'The analytics replica: events and profiles copied, lag behind the processor' } }, async () => analytics.status());

  app.post('/analytics/rebuild', { schema: { tags, summary: 'Drop the analytics replica and copy the whole event log again' } }, async () => analytics.rebuild());

  app.post(
    '/analytics/funnels',
    { config: { reads: true, analysis: true }, schema: { tags, summary: 'A funnel: per-step conversion, drop-off, time to convert, optional breakdown', querystring: CsvQuery, body: FunnelRequest } },
    async (request, reply) => {
      const result = await analytics.funnel(callerOf(request).workspaceId, request.body);
      return respond(reply, request.query, result, () => funnelTables(result));
    },
  );

  app.post(
    '/analytics/funnels/dropped',
    {
      config: { analysis: true },
      schema: {
        tags,
        summary: 'Profiles who reached the step before `step` but not `step` (use as an audience)',
        body: DroppedRequest,
        response: { 200: Type.Object({ profileIds: Type.Array(Type.String()) }) },
      },
    },
    async (request) => ({ profileIds: await analytics.droppedProfiles(callerOf(request).workspaceId, request.body) }),
  );

  app.post(
    '/analytics/cohorts',
    {
      config: { reads: true, analysis: true },
      schema: { tags, summary: 'Cohorts by first purchase, signup or first visit; retention by purchases or a chosen event', querystring: CsvQuery, body: CohortQuery },
    },
    async (request, reply) => {
      const result = await analytics.cohorts(callerOf(request).workspaceId, request.body);
      return respond(reply, request.query, result, () => cohortTables(result));
    },
  );

  app.post(
    '/analytics/rfm',
    { config: { analysis: true }, schema: { tags, summary: 'RFM scores and groups; write=true stores them on profiles; compareTo reports movement', querystring: CsvQuery, body: RfmQuery } },
    async (request, reply) => {
      const result = await analytics.rfm(callerOf(request).workspaceId, request.body);
      return respond(reply, request.query, result, () => rfmTables(result));
    },
  );

  app.post(
    '/analytics/attribution',
    {
      config: { reads: true, analysis: true },
      schema: { tags, summary: 'Orders, revenue and conversion per channel, source, campaign or Rapport message; CPA and ROAS from ad spend', querystring: CsvQuery, body: AttributionRequest },
    },
    async (request, reply) => {
      const result = await analytics.attribution(callerOf(request).workspaceId, request.body);
      return respond(reply, request.query, result, () => attributionTables(result));
    },
  );

  app.get(
    '/analytics/kpis',
    { config: { analysis: true }, schema: { tags, summary: 'KPI report against the reference values and the previous period', querystring: Type.Intersect([PeriodRequest, CsvQuery]) } },
    async (request, reply) => {
      const result = await analytics.kpis(callerOf(request).workspaceId, { from: request.query.from, to: request.query.to });
      return respond(reply, request.query, result, () => kpiTables(result.lines));
    },
  );

  app.get(
    '/analytics/maturity',
    { config: { analysis: true }, schema: { tags, summary: 'Digital maturity stage (Egg, Caterpillar, Imago, Nirvana) and next steps', querystring: CsvQuery } },
    async (request, reply) => {
      const result = await analytics.maturity(callerOf(request).workspaceId);
      return respond(reply, request.query, result, () => maturityTables(result));
    },
  );
}

/** What marketers enter and receive: ad spend and scheduled email digests. */
function reportRoutes(app: TypedApp, { analytics, reports }: AnalyticsRouteDeps): void {
  app.put(
    '/analytics/ad-spend',
    { schema: { tags, summary: 'Enter ad spend per source, campaign and day (replaces the same keys)', body: Type.Object({ rows: Type.Array(AdSpendRow, { minItems: 1, maxItems: 10000 }) }) } },
    async (request, reply) => {
      await analytics.setAdSpend(
        callerOf(request).workspaceId,
        request.body.rows.map((row) => ({ ...row, campaign: row.campaign ?? '' })),
      );
      return reply.status(204).send();
    },
  );

  app.get('/analytics/ad-spend', { schema: { tags, summary: 'Ad spend entered for a period (default the last 30 days)', querystring: PeriodRequest } }, async (request) => ({
    rows: await analytics.listAdSpend(callerOf(request).workspaceId, request.query),
  }));

  app.get('/analytics/reports', { schema: { tags, summary: 'Scheduled email digests' } }, async (request) => ({ schedules: await reports.list(callerOf(request).workspaceId) }));

  app.post(
    '/analytics/reports',
    {
      schema: {
        tags,
        summary: 'Schedule a daily, weekly, monthly or quarterly digest (HTML with charts, CSV attached)',
        body: Type.Object(
          {
            frequency: Type.Union(reportFrequencies.map((frequency) => Type.Literal(frequency))),
            recipients: Type.Array(Type.String({ minLength: 3, maxLength: 320 }), { minItems: 1, maxItems: 50 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => reply.status(201).send(await reports.schedule(callerOf(request).workspaceId, request.body)),
  );

  app.delete('/analytics/reports/:id', { schema: { tags, summary: 'Stop a scheduled digest', params: IdParams } }, async (request, reply) => {
    await reports.remove(callerOf(request).workspaceId, request.params.id);
    return reply.status(204).send();
  });

  app.post('/analytics/reports/:id/send', { schema: { tags, summary: 'Send a digest now (the last closed period)', params: IdParams } }, async (request, reply) => {
    await reports.sendNow(callerOf(request).workspaceId, request.params.id);
    return reply.status(202).send({ sent: true });
  });
}
