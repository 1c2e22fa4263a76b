import { LogController, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { analyticsModule } from './analytics/module.js';
import type { AnalyticsService, ReportService } from './analytics/index.js';
import type { Kernel } from './app/kernel.js';
import { orderModules, startModules, stopModules } from './app/lifecycle.js';
import type { Module } from './app/module.js';
import { catalogModule } from './catalog/module.js';
import type { CatalogService } from './catalog/index.js';
import { channelsModule } from './channels/module.js';
import type { MessageSender, Messaging } from './channels/index.js';
import type { Config } from './config/config.js';
import { couponsModule } from './coupons/module.js';
import { experimentsModule } from './experiments/module.js';
import type { ExperimentService } from './experiments/index.js';
import { buildApp } from './http/app.js';
import { serverLogOptions } from './http/log-redaction.js';
import { identityModule } from './identity/module.js';
import type { IdentityRulesStore } from './identity/index.js';
import { importsModule } from './imports/module.js';
import type { ImportService } from './imports/index.js';
import { ingestModule } from './ingest/module.js';
import type { EventCompaction, EventLogService, IngestService } from './ingest/index.js';
import { journeysModule } from './journeys/module.js';
import type { JourneyService } from './journeys/index.js';
import { predictiveModule } from './predictive/module.js';
import type { PredictiveService } from './predictive/index.js';
import { privacyModule } from './privacy/module.js';
import type { PrivacyService } from './privacy/index.js';
import { processorModule } from './processor/module.js';
import { lagSources, type ProcessorControl } from './processor/index.js';
import { profilesModule } from './profiles/module.js';
import type { ProfileScores, ProfileService } from './profiles/index.js';
import { recommendationsModule } from './recommendations/module.js';
import type { RecommendationService } from './recommendations/index.js';
import { schedulerModule } from './scheduler/module.js';
import type { Scheduler } from './scheduler/index.js';
import { segmentsModule } from './segments/module.js';
import type { SegmentService } from './segments/index.js';
import { systemClock, type Clock } from './shared/clock.js';
import { autovacuumOn, openDatabase, ping, type Database } from './storage/database.js';
import { pendingMigrations } from './storage/migrator.js';
import type { Phase, ReadinessDeps } from './http/readiness.js';
import { templatesModule } from './templates/module.js';
import type { FirstOwner, UserService } from './users/index.js';
import { usersModule } from './users/module.js';
import { VERSION } from './version.js';
import type { Bootstrap, WorkspaceService } from './workspaces/index.js';
import { workspacesModule } from './workspaces/module.js';
import { OnsiteQueue, type Onsite } from './onsite/index.js';
import { onsiteModule } from './onsite/module.js';
import { dashboardModule } from './dashboard/module.js';
import { overviewModule } from './overview/module.js';

/** The running system: store, services and HTTP app, wired once (the composition root). */
export interface Rapport {
  config: Config;
  clock: Clock;
  database: Database;
  workspaces: WorkspaceService;
  /** People who sign in to the dashboard: users, roles, sessions, invitations (issue 16). */
  users: UserService;
  /** The owner created on this start, when the store had no user: print its invitation once. */
  firstOwner: FirstOwner | undefined;
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
  /** Channels, templates, coupons and consent (issue 5); `messaging.channels` is the MessageSender. */
  messaging: Messaging;
  /** Erasure and export of a person's data, and the ingest gate that keeps erased people out. */
  privacy: PrivacyService;
  /** Every module, in start order (they stop in reverse). */
  modules: readonly Module[];
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
  /**
   * What this process does (`rapport start --role`): `api` serves HTTP and ingest and follows
   * nothing (the processor off: no followers, no jobs); `worker` runs the processor, the other
   * followers and the jobs, and answers HTTP only on its health routes; `all` (default) both.
   */
  role?: ProcessRole;
}

export type ProcessRole = 'api' | 'worker' | 'all';

/** The HTTP routes a worker still answers: a supervisor or load balancer asks them. */
const workerRoutes = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Builds every module from its dependencies. Each factory takes the modules it uses, and a
 * module's `dependencies` are exactly those, so the start order (see `orderModules`) follows
 * from what each module was built with; nothing here decides it.
 */
async function buildModules(kernel: Kernel, options: RapportOptions) {
  const workspaces = await workspacesModule(kernel);
  const users = await usersModule(kernel, { workspaces });
  const ingest = ingestModule(kernel, { workspaces });
  const identity = await identityModule(kernel);
  const catalog = catalogModule(kernel, { ingest });
  const imports = importsModule(kernel, { ingest, catalog });
  const profiles = profilesModule(kernel, { identity });
  const scheduler = schedulerModule(kernel);
  const recommendations = recommendationsModule(kernel, { ingest, workspaces, scheduler });
  const experiments = experimentsModule(kernel, { ingest, workspaces });
  const templates = templatesModule(kernel);
  const coupons = couponsModule(kernel, { profiles });
  const channels = channelsModule(kernel, { workspaces, ingest, profiles, catalog, recommendations, templates, coupons });
  const privacy = privacyModule(kernel, { ingest, identity });
  const segments = segmentsModule(kernel, { identity, profiles, channels });
  const analytics = analyticsModule(kernel, { profiles, segments, channels });
  // Journeys' `onsite` nodes queue a campaign for the person's next visit in the on-site module's store.
  const journeys = journeysModule(
    kernel,
    { scheduler, channels, templates, coupons, ingest, identity },
    { sender: options.sender, onsite: new OnsiteQueue({ database: kernel.database, clock: kernel.clock }) },
  );
  const onsite = onsiteModule(kernel, { workspaces, ingest, profiles, segments, channels, templates, coupons, journeys, scheduler });
  const predictive = predictiveModule(kernel, { scheduler, profiles });
  const domain = [
    workspaces,
    users,
    ingest,
    identity,
    catalog,
    imports,
    profiles,
    recommendations,
    experiments,
    templates,
    coupons,
    channels,
    privacy,
    segments,
    analytics,
    scheduler,
    journeys,
    onsite,
    predictive,
    dashboardModule(),
    overviewModule(kernel, { ingest, profiles, journeys, onsite, channels, scheduler }),
  ];
  const processor = processorModule(kernel, { ingest, identity }, domain, options.processor ?? kernel.config.processor);
  return {
    workspaces,
    users,
    ingest,
    identity,
    catalog,
    imports,
    profiles,
    recommendations,
    experiments,
    channels,
    privacy,
    segments,
    analytics,
    scheduler,
    journeys,
    onsite,
    predictive,
    processor,
    all: [...domain, processor],
  };
}

/**
 * The module list of a configuration, in start order, without starting anything (the
 * architecture doc's diagram is generated from it).
 * @example (await listModules(config)).map((module) => module.name)
 */
export async function listModules(config: Config): Promise<readonly Module[]> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, sqliteSynchronous: config.sqliteSynchronous });
  try {
    return orderModules((await buildModules({ config, clock: systemClock, database, logger: undefined }, { processor: 'off', background: false })).all);
  } finally {
    await database.close();
  }
}

