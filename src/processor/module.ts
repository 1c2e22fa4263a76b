import type { Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { Config } from '../config/config.js';
import type { IdentityModule } from '../identity/index.js';
import type { IngestModule } from '../ingest/index.js';
import type { ProcessorExtensionPart } from './extensions.js';
import { Processor } from './processor.js';
import { lagSources, processorRoutes } from './routes.js';
import { PartitionLeases } from '../log/leases.js';
import { AppendWakeups } from '../log/wakeups.js';
import { processorThreadAvailable, ThreadedProcessor, type ProcessorControl } from './threaded-processor.js';

/** The processor: turns the event log into identities and profiles, with the modules' extensions in each batch. */
export interface ProcessorModule extends Module {
  processor: ProcessorControl;
  /** Where it runs; `off` when this process only writes (CLI commands). */
  mode: Config['processor'];
}

/**
 * Builds the processor module. Its extensions are the `processorExtensions` of the modules it
 * is given (it depends on them, so they start before it and stop after it); the processor
 * thread loads the same list by module name.
 * @example const processor = processorModule(kernel, { ingest, identity }, [segments], 'inline');
 */
export function processorModule(kernel: Kernel, deps: { ingest: IngestModule; identity: IdentityModule }, modules: readonly Module[], requested: Config['processor']): ProcessorModule {
  const { config, database, clock, logger } = kernel;
  const contributors = modules.filter((module) => (module.processorExtensions ?? []).length > 0);
  const specs = contributors.flatMap((module) => module.processorExtensions ?? []);
  // Tests run the TypeScript sources, where the thread entry does not exist: process inline.
  const mode = requested === 'thread' && !processorThreadAvailable() ? 'inline' : requested;
  // PostgreSQL workers own partitions by lease (the journeys, coupons and other followers in
  // this process go by the same leases); SQLite has one process, which reads every partition.
  const leases =
    database.dialect === 'postgres' && mode !== 'off'
      ? new PartitionLeases({ database, partitions: config.partitions, onError: (error) => logger?.error({ err: error }, 'partition lease renewal failed') })
      : undefined;
  const wakeups = new AppendWakeups(database, { onError: (error) => logger?.warn({ err: error }, 'append notification failed; workers poll meanwhile') });
  let stopListening = async (): Promise<void> => undefined;
  let parts: ProcessorExtensionPart[] = [];
  let processor: ProcessorControl;
  let thread: ThreadedProcessor | undefined;
  if (mode === 'thread') {
    const settings = {
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      sqliteSynchronous: config.sqliteSynchronous,
      poolMax: config.operations.pgPoolMax,
      batchSize: config.processorBatchSize,
      lingerMs: config.processorLingerMs,
      logLevel: config.logLevel,
      ...(leases === undefined ? {} : { leases: { owner: leases.owner, partitions: config.partitions } }),
    };
    thread = new ThreadedProcessor({ ...settings, extensions: specs.map((spec) => spec.module) }, database, logger);
    processor = thread;
  } else {
    parts = specs.map((spec) => spec.create({ database, clock, logger }));
    processor = new Processor({
      database,
      clock,
      batchSize: config.processorBatchSize,
      lingerMs: config.processorLingerMs,
      logger,
      identityRules: deps.identity.rules.rulesFor,
      extensions: parts.map((part) => part.extension),
    });
  }
  return {
    name: 'processor',
    dependencies: [...dependsOn(deps), ...contributors.map((module) => module.name)],
    processor,
    mode,
    followers: [{ name: 'processor', wake: () => processor.wake() }],
    routes: (scope) => processorRoutes(scope, processor, lagSources(modules)),
    // The thread restarts itself a second after it dies; meanwhile events wait in the log.
    // A worker that cannot renew its leases, or holds none it should, is not ready either (/readyz; /healthz only shows it).
    health: () => {
      if (thread !== undefined && !thread.alive()) return { ok: false, reason: 'the processor thread exited and is restarting' };
      return leases?.health() ?? { ok: true };
    },
    async start({ modules }) {
      // Every process that ingests announces appends (an API process too); workers listen and
      // wake their followers, as ingest wakes the ones of its own process.
      deps.ingest.ingest.onAppend((workspaceId) => wakeups.appended(workspaceId));
      if (mode === 'off') return;
      const followers = modules.flatMap((module) => module.followers ?? []);
      stopListening = await wakeups.listen((workspaceId) => {
        for (const follower of followers) follower.wake(workspaceId);
      });
      await leases?.start();
      processor.start();
      for (const part of parts) part.start();
    },
    async stop() {
      // After the app: no request can append any more; the batch in flight commits first.
      await stopListening();
      await wakeups.flush();
      await processor.stop();
      for (const part of parts) await part.stop();
      await leases?.stop();
    },
  };
}
