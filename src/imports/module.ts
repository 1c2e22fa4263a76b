import type { Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { CatalogModule } from '../catalog/index.js';
import type { IngestModule } from '../ingest/index.js';
import { ImportService } from './import-service.js';
import { importRoutes } from './routes.js';

/** CSV and NDJSON imports of events, customers, orders and products. */
export interface ImportsModule extends Module {
  imports: ImportService;
}

/** @example const imports = importsModule(kernel, { ingest, catalog }); */
export function importsModule(kernel: Kernel, deps: { ingest: IngestModule; catalog: CatalogModule }): ImportsModule {
  const imports = new ImportService({ database: kernel.database, ingest: deps.ingest.ingest, catalog: deps.catalog.catalog, clock: kernel.clock });
  return {
    name: 'imports',
    dependencies: dependsOn(deps),
    imports,
    // Own scope: import uploads take the body as a stream instead of parsed JSON.
    async routes(scope) {
      await scope.register(async (own) => importRoutes(own, imports));
    },
  };
}