type Services = Omit<Rapport, 'config' | 'clock' | 'database' | 'modules' | 'app' | 'close'>;

/** What the app and callers use, read off the modules. */
function servicesOf(modules: Awaited<ReturnType<typeof buildModules>>): Services {
  const { workspaces, users, ingest, identity, catalog, imports, profiles, recommendations, experiments, channels, privacy, segments, analytics, scheduler, journeys, onsite, predictive, processor } =
    modules;
  return {
    workspaces: workspaces.service,
    bootstrap: workspaces.bootstrap,
    users: users.users,
    firstOwner: users.firstOwner,
    ingest: ingest.ingest,
    eventLog: ingest.eventLog,
    compaction: ingest.compaction,
    catalog: catalog.catalog,
    imports: imports.imports,
    profiles: profiles.profiles,
    scores: profiles.scores,
    identityRules: identity.rules,
    messaging: channels.messaging,
    privacy: privacy.service,
    scheduler: scheduler.scheduler,
    journeys: journeys.service,
    analytics: analytics.analytics,
    reports: analytics.reports,
    segments: segments.segments,
    recommendations: recommendations.recommendations,
    experiments: experiments.experiments,
    predictive: predictive.predictive,
    onsite: onsite.onsite,
    processor: processor.processor,
  };
}

