import fs from 'node:fs';
import path from 'node:path';
import { LogController, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { AnalyticsService } from './analytics/analytics-service.js';
import { DuckDbEngine } from './analytics/duckdb/duckdb-engine.js';
import { lazyEngine } from './analytics/lazy-engine.js';
import { analyticsPrivacyHandler } from './analytics/privacy.js';
import { ReportService } from './analytics/report/report-service.js';
import { CatalogService } from './catalog/catalog-service.js';
import type { Config } from './config/config.js';
import { ImportService } from './imports/import-service.js';
import { Processor } from './processor/processor.js';
import { processorThreadAvailable, ThreadedProcessor, type ProcessorControl } from './processor/threaded-processor.js';
import { ProfileService } from './profiles/profile-service.js';
import { ProfileScores } from './profiles/profile-scores.js';
import { SegmentBackfiller } from './segments/backfill.js';
import { SegmentEngine } from './segments/engine.js';
import { SegmentService } from './segments/segment-service.js';
import { segmentPrivacyHandlers } from './segments/privacy.js';
import { WebhookDeliverer } from './segments/webhook.js';
import { RecommendationService } from './recommendations/recommendation-service.js';
import { ExperimentService } from './experiments/experiment-service.js';
import { experimentPrivacyHandler } from './experiments/privacy.js';
import { PredictiveService } from './predictive/jobs/predictive-service.js';
import { ProfileTargeting } from './experiments/profile-targeting.js';
import { buildApp } from './http/app.js';
import { serverLogOptions } from './http/log-redaction.js';
import { privateDir, restrictFiles } from './storage/private-files.js';
import { createMessaging, type Messaging } from './channels/messaging.js';
import { loadOrCreateSecretBox } from './channels/key-files.js';
import { OutboundHttp } from './channels/outbound/outbound-http.js';
import type { MessageSender } from './channels/sender.js';
import { createJourneys } from './journeys/journeys.js';
import { journeyPrivacyHandlers } from './journeys/privacy.js';
import type { JourneyService } from './journeys/journey-service.js';
import { StoreRecordingSender } from './journeys/recording-sender.js';
import { schedulerPrivacyHandler } from './scheduler/privacy.js';
import type { Scheduler } from './scheduler/scheduler.js';
import { EventLogService } from './ingest/event-log-service.js';
import { IngestService } from './ingest/ingest-service.js';
import { EventRetention } from './ingest/retention.js';
import { EventCompaction } from './ingest/compaction.js';
import { IdentityRulesStore } from './identity/identity-rules-store.js';
import { systemClock, type Clock } from './shared/clock.js';
import { openDatabase, ping, type Database } from './storage/database.js';
import { VERSION } from './version.js';
import { WorkspaceService, type Bootstrap } from './workspaces/workspace-service.js';
import { createOnsite, OnsiteQueue, type Onsite } from './onsite/index.js';
import { RapportError } from './shared/errors.js';

/** The running system: store, services and HTTP app, wired once (the composition root). */
export interface Rapport {
  config: Config;
  clock: Clock;
  database: Database;
  workspaces: WorkspaceService;
  ingest: IngestService;
  eventLog: EventLogService;
  catalog: CatalogService;
  imports: ImportService;
  profiles: ProfileService;
  /** Scores computed outside the event stream (RFM, predictions), usable in segments and templates. */
  scores: ProfileScores;
  identityRules: IdentityRulesStore;
  /** Durable jobs and timers (issue 4): register a kind's handler, then enqueue jobs of that kind. */
  scheduler: Scheduler;
  /** Journeys (issue 4): definitions, lifecycle, reports and dry runs. */
  journeys: JourneyService;
  /** Funnels, cohorts, RFM, attribution, KPIs and maturity over the DuckDB replica of the log. */
  analytics: AnalyticsService;
  /** Scheduled email digests of the analytics. */
  reports: ReportService;
  /** Real-time segments and audiences (issue 3). */
  segments: SegmentService;
  /** Product recommendations: strategies, rules, training runs and serving. */
  recommendations: RecommendationService;
  /** A/B tests: assignment, exposures, results and auto-promotion. */
  experiments: ExperimentService;
  /** Predictive models (issue 7): CLV, churn, propensity, next order, stock-out; scores on profiles, reports. */
  predictive: PredictiveService;
  /** Channels, templates, coupons, consent and privacy (issue 5); `messaging.channels` is the MessageSender. */
  messaging: Messaging;
  /** On-site campaigns, the SDK's configuration and visitor facts, reveals, submissions and reports (issue 15). */
  onsite: Onsite;
  /** Turns the event log into identities and profiles; running unless disabled by config. */
  processor: ProcessorControl;
  /** Rewrites processed event payloads in compact form (SQLite), every minute; `runOnce` on demand. */
  compaction: EventCompaction;
  bootstrap: Bootstrap;
  app: FastifyInstance;
  /** Stops background work and closes the store. */
  close(): Promise<void>;
}

export interface RapportOptions {
  clock?: Clock;
  /** Overrides `config.processor`: CLI commands that only write leave processing to the server. */
  processor?: Config['processor'];
  /** false silences the server whatever RAPPORT_LOG_LEVEL says (tests). */
  logger?: false;
  /** Where journeys send messages; default the channels module (or the recording sender with RAPPORT_JOURNEY_DELIVERY=record). */
  sender?: MessageSender;
  /** false: no timers or background passes at all (identity rules refresh, retraining); CLI commands served in-process. */
  background?: false;
}

/**
 * Opens the store (migrating it), bootstraps the default workspace and builds the app.
 * @example const rapport = await createRapport(loadConfig()); await rapport.app.listen({ port: 4000 });
 */
export async function createRapport(config: Config, options: RapportOptions = {}): Promise<Rapport> {
  const clock = options.clock ?? systemClock;
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, sqliteSynchronous: config.sqliteSynchronous });
  const workspaces = new WorkspaceService({ database, clock });
  const bootstrap = await workspaces.bootstrap({ writeKey: config.bootstrapWriteKey, adminToken: config.bootstrapAdminToken });
  const ingest = new IngestService({ database, partitions: config.partitions, clock });
  const eventLog = new EventLogService({ database });
  const catalog = new CatalogService({ database, events: ingest, clock });
  const imports = new ImportService({ database, ingest, catalog, clock });
  const identityRules = new IdentityRulesStore({ database, clock });
  await identityRules.refresh();
  const profiles = new ProfileService({ database, identityRules: identityRules.rulesFor });
  const scores = new ProfileScores({ database, clock });
  const logger = options.logger === false || config.logLevel === 'silent' ? undefined : pino({ level: config.logLevel, ...serverLogOptions() });
  // Every outbound HTTP call goes through one guarded path; secrets at rest are sealed under the operator's key (docs/outbound.md).
  const outbound = new OutboundHttp({ allow: config.outboundAllow });
  const secrets = loadOrCreateSecretBox(config.secretKey, config.secretKeysOld, config.dataDir);
  // Analytics (issue 6): the DuckDB replica `<dataDir>/analytics.duckdb`, opened on first use.
  const analyticsFile = path.join(config.dataDir, 'analytics.duckdb');
  const analyticsEngine = lazyEngine(async () => {
    privateDir(config.dataDir);
    const engine = await DuckDbEngine.open(database, { file: analyticsFile });
    // DuckDB creates its files with the umask's mode; the 0700 directory already keeps them private.
    restrictFiles(analyticsFile, `${analyticsFile}.wal`);
    return engine;
  }, analyticsFile);
  const analytics = new AnalyticsService({
    database,
    engine: analyticsEngine,
    clock,
    scores,
    // Funnel breakdowns by segment read the members page by page (segments is built below).
    segmentMembers: async (workspaceId, segmentId) => {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await segments.members(workspaceId, segmentId, { cursor, limit: 1000 });
        ids.push(...page.members.map((member) => member.profileId));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return ids;
    },
    syncIntervalMs: config.analyticsSyncMs,
    onError: (error) => logger?.error({ err: error }, 'analytics replica sync failed'),
  });
  const reports = new ReportService({ database, analytics, clock, smtpUrl: config.smtpUrl, from: config.smtpFrom, onError: (error) => logger?.error({ err: error }, 'analytics report failed') });
  const recommendations = new RecommendationService({
    database,
    clock,
    partitions: config.partitions,
    retrainIntervalMs: config.recsRetrainMinutes * 60_000,
    onError: (error) => logger?.error({ err: error }, 'recommendations background work failed'),
  });
  const experiments = new ExperimentService({ database, clock, ingest, targeting: new ProfileTargeting(database) });
  const predictive = new PredictiveService({ database, clock, scores });
  // Segments (issue 3): membership is committed with each processor batch; this engine serves the
  // API side (backfills, score changes, static lists) and re-checks time windows when they end.
  const segmentEngine = new SegmentEngine({ database, clock, logger });
  const segmentBackfiller = new SegmentBackfiller({ database, engine: segmentEngine, logger });
  const segmentWebhooks = new WebhookDeliverer({ database, clock, logger, secrets, outbound });
  const segments = new SegmentService({ database, engine: segmentEngine, clock, onBackfillNeeded: () => segmentBackfiller.wake(), identityRules: identityRules.rulesFor, secrets });
  segmentEngine.onTransitions(() => segmentWebhooks.wake());
  scores.subscribe(async (workspaceId, changes) => {
    await segmentEngine.reevaluateScores(workspaceId, changes);
  });
  // Channels (issue 5): providers from config, templates, coupons, consent, privacy (its ingest gate drops erased people's events).
  const messaging = await createMessaging({ config, database, clock, ingest, profiles, catalog, identityRules: identityRules.rulesFor, recommendations: recommendations.slotProvider(), outbound, secrets, ...(logger === undefined ? {} : { logger }) });
  // Secrets written before sealing, or sealed under a rotated-out key, move to the current key.
  for (const pass of [await messaging.webhooks.reseal(), await segments.resealDestinations()]) {
    if (pass.unreadable.length > 0) logger?.error({ destinations: pass.unreadable }, 'destination secrets sealed with a key this server does not hold: add it to RAPPORT_SECRET_KEYS_OLD');
  }
  // Journeys: the durable scheduler, the journey engine and its own reader of the event log. They
  // send through the channels module (templates must exist), or, with RAPPORT_JOURNEY_DELIVERY=record,
  // only record what they would send (table recorded_messages; nothing rendered, no template needed).
  const recordOnly = options.sender === undefined && config.journeyDelivery === 'record';
  const journeys = createJourneys({
    database,
    clock,
    sender: options.sender ?? (recordOnly ? new StoreRecordingSender({ database, clock }) : messaging.channels),
    // Real delivery: installing a recipe creates its templates (from the starters) and coupon pools.
    ...(recordOnly ? { templates: async () => [] } : { recipeSupplies: { templates: messaging.templates, coupons: messaging.coupons } }),
    ingest,
    identityRules: identityRules.rulesFor,
    outbound,
    // Journey steps that queue an on-site message for the person's next visit.
    onsite: new OnsiteQueue({ database, clock }),
    ...(logger === undefined ? {} : { logger }),
  });
  const onsite = createOnsite({
    database,
    clock,
    secrets,
    references: {
      segmentExists: (workspaceId, id) => exists(() => segments.get(workspaceId, id)),
      poolExists: (workspaceId, id) => exists(() => messaging.coupons.getPool(workspaceId, id)),
      journeyExists: async (workspaceId, id) => (await journeys.service.get(workspaceId, id)) !== undefined,
      templateExists: (workspaceId, id) => exists(() => messaging.templates.get(workspaceId, id)),
    },
    profiles,
    segmentsOf: (workspaceId, profileId) => segments.segmentIdsOf(workspaceId, profileId),
    brands: messaging.brands,
    coupons: messaging.coupons,
    ingest,
    consent: messaging.consent,
    preferences: messaging.preferences,
    journeys: journeys.service,
    scheduler: journeys.scheduler,
    ...(logger === undefined ? {} : { logger }),
  });
  // Privacy: each module erases (and exports) what it holds about a person; the replica after the commit.
  for (const handler of segmentPrivacyHandlers(database.dialect)) messaging.privacyRegistry.register(handler);
  messaging.privacyRegistry.register(experimentPrivacyHandler());
  messaging.privacyRegistry.register(onsite.privacy);
  for (const handler of journeyPrivacyHandlers()) messaging.privacyRegistry.register(handler);
  // After journeys (which move their scan cursors off the person): jobs still naming them go.
  messaging.privacyRegistry.register(schedulerPrivacyHandler());
  messaging.privacyRegistry.register(analyticsPrivacyHandler(analyticsEngine));
  let mode = options.processor ?? config.processor;
  // Tests run the TypeScript sources, where the thread entry does not exist: process inline.
  if (mode === 'thread' && !processorThreadAvailable()) mode = 'inline';
  const processor: ProcessorControl =
    mode === 'thread'
      ? new ThreadedProcessor(
          { databaseUrl: config.databaseUrl, dataDir: config.dataDir, sqliteSynchronous: config.sqliteSynchronous, batchSize: config.processorBatchSize, lingerMs: config.processorLingerMs, logLevel: config.logLevel },
          database,
          logger,
        )
      : new Processor({ database, clock, batchSize: config.processorBatchSize, lingerMs: config.processorLingerMs, logger, identityRules: identityRules.rulesFor, extensions: [segmentEngine.extension()] });
  const app = await buildApp(
    { ingest, workspaces, clock, eventLog, catalog, imports, profiles, processor, identityRules, journeys: journeys.service, segments, recommendations, experiments, predictive, analytics, reports, messaging, onsite, version: VERSION, health: () => ping(database), rateLimits: config.rateLimits },
    {
      // Behind a load balancer, the client address (context.ip) comes from X-Forwarded-For.
      trustProxy: config.trustProxy,
      ...(logger === undefined ? { logger: false } : { loggerInstance: logger }),
      // A line per request costs more than the ingest itself at thousands of requests a second.
      logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    },
  );
  if (options.background !== false) identityRules.start((error) => logger?.error({ err: error }, 'identity rules refresh failed'));
  if (options.background !== false) ingest.onAppend((workspaceId) => recommendations.wake(workspaceId));
  if (options.background !== false) recommendations.start();
  const retention = new EventRetention({ database, clock, days: config.eventRetentionDays });
  const compaction = new EventCompaction({ database, clock, afterMinutes: config.eventCompactAfterMinutes });
  if (mode !== 'off') {
    retention.start((error) => logger?.error({ err: error }, 'event retention sweep failed'));
    compaction.start((error) => logger?.error({ err: error }, 'event payload compaction failed'));
    ingest.onAppend(() => processor.wake());
    processor.start();
    ingest.onAppend(() => journeys.consumer.wake());
    // The daily model refresh is a durable job on the journeys' scheduler (registered before it starts).
    await predictive.schedule(journeys.scheduler);
    journeys.start();
    analytics.start();
    reports.start();
    segmentEngine.start();
    segmentBackfiller.start();
    segmentWebhooks.start();
    // Models train in the background at start (never inside a request or a send's render).
    void workspaces.listWorkspaces().then((list) => recommendations.trainAtStart(list.map((workspace) => workspace.id)), (error: unknown) => logger?.error({ err: error }, 'recommendations start-up training failed'));
  }
  return {
    config,
    clock,
    database,
    workspaces,
    ingest,
    eventLog,
    catalog,
    imports,
    profiles,
    scores,
    identityRules,
    messaging,
    onsite,
    scheduler: journeys.scheduler,
    journeys: journeys.service,
    analytics,
    reports,
    segments,
    recommendations,
    experiments,
    predictive,
    processor,
    compaction,
    bootstrap,
    app,
    async close() {
      retention.stop();
      await compaction.stop();
      identityRules.stop();
      await app.close();
      await onsite.stop();
      await journeys.stop();
      await messaging.stop();
      await recommendations.stop();
      await predictive.stop();
      await reports.stop();
      await analytics.close();
      await segmentBackfiller.stop();
      await segmentWebhooks.stop();
      await segmentEngine.stop();
      // After the app: no request can append any more; the batch in flight commits first.
      await processor.stop();
      await database.close();
    },
  };
}

/** Whether a lookup that throws `not_found` for a missing id finds it (in the caller's workspace). */
async function exists(lookup: () => Promise<unknown>): Promise<boolean> {
  try {
    await lookup();
    return true;
  } catch (error) {
    if (error instanceof RapportError && error.code === 'not_found') return false;
    throw error;
  }
}
