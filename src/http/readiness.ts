import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Module } from '../app/module.js';
import type { Processor } from '../processor/index.js';

/** Where the process is in its life: it takes traffic only while `running`. */
export type Phase = 'starting' | 'running' | 'stopping';

/** What /readyz asks. */
export interface ReadinessDeps {
  phase(): Phase;
  /** The migrations this code knows that the store has not applied. */
  pendingMigrations(): Promise<string[]>;
  modules: readonly Module[];
  /** The processor's lag, when this process runs it (a process that does not process is not made unready by others' lag). */
  processor: Pick<Processor, 'status'> | undefined;
  /** Oldest unprocessed event's age past which the process is not ready; 0 = not checked. */
  maxLagMs: number;
}

type Check = { name: string; ok: true } | { name: string; ok: false; reason: string };

async function lagCheck(deps: ReadinessDeps): Promise<Check> {
  if (deps.processor === undefined || deps.maxLagMs === 0) return { name: 'processorLag', ok: true };
  const status = await deps.processor.status();
  const lagMs = status.lagEvents === 0 ? 0 : status.lagMs;
  return lagMs <= deps.maxLagMs
    ? { name: 'processorLag', ok: true }
    : { name: 'processorLag', ok: false, reason: `the oldest unprocessed event is ${Math.round(lagMs / 1000)} s old (limit ${Math.round(deps.maxLagMs / 1000)} s, ${status.lagEvents} events behind)` };
}

async function migrationsCheck(deps: ReadinessDeps): Promise<Check> {
  const pending = await deps.pendingMigrations();
  return pending.length === 0 ? { name: 'migrations', ok: true } : { name: 'migrations', ok: false, reason: `not applied: ${pending.join(', ')}` };
}

/** A check that throws (the store is down) fails with the error's message instead of failing the probe. */
async function guarded(name: string, check: () => Promise<Check>): Promise<Check> {
  try {
    return await check();
  } catch (error) {
    return { name, ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * `GET /readyz`: 200 when this process should get traffic, else 503 with a JSON body naming
 * each failed check: still starting or already stopping (drained by the load balancer before
 * connections close), migrations not applied, a module's health check, processor lag past the
 * limit. `/healthz` stays the cheap liveness probe.
 * @example registerReadiness(app, { phase: () => 'running', pendingMigrations: async () => [], modules, processor, maxLagMs: 300_000 });
 */
export function registerReadiness(app: FastifyInstance, deps: ReadinessDeps): void {
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const phase = deps.phase();
    const checks: Check[] = [phase === 'running' ? { name: 'started', ok: true } : { name: 'started', ok: false, reason: phase }];
    for (const module of deps.modules) {
      const health = module.health?.();
      if (health !== undefined) checks.push(health.ok ? { name: `module:${module.name}`, ok: true } : { name: `module:${module.name}`, ok: false, reason: health.reason });
    }
    checks.push(...(await Promise.all([guarded('migrations', () => migrationsCheck(deps)), guarded('processorLag', () => lagCheck(deps))])));
    const failed = checks.filter((check) => !check.ok);
    const body = {
      status: failed.length === 0 ? 'ready' : 'not_ready',
      failed: failed.map((check) => check.name),
      checks: Object.fromEntries(checks.map((check) => [check.name, check.ok ? 'ok' : check.reason])),
    };
    return reply
      .status(failed.length === 0 ? 200 : 503)
      .header('Cache-Control', 'no-store')
      .send(body);
  });
}

/**
 * While the process stops, every response says `Connection: close`: a request in flight when
 * the listener closed would otherwise leave its kept-alive connection open until the client's
 * idle timeout, and the server's close would wait for it (Fastify answers requests that
 * arrive after close with 503 and closes those connections itself).
 * @example registerDrain(app, () => phase === 'stopping');
 */
export function registerDrain(app: FastifyInstance, draining: () => boolean): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    if (draining() && request.raw.httpVersionMajor === 1) void reply.header('Connection', 'close');
    done(null, payload);
  });
  // The close shuts the connections idle at that moment; one busy then (a response still being
  // written, a hijacked stream ending) turns idle later and held the close until the client's
  // keep-alive timeout (seen as a 60 s hang in the dashboard tests). Shut idle ones again until the server is down.
  // A connection opened without a request yet (a browser's preconnect) is not idle to Node and
  // would wait for the headers timeout: those are shut too.
  const fresh = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    fresh.add(socket);
    socket.once('data', () => fresh.delete(socket));
    socket.once('close', () => fresh.delete(socket));
  });
  let sweep: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    sweep = setInterval(() => {
      app.server.closeIdleConnections();
      for (const socket of fresh) socket.destroy();
    }, 100);
    sweep.unref();
  });
  app.addHook('onClose', async () => clearInterval(sweep));
}