/** The HTTP app over the services; /healthz asks the store and shows the modules' checks. */
function serve(kernel: Kernel, services: Services, modules: readonly Module[], readiness: Omit<ReadinessDeps, 'modules'>): Promise<FastifyInstance> {
  const { config, clock, database, logger } = kernel;
  return buildApp(
    {
      ...services,
      clock,
      version: VERSION,
      health: () => ping(database),
      modules,
      followers: lagSources(modules),
      rateLimits: config.rateLimits,
      sdkDir: config.sdkDir,
      metricsToken: config.operations.metricsToken,
      jobQueue: services.scheduler,
      readiness,
    },
    {
      // Behind a load balancer, the client address (context.ip) comes from X-Forwarded-For.
      trustProxy: config.trustProxy,
      ...(logger === undefined ? { logger: false } : { loggerInstance: logger }),
      // A line per request costs more than the ingest itself at thousands of requests a second.
      logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    },
  );
}

/**
 * Opens the store (migrating it), bootstraps the default workspace, builds the modules and
 * the app, and starts the modules in dependency order; `close` stops them in reverse.
 * @example const rapport = await createRapport(loadConfig()); await rapport.app.listen({ port: 4000 });
 */
export async function createRapport(config: Config, options: RapportOptions = {}): Promise<Rapport> {
  const clock = options.clock ?? systemClock;
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteSynchronous: config.sqliteSynchronous,
    poolMax: config.operations.pgPoolMax,
    checkpointThread: true,
  });
  const logger = options.logger === false || config.logLevel === 'silent' ? undefined : pino({ level: config.logLevel, ...serverLogOptions() });
  if ((await autovacuumOn(database).catch(() => undefined)) === false) {
    logger?.warn('PostgreSQL autovacuum is off: dead rows are never reclaimed and planner statistics go stale; turn it on (docs/deploy.md)');
  }
  const kernel: Kernel = { config, clock, database, logger };
  let app: FastifyInstance | undefined;
  try {
    const modules = await buildModules(kernel, options.role === 'api' ? { ...options, processor: 'off' } : options);
    const ordered = orderModules(modules.all);
    const services = servicesOf(modules);
    const processing = modules.processor.mode !== 'off';
    let phase: Phase = 'starting';
    app = await serve(kernel, services, ordered, {
      phase: () => phase,
      pendingMigrations: () => pendingMigrations(database.db),
      processor: processing ? services.processor : undefined,
      maxLagMs: config.operations.readyMaxLagSeconds * 1000,
    });
    if (options.role === 'worker') {
      app.addHook('onRequest', async (request, reply) => {
        if (!workerRoutes.has(request.url.split('?')[0] ?? ''))
          await reply.code(404).send({ error: { code: 'not_found', message: 'this process runs with --role worker: it serves only /healthz, /readyz and /metrics' } });
      });
    }
    const started = await startModules(ordered, { background: options.background !== false, processing });
    phase = 'running';
    const running = app;
    return {
      ...services,
      config,
      clock,
      database,
      modules: ordered,
      app: running,
      async close() {
        phase = 'stopping';
        await running.close();
        // Dependents first; the store closes last, whatever a module's stop did.
        try {
          // A slow stop is what an operator needs to see when shutdown nears its bound.
          await stopModules(started, (name, ms) => {
            if (ms >= 1000) logger?.warn({ module: name, ms: Math.round(ms) }, 'module took long to stop');
          });
        } finally {
          await database.close();
        }
      },
    };
  } catch (error) {
    // Nothing half-built keeps the store open: a failed start leaves no timers or connections.
    await app?.close();
    await database.close();
    throw error;
  }
}
