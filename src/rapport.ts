import { LogController, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { CatalogService } from './catalog/catalog-service.js';
import type { Config } from './config/config.js';
import { ImportService } from './imports/import-service.js';
import { Processor } from './processor/processor.js';
import { processorThreadAvailable, ThreadedProcessor, type ProcessorControl } from './processor/threaded-processor.js';
import { ProfileService } from './profiles/profile-service.js';
import { ProfileScores } from './profiles/profile-scores.js';
import { buildApp } from './http/app.js';
import { EventLogService } from './ingest/event-log-service.js';
import { IngestService } from './ingest/ingest-service.js';
import { EventRetention } from './ingest/retention.js';
import { IdentityRulesStore } from './identity/identity-rules-store.js';
import { systemClock, type Clock } from './shared/clock.js';
import { openDatabase, ping, type Database } from './storage/database.js';
import { VERSION } from './version.js';
import { WorkspaceService, type Bootstrap } from './workspaces/workspace-service.js';

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
  /** Turns the event log into identities and profiles; running unless disabled by config. */
  processor: ProcessorControl;
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
  const logger = options.logger === false || config.logLevel === 'silent' ? undefined : pino({ level: config.logLevel });
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
      : new Processor({ database, clock, batchSize: config.processorBatchSize, lingerMs: config.processorLingerMs, logger, identityRules: identityRules.rulesFor });
  const app = await buildApp(
    { ingest, workspaces, clock, eventLog, catalog, imports, profiles, processor, identityRules, version: VERSION, health: () => ping(database) },
    {
      // Behind a load balancer, the client address (context.ip) comes from X-Forwarded-For.
      trustProxy: config.trustProxy,
      ...(logger === undefined ? { logger: false } : { loggerInstance: logger }),
      // A line per request costs more than the ingest itself at thousands of requests a second.
      logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    },
  );
  identityRules.start((error) => logger?.error({ err: error }, 'identity rules refresh failed'));
  const retention = new EventRetention({ database, clock, days: config.eventRetentionDays });
  if (mode !== 'off') {
    retention.start((error) => logger?.error({ err: error }, 'event retention sweep failed'));
    ingest.onAppend(() => processor.wake());
    processor.start();
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
    processor,
    bootstrap,
    app,
    async close() {
      retention.stop();
      identityRules.stop();
      await app.close();
      // After the app: no request can append any more; the batch in flight commits first.
      await processor.stop();
      await database.close();
    },
  };
}
