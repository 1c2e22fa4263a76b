import type { FastifyInstance } from 'fastify';
import type { RateLimits, UsersConfig } from '../../config/config.js';
import type { Clock } from '../../shared/clock.js';
import type { AnalyticsService, ReportService } from '../../analytics/index.js';
import type { CatalogService } from '../../catalog/index.js';
import type { IdentityRulesStore } from '../../identity/index.js';
import type { ImportService } from '../../imports/index.js';
import type { JourneyService } from '../../journeys/index.js';
import type { EventLogService } from '../../ingest/index.js';
import type { Processor } from '../../processor/index.js';
import type { ProfileService } from '../../profiles/index.js';
import type { Scheduler } from '../../scheduler/index.js';
import type { SegmentService } from '../../segments/index.js';
import type { RecommendationService } from '../../recommendations/index.js';
import type { ExperimentService } from '../../experiments/index.js';
import type { PredictiveService } from '../../predictive/index.js';
import type { WorkspaceService } from '../../workspaces/index.js';
import type { Messaging } from '../../channels/index.js';
import type { PrivacyService } from '../../privacy/index.js';
import { type Onsite, onsiteAdminRoutes } from '../../onsite/index.js';
import { userRoutes, type UserService } from '../../users/index.js';
import { analyticsRoutes } from '../../analytics/routes.js';
import { auditRoutes, registerAuditLog } from './access.js';
import { ANALYSIS_LIMITS, registerAnalysisLimit } from './analysis-limit.js';
import { WorkspaceGate } from '../../shared/workspace-gate.js';
import { actorOf, registerAdminAuth } from './auth.js';
import { RateLimiter } from '../rate-limit.js';
import { channelsRoutes } from '../../channels/routes/channels.js';
import { couponsRoutes } from '../../coupons/routes.js';
import { privacyRoutes } from '../../privacy/routes.js';
import { outboxRoutes } from '../../channels/routes/outbox.js';
import { templatesRoutes } from '../../templates/routes/templates.js';
import { snippetsRoutes } from '../../templates/routes/snippets.js';
import { catalogRoutes } from '../../catalog/routes.js';
import { eventRoutes } from '../../ingest/routes.js';
import { identityRoutes } from '../../identity/routes.js';
import { journeysRoutes } from '../../journeys/routes.js';
import { importRoutes } from '../../imports/routes.js';
import { overviewRoutes } from '../../overview/routes.js';
import { processorRoutes, type LagSource } from '../../processor/routes.js';
import { profileLiveRoutes, profileRoutes } from '../../profiles/routes.js';
import { segmentsRoutes } from '../../segments/routes.js';
import { recommendationRoutes } from '../../recommendations/routes.js';
import { experimentRoutes } from '../../experiments/routes.js';
import { predictiveRoutes } from '../../predictive/routes.js';
import { workspaceRoutes } from '../../workspaces/routes.js';

export interface AdminRouteDeps {
  workspaces: WorkspaceService;
  eventLog: EventLogService;
  catalog: CatalogService;
  imports: ImportService;
  profiles: ProfileService;
  processor: Pick<Processor, 'status'>;
  /** Followers of the event log that trail the processor; GET /processor reports their lag. */
  followers?: readonly LagSource[];
  identityRules: IdentityRulesStore;
  journeys: JourneyService;
  analytics: AnalyticsService;
  reports: ReportService;
  segments: SegmentService;
  recommendations: RecommendationService;
  experiments: ExperimentService;
  predictive: PredictiveService;
  /** Channels, templates, coupons, consent and privacy (issue 5). */
  messaging: Messaging;
  privacy: PrivacyService;
  /** On-site campaigns, their configuration, visitor facts and reports (issue 15). */
  onsite: Onsite;
  /** Dashboard users: their session cookies authenticate here like admin tokens, with their role's scopes. */
  users: UserService;
  /** Dead jobs for the home screen's "failing" list (optional: apps built without the scheduler show none). */
  scheduler?: Pick<Scheduler, 'deadLetters' | 'counts' | 'retryDead'>;
  usersConfig: UsersConfig;
  rateLimits: RateLimits;
  clock: Clock;
}

/** The admin API under /api/v1; every route needs an admin token. */
export async function adminRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  registerAdminAuth(app, deps.workspaces, deps.users);
  // After authentication (hooks run in order): counted per token, whichever workspace it acts on.
  const perToken = new RateLimiter('admin API per token', deps.rateLimits.adminPerToken, () => deps.clock.now());
  app.addHook('onRequest', async (request, reply) => {
    if (request.adminAuth !== null) perToken.enforce(request.adminAuth.token.id, reply);
  });
  registerAuditLog(app, deps.workspaces);
  registerAnalysisLimit(app, new WorkspaceGate(ANALYSIS_LIMITS));
  await workspaceRoutes(app, deps.workspaces);
  await auditRoutes(app, deps.workspaces);
  await userRoutes(app, deps.users, actorOf);
  await eventRoutes(app, deps.eventLog);
  await catalogRoutes(app, deps.catalog);
  await profileRoutes(app, deps.profiles);
  await profileLiveRoutes(app, deps.profiles);
  await processorRoutes(app, deps.processor, deps.followers);
  await identityRoutes(app, deps.identityRules);
  await journeysRoutes(app, deps.journeys);
  await analyticsRoutes(app, deps);
  await segmentsRoutes(app, deps.segments);
  await recommendationRoutes(app, deps.recommendations);
  await experimentRoutes(app, deps.experiments);
  await predictiveRoutes(app, deps.predictive);
  await channelsRoutes(app, deps.messaging);
  await templatesRoutes(app, deps.messaging);
  await snippetsRoutes(app, deps.messaging);
  await couponsRoutes(app, deps.messaging);
  await privacyRoutes(app, deps.messaging, deps.privacy);
  await outboxRoutes(app, deps.messaging);
  await onsiteAdminRoutes(app, deps.onsite, { coupons: deps.messaging.coupons });
  await overviewRoutes(app, deps);
  // Own scope: import uploads take the body as a stream instead of parsed JSON.
  await app.register(async (scope) => importRoutes(scope, deps.imports));
}
