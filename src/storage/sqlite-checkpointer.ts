import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/*
 * SQLite copies the WAL back into the database file (a checkpoint) inside the commit that
 * passes `wal_autocheckpoint` pages, on the connection that committed. On the event-loop
 * connection that was one statement of up to 10,000 pages (40 MB) copied and fsynced while
 * nothing else was served: under bench:hostile a single `commit` of an ingest batch held the
 * loop 200 ms (about 50 ms of it CPU, the rest the fsync). The event-loop connection turns
 * automatic checkpoints off and this thread, on a connection of its own, runs a PASSIVE
 * checkpoint every `intervalMs`: it never waits for or blocks writers and readers, and the WAL
 * is copied in small steps instead of 40 MB at once.
 *
 * An eval worker in CommonJS, so it runs the same from the compiled build and the TypeScript
 * sources the tests run (a `.js` entry beside this file exists only in the build).
 */
const source = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const handle = new Database(workerData.file);
// This thread may wait for a lock: nothing else runs on it.
handle.pragma('busy_timeout = 5000');
handle.pragma('wal_autocheckpoint = 0');
const checkpoint = () => {
  try {
    handle.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  handle.close();
  parentPort.postMessage({ stopped: true });
});
`;

/** A running checkpoint thread. */
export interface Checkpointer {
  /** Stops the thread and closes its connection (before the event-loop connection closes, so that one runs the last checkpoint). */
  stop(): Promise<void>;
}

/**
 * Starts the checkpoint thread for the SQLite file `file`. `onFailure` is called once if the
 * thread dies or cannot open the file: the caller turns automatic checkpoints back on, so the
 * WAL never grows without bound.
 * @example const checkpointer = startCheckpointer('/data/rapport.db', () => handle.pragma('wal_autocheckpoint = 10000'));
 */
export function startCheckpointer(file: string, onFailure: (reason: string) => void, intervalMs = 200): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(source, { eval: true, workerData: { file, driver, intervalMs } });
  // The thread must not keep a process alive that has nothing else to do.
  worker.unref();
  let stopping = false;
  let failed = false;
  const fail = (reason: string) => {
    if (failed || stopping) return;
    failed = true;
    onFailure(reason);
  };
  worker.on('error', (error) => fail(error.message));
  worker.on('exit', (code) => fail(`checkpoint thread exited with code ${code}`));
  worker.on('message', (message: { error?: string }) => {
    if (message.error !== undefined && /SQLITE_BUSY|database is locked/i.test(message.error) === false) fail(message.error);
  });
  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      if (failed) return;
      await new Promise<void>((resolve) => {
        const done = () => void worker.terminate().then(() => resolve());
        const timeout = setTimeout(done, 5000);
        worker.on('message', (message: { stopped?: boolean }) => {
          if (message.stopped !== true) return;
          clearTimeout(timeout);
          done();
        });
        worker.on('exit', () => {
          clearTimeout(timeout);
          resolve();
        });
        worker.postMessage('stop');
      });
    },
  };
}
