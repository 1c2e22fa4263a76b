import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Database } from '../storage/database.js';
import { Processor, type ProcessorLogger, type ProcessorStatus } from './processor.js';
import type { ThreadSettings } from './thread-settings.js';

/** What the server needs of a processor, wherever it runs. */
export interface ProcessorControl {
  start(): void;
  stop(): Promise<void>;
  wake(): void;
  /** Resolves once every partition's cursor has reached its head. */
  drain(): Promise<void>;
  status(): Promise<ProcessorStatus>;
}

const threadEntry = new URL('./processor-thread.js', import.meta.url);

/** The thread entry exists only in the compiled build (tests run the TypeScript sources). */
export function processorThreadAvailable(): boolean {
  return threadEntry.protocol === 'file:' && fs.existsSync(fileURLToPath(threadEntry));
}

/**
 * Runs the processor in a worker thread and talks to it by messages. Status is read from the
 * store on this side, so it is exact whatever the thread is doing. A thread that dies is
 * restarted after a pause: its cursor is in the store, so it resumes where it stopped.
 * @example const processor = new ThreadedProcessor(settings, database, logger); processor.start();
 */
export class ThreadedProcessor implements ProcessorControl {
  private worker: Worker | undefined;
  private stopping = false;
  private readonly reader: Processor;

  constructor(
    private readonly settings: ThreadSettings,
    database: Database,
    private readonly logger?: ProcessorLogger,
  ) {
    this.reader = new Processor({ database });
  }

  start(): void {
    if (this.worker !== undefined) return;
    this.stopping = false;
    const worker = new Worker(threadEntry, { workerData: this.settings });
    worker.on('error', (error) => this.logger?.error({ err: error }, 'processor thread error'));
    worker.on('exit', (code) => {
      this.worker = undefined;
      if (this.stopping) return;
      this.logger?.error({ code }, 'processor thread exited; restarting in 1 s');
      setTimeout(() => {
        if (!this.stopping) this.start();
      }, 1000).unref();
    });
    this.worker = worker;
  }

  wake(): void {
    this.worker?.postMessage('wake');
  }

  /** Whether the thread runs now (false between its exit and its restart, and once stopped). */
  alive(): boolean {
    return this.worker !== undefined;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (worker === undefined) return;
    await new Promise<void>((resolve) => {
      const timeout = setTimeout(() => void worker.terminate().then(() => resolve()), 30_000);
      worker.on('message', (message: unknown) => {
        if (message !== 'stopped') return;
        clearTimeout(timeout);
        void worker.terminate().then(() => resolve());
      });
      worker.postMessage('stop');
    });
    this.worker = undefined;
  }

  async drain(): Promise<void> {
    for (;;) {
      const status = await this.status();
      if (status.lagEvents === 0) return;
      this.wake();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  status(): Promise<ProcessorStatus> {
    return this.reader.status();
  }
}
