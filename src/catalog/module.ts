import type { Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { IngestModule } from '../ingest/index.js';
import { CatalogService } from './catalog-service.js';
import { catalogRoutes } from './routes.js';

/** Products and categories; price drops and restocks are appended to the event log. */
export interface CatalogModule extends Module {
  catalog: CatalogService;
}

/** @example const catalog = catalogModule(kernel, { ingest }); */
export function catalogModule(kernel: Kernel, deps: { ingest: IngestModule }): CatalogModule {
  const catalog = new CatalogService({ database: kernel.database, events: deps.ingest.ingest, clock: kernel.clock });
  return { name: 'catalog', dependencies: dependsOn(deps), catalog, routes: (scope) => catalogRoutes(scope, catalog) };
}
