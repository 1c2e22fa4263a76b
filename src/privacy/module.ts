import { reportTo, type Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { IdentityModule } from '../identity/index.js';
import type { IngestModule } from '../ingest/index.js';
import { registerCoreHandlers } from './core-handlers.js';
import { PrivacyRegistry } from './privacy-registry.js';
import { PrivacyService } from './privacy-service.js';
import { privacyRoutes } from './routes.js';

/** Erasure and export of everything held about a person, and the ingest gate that keeps erased people out. */
export interface PrivacyModule extends Module {
  service: PrivacyService;
  /** Owners of personal data: the core tables' handlers, then every module's `privacy` handlers. */
  registry: PrivacyRegistry;
}

/**
 * Builds the privacy module. At start it registers every module's handlers, dependents before
 * the modules they depend on (journeys move their scheduler jobs' references off a person before
 * the scheduler deletes the jobs still naming them), and gates ingest.
 * @example const privacy = privacyModule(kernel, { ingest, identity });
 */
export function privacyModule(kernel: Kernel, deps: { ingest: IngestModule; identity: IdentityModule }): PrivacyModule {
  const registry = new PrivacyRegistry();
  registerCoreHandlers(registry);
  // An erasure made by another server gates this one's ingest within a setting-change poll
  // (about 250 ms); reading the list again when it is five minutes old is only the backstop.
  const privacy = new PrivacyService({
    database: kernel.database,
    clock: kernel.clock,
    registry,
    identityRules: deps.identity.rules.rulesFor,
    tombstoneRefreshMs: 300_000,
    onError: reportTo(kernel, 'tombstone refresh failed'),
  });
  return {
    name: 'privacy',
    dependencies: dependsOn(deps),
    service: privacy,
    registry,
    routes: (scope) => privacyRoutes(scope, privacy),
    async start({ modules }) {
      for (const module of [...modules].reverse()) for (const handler of module.privacy ?? []) registry.register(handler);
      await privacy.watch();
      await privacy.refresh();
      deps.ingest.ingest.setGate(privacy.gate);
    },
    stop() {
      privacy.unwatch();
      return Promise.resolve();
    },
  };
}
