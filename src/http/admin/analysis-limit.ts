import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { RapportError } from '../../shared/errors.js';
import { isGateFull, WorkspaceGate } from '../../shared/workspace-gate.js';
import { authOf } from './auth.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A CPU-heavy analysis (funnels, cohorts, RFM, KPIs, experiment results): limited per workspace. */
    analysis?: boolean;
  }
}

/** Two analyses per workspace at a time, eight more waiting; DuckDB already uses every core for one. */
export const ANALYSIS_LIMITS = { concurrency: 2, queue: 8, retryAfterSeconds: 2 } as const;

/**
 * Wraps every route marked `config.analysis` in the scope so that each workspace runs a bounded
 * number at once; past the queue the caller gets 429 with Retry-After. Register before the routes.
 * @example registerAnalysisLimit(app, new WorkspaceGate(ANALYSIS_LIMITS));
 */
export function registerAnalysisLimit(app: FastifyInstance, gate: WorkspaceGate): void {
  app.addHook('onRoute', (route) => {
    if (route.config?.analysis !== true) return;
    const handler: RouteHandlerMethod = route.handler;
    route.handler = async function limited(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const result: unknown = await gate.run(authOf(request).workspaceId, async (): Promise<unknown> => handler.call(this, request, reply));
      if (isGateFull(result)) {
        void reply.header('retry-after', String(result.retryAfterSeconds));
        throw new RapportError('too_busy', `this workspace already runs ${ANALYSIS_LIMITS.concurrency} analyses with ${ANALYSIS_LIMITS.queue} waiting; retry after ${result.retryAfterSeconds} s`);
      }
      return result;
    };
  });
}
