import { reportTo, type Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { IdentityModule } from '../identity/index.js';
import type { IngestModule } from '../ingest/index.js';
import { registerCoreHandlers } from './core-handlers.js';
import { PrivacyRegistry } from './privacy-registry.js';
import { PrivacyService } from './privacy-service.js';

/** How soon an erasure made by another server gates this one's ingest. */
const TOMBSTONE_REFRESH_MS = 10_000;

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
  const privacy = new PrivacyService({ database: kernel.database, clock: kernel.clock, registry, identityRules: deps.identity.rules.rulesFor });
  let tombstoneRefresh: NodeJS.Timeout | undefined;
  return {
    name: 'privacy',
    dependencies: dependsOn(deps),
    service: privacy,
    registry,
    async start({ modules }) {
      for (const module of [...modules].reverse()) for (const handler of module.privacy ?? []) registry.register(handler);
      await privacy.refresh();
      deps.ingest.ingest.setGate(privacy.gate);
      // Another server may erase someone: learn of new tombstoned workspaces within 10 s.
      const failed = reportTo(kernel, 'tombstone refresh failed');
      tombstoneRefresh = setInterval(() => void privacy.refresh().catch(failed), TOMBSTONE_REFRESH_MS);
      tombstoneRefresh.unref();
    },
    async stop() {
      clearInterval(tombstoneRefresh);
    },
  };
}
