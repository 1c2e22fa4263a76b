import type { FastifyInstance } from 'fastify';
import type { RateLimits, UsersConfig } from '../../config/config.js';
import type { Clock } from '../../shared/clock.js';
import type { AnalyticsService } from '../../analytics/analytics-service.js';
import type { ReportService } from '../../analytics/report/report-service.js';
import type { CatalogService } from '../../catalog/catalog-service.js';
import type { IdentityRulesStore } from '../../identity/identity-rules-store.js';
import type { ImportService } from '../../imports/import-service.js';
import type { JourneyService } from '../../journeys/journey-service.js';
import type { EventLogService } from '../../ingest/event-log-service.js';
import type { Processor } from '../../processor/processor.js';
import type { ProfileService } from '../../profiles/profile-service.js';
import type { SegmentService } from '../../segments/segment-service.js';
import type { RecommendationService } from '../../recommendations/recommendation-service.js';
import type { ExperimentService } from '../../experiments/experiment-service.js';
import type { PredictiveService } from '../../predictive/jobs/predictive-service.js';
import type { WorkspaceService } from '../../workspaces/workspace-service.js';
import type { Messaging } from '../../channels/messaging.js';
import type { PrivacyService } from '../../privacy/privacy-service.js';
import { userRoutes, type UserService } from '../../users/index.js';
import { analyticsRoutes } from './analytics.js';
import { auditRoutes, registerAuditLog } from './access.js';
import { ANALYSIS_LIMITS, registerAnalysisLimit } from './analysis-limit.js';
import { WorkspaceGate } from '../../shared/workspace-gate.js';
import { actorOf, registerAdminAuth } from './auth.js';
import { RateLimiter } from '../rate-limit.js';
import { channelsRoutes } from './channels.js';
import { couponsRoutes } from './coupons.js';
import { privacyRoutes } from './privacy.js';
import { outboxRoutes } from './outbox.js';
import { templatesRoutes } from './templates.js';
import { snippetsRoutes } from './snippets.js';
import { catalogRoutes } from './catalog.js';
import { eventRoutes } from './events.js';
import { identityRoutes } from './identity.js';
import { journeysRoutes } from './journeys.js';
import { importRoutes } from './imports.js';
import { processorRoutes } from './processor.js';
import { profileRoutes } from './profiles.js';
import { segmentsRoutes } from './segments.js';
import { recommendationRoutes } from './recommendations.js';
import { experimentRoutes } from './experiments.js';
import { predictiveRoutes } from './predictive.js';
import { workspaceRoutes } from './workspaces.js';

export interface AdminRouteDeps {
  workspaces: WorkspaceService;
  eventLog: EventLogService;
  catalog: CatalogService;
  imports: ImportService;
  profiles: ProfileService;
  processor: Pick<Processor, 'status'>;
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
  /** Dashboard users: their session cookies authenticate here like admin tokens, with their role's scopes. */
  users: UserService;
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
  await processorRoutes(app, deps.processor);
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
  // Own scope: import uploads take the body as a stream instead of parsed JSON.
  await app.register(async (scope) => importRoutes(scope, deps.imports));
}
