import { reportTo, type Kernel } from '../app/kernel.js';
import type { Module } from '../app/module.js';
import { IdentityRulesStore } from './identity-rules-store.js';
import { identityRoutes } from './routes.js';

/** Identity resolution rules per workspace (limits, priorities, blocked values). */
export interface IdentityModule extends Module {
  rules: IdentityRulesStore;
}

/**
 * Builds the identity module with every workspace's rules loaded; in the background it
 * reloads them when any server saves a change (within about 250 ms).
 * @example const identity = await identityModule(kernel); identity.rules.rulesFor('default');
 */
export async function identityModule(kernel: Kernel): Promise<IdentityModule> {
  const rules = new IdentityRulesStore({ database: kernel.database, clock: kernel.clock });
  await rules.refresh();
  return {
    name: 'identity',
    dependencies: [],
    rules,
    routes: (scope) => identityRoutes(scope, rules),
    start({ background }) {
      if (background) rules.start(reportTo(kernel, 'identity rules refresh failed'));
    },
    async stop() {
      rules.stop();
    },
  };
}
