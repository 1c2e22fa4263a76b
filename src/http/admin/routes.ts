import type { FastifyInstance } from 'fastify';
import type { CatalogService } from '../../catalog/catalog-service.js';
import type { IdentityRulesStore } from '../../identity/identity-rules-store.js';
import type { ImportService } from '../../imports/import-service.js';
import type { EventLogService } from '../../ingest/event-log-service.js';
import type { Processor } from '../../processor/processor.js';
import type { ProfileService } from '../../profiles/profile-service.js';
import type { WorkspaceService } from '../../workspaces/workspace-service.js';
import { registerAdminAuth } from './auth.js';
import { catalogRoutes } from './catalog.js';
import { eventRoutes } from './events.js';
import { identityRoutes } from './identity.js';
import { importRoutes } from './imports.js';
import { processorRoutes } from './processor.js';
import { profileRoutes } from './profiles.js';
import { workspaceRoutes } from './workspaces.js';

export interface AdminRouteDeps {
  workspaces: WorkspaceService;
  eventLog: EventLogService;
  catalog: CatalogService;
  imports: ImportService;
  profiles: ProfileService;
  processor: Pick<Processor, 'status'>;
  identityRules: IdentityRulesStore;
}

/** The admin API under /api/v1; every route needs an admin token. */
export async function adminRoutes(app: FastifyInstance, deps: AdminRouteDeps): Promise<void> {
  registerAdminAuth(app, deps.workspaces);
  await workspaceRoutes(app, deps.workspaces);
  await eventRoutes(app, deps.eventLog);
  await catalogRoutes(app, deps.catalog);
  await profileRoutes(app, deps.profiles);
  await processorRoutes(app, deps.processor);
  await identityRoutes(app, deps.identityRules);
  // Own scope: import uploads take the body as a stream instead of parsed JSON.
  await app.register(async (scope) => importRoutes(scope, deps.imports));
}
