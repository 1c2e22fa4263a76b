import type { Kernel } from '../app/kernel.js';
import type { Module } from '../app/module.js';
import { WorkspaceService, type Bootstrap } from './workspace-service.js';
import { workspaceRoutes } from './routes.js';

/** Workspaces, their write keys and admin tokens, the audit log and the brand. */
export interface WorkspacesModule extends Module {
  service: WorkspaceService;
  /** The default workspace and the credentials configured for it at start-up. */
  bootstrap: Bootstrap;
}

/**
 * Builds the workspaces module and bootstraps the default workspace.
 * @example const workspaces = await workspacesModule(kernel);
 */
export async function workspacesModule(kernel: Kernel): Promise<WorkspacesModule> {
  const service = new WorkspaceService({ database: kernel.database, clock: kernel.clock });
  const bootstrap = await service.bootstrap({ writeKey: kernel.config.bootstrapWriteKey, adminToken: kernel.config.bootstrapAdminToken });
  return {
    name: 'workspaces',
    dependencies: [],
    service,
    bootstrap,
    routes: (scope) => workspaceRoutes(scope, service),
    stop: () => {
      service.close();
      return Promise.resolve();
    },
  };
}
