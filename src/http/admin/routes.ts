import type { FastifyInstance } from 'fastify';
import type { Module } from '../../app/module.js';
import type { RateLimits } from '../../config/config.js';
import type { Clock } from '../../shared/clock.js';
import { WorkspaceGate } from '../../shared/workspace-gate.js';
import type { UserService } from '../../users/index.js';
import type { WorkspaceService } from '../../workspaces/index.js';
import { RateLimiter } from '../../app/rate-limit.js';
import { auditRoutes, registerAuditLog } from './access.js';
import { ANALYSIS_LIMITS, registerAnalysisLimit } from './analysis-limit.js';
import { registerAdminAuth } from './auth.js';

/** What the admin scope itself needs: the credentials to check, its limits, and the modules whose routes it mounts. */
export interface AdminRouteDeps {
  workspaces: WorkspaceService;
  /** Dashboard users: their session cookies authenticate here like admin tokens, with their role's scopes. */
  users: UserService;
  /** Every module, in start order; each one's `routes` are mounted in that order. */
  modules: readonly Module[];
  rateLimits: RateLimits;
  clock: Clock;
}

/**
 * The admin API under /api/v1: the cross-cutting hooks (authentication and scopes, the
 * per-token rate limit, the audit log, the analysis limit) on the scope first, so they apply to
 * every route, then the audit log's routes and every module's `routes` in start order.
 */
export async function adminRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  registerAdminAuth(app, deps.workspaces, deps.users);
  // After authentication (hooks run in order): counted per token, whichever workspace it acts on.
  const perToken = new RateLimiter('admin API per token', deps.rateLimits.adminPerToken, () => deps.clock.now());
  app.addHook('onRequest', async (request, reply) => {
    if (request.adminAuth !== null) perToken.enforce(request.adminAuth.token.id, reply);
  });
  registerAuditLog(app, deps.workspaces);
  registerAnalysisLimit(app, new WorkspaceGate(ANALYSIS_LIMITS));
  await auditRoutes(app, deps.workspaces);
  for (const module of deps.modules) await module.routes?.(app);
}
