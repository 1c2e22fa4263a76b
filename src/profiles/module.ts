import type { Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { IdentityModule } from '../identity/index.js';
import { ProfileScores } from './profile-scores.js';
import { ProfileService } from './profile-service.js';
import { profileLiveRoutes, profileRoutes } from './routes.js';

/** One profile per person (traits, aggregates) and the scores jobs compute for them. */
export interface ProfilesModule extends Module {
  profiles: ProfileService;
  /** Scores computed outside the event stream (RFM, predictions), usable in segments and templates. */
  scores: ProfileScores;
}

/** @example const profiles = profilesModule(kernel, { identity }); */
export function profilesModule(kernel: Kernel, deps: { identity: IdentityModule }): ProfilesModule {
  const profiles = new ProfileService({ database: kernel.database, identityRules: deps.identity.rules.rulesFor });
  return {
    name: 'profiles',
    dependencies: dependsOn(deps),
    profiles,
    async routes(scope) {
      await profileRoutes(scope, profiles);
      await profileLiveRoutes(scope, profiles);
    },
    scores: new ProfileScores({ database: kernel.database, clock: kernel.clock }),
  };
}
