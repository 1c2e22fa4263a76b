/**
 * Worker-thread entry: runs the processor beside the HTTP thread so event processing gets a
 * core of its own. It opens its own connection to the store; SQLite's WAL lets the two
 * threads read at once and serializes their writes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { IdentityRulesStore } from '../identity/index.js';
import { systemClock } from '../shared/clock.js';
import { openDatabase } from '../storage/database.js';
import { PartitionLeases } from '../log/leases.js';
import { loadProcessorExtensions } from './extensions.js';
import { Processor } from './processor.js';
import { isThreadSettings } from './thread-settings.js';

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('processor-thread must run as a worker thread');
  const settings: unknown = workerData;
  if (!isThreadSettings(settings)) throw new Error('processor-thread: invalid settings');
  const database = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, sqliteSynchronous: settings.sqliteSynchronous, poolMax: settings.poolMax, migrate: false });
  const logger = settings.logLevel === 'silent' ? undefined : pino({ level: settings.logLevel, base: { thread: 'processor' } });
  const leases =
    settings.leases === undefined
      ? undefined
      : new PartitionLeases({ database, ...settings.leases, role: 'follow', renewMs: 1000, onError: (error) => logger?.error({ err: error }, 'reading partition leases failed') });
  await leases?.start();
  const rules = new IdentityRulesStore({ database, clock: systemClock });
  await rules.refresh();
  rules.start((error) => logger?.error({ err: error }, 'identity rules refresh failed'));
  // The same extensions as the inline processor: the modules the host declared, each built on this thread's connection.
  const parts = (await loadProcessorExtensions(settings.extensions)).map((spec) => spec.create({ database, clock: systemClock, logger }));
  const processor = new Processor({ database, batchSize: settings.batchSize, lingerMs: settings.lingerMs, logger, identityRules: rules.rulesFor, extensions: parts.map((part) => part.extension) });
  processor.start();
  for (const part of parts) part.start();
  port.on('message', (message: unknown) => {
    if (message === 'wake') processor.wake();
    else if (message === 'stop') {
      void processor
        .stop()
        .then(() => Promise.all(parts.map((part) => part.stop())))
        .then(() => rules.stop())
        .then(() => leases?.stop())
        .then(() => database.close())
        .then(() => port.postMessage('stopped'));
    }
  });
  port.postMessage('ready');
}

main().catch((error: unknown) => {
  // The host sees the exit and restarts the thread; say why first.
  process.stderr.write(`processor thread failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
