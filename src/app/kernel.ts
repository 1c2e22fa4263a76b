import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';

/** What every module is built from: configuration, the clock, the store and the server's logger. */
export interface Kernel {
  config: Config;
  clock: Clock;
  database: Database;
  /** Undefined when the server is silent (tests, `RAPPORT_LOG_LEVEL=silent`). */
  logger: Logger | undefined;
}

/** Logs a background failure under `message`, when there is a logger. */
export function reportTo(kernel: Kernel, message: string): (error: unknown) => void {
  return (error) => kernel.logger?.error({ err: error }, message);
}
