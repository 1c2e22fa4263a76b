import type { PersonalDataHandler } from '../privacy/index.js';
import { RapportError } from '../shared/errors.js';
import type { AnalyticsEngine } from './engine.js';

/**
 * The analytics replica's copy of a person: their events (and segment transitions naming
 * them) and their profile rows. The replica is another store, so it is erased after the state
 * store's transaction commits; from then on nothing brings the rows back, since they are gone
 * from the log the replica copies. When another process holds the replica file, that process
 * drops them at its next sync (it sees the count of erasures move), and this returns 0.
 * @example registry.register(analyticsPrivacyHandler(analytics.engine));
 */
export function analyticsPrivacyHandler(engine: Pick<AnalyticsEngine, 'eraseProfiles'>): PersonalDataHandler {
  return {
    name: 'analytics_replica',
    async eraseAfterCommit(subject) {
      try {
        return await engine.eraseProfiles(subject.workspaceId, subject.profileIds);
      } catch (error) {
        if (error instanceof RapportError && error.code === 'unavailable') return 0;
        throw error;
      }
    },
  };
}
