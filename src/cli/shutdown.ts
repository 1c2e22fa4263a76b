import type { FastifyBaseLogger } from 'fastify';

/** What a signal stops: the running server. */
interface Closable {
  close(): Promise<void>;
}

/**
 * Waits for SIGTERM or SIGINT, then stops `server` within a bound: the listener closes (no new
 * connections), in-flight requests and the current processor batch finish, live streams end,
 * kept-alive connections are told `Connection: close`, modules stop in reverse and the store
 * closes (PostgreSQL session locks go with their connections). Past `timeoutMs`, or on a second
 * signal, the process exits at once with a non-zero code; whatever was not committed is
 * replayed from the log by the next owner (exactly-once effects, ARCHITECTURE.md).
 * @returns the exit code for a graceful stop (0)
 * @example process.exitCode = await stopOnSignal(rapport, { timeoutMs: 20_000, log: rapport.app.log });
 */
export async function stopOnSignal(server: Closable, options: { timeoutMs: number; log: FastifyBaseLogger }): Promise<number> {
  const { timeoutMs, log } = options;
  let since = 0;
  const force = (reason: string, code: number) => {
    log.error({ ms: Math.round(performance.now() - since) }, `exiting at once: ${reason}`);
    process.exit(code);
  };
  const again = (received: NodeJS.Signals) => force(`a second ${received}`, 130);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      // At once, in the same turn: a second signal in between would otherwise meet no handler and kill the process by default.
      process.once('SIGINT', again);
      process.once('SIGTERM', again);
      since = performance.now();
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  log.info({ signal, timeoutMs }, 'stopping: no new connections; finishing in-flight requests and the current batch');
  // Not unref'd: it is what ends a stop that hangs.
  const bound = setTimeout(() => force(`the stop took longer than RAPPORT_SHUTDOWN_TIMEOUT_MS (${timeoutMs} ms)`, 1), timeoutMs);
  try {
    await server.close();
  } finally {
    clearTimeout(bound);
    process.off('SIGINT', again);
    process.off('SIGTERM', again);
  }
  log.info({ ms: Math.round(performance.now() - since) }, 'stopped');
  return 0;
}
