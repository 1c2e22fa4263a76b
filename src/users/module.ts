import type { Kernel } from '../app/kernel.js';
import type { Module } from '../app/module.js';
import { RateLimiter } from '../app/rate-limit.js';
import type { WorkspacesModule } from '../workspaces/index.js';
import { UserService, type FirstOwner } from './user-service.js';
import { authRoutes, userRoutes } from './routes.js';

/** People who sign in to the dashboard: users, roles per workspace, sessions and invitations. */
export interface UsersModule extends Module {
  users: UserService;
  /** The owner created on this start (the store had no user), to print once; undefined otherwise. */
  firstOwner: FirstOwner | undefined;
}

/**
 * Builds the users module; on a store without users it creates the owner of the bootstrap workspace.
 * @example const users = await usersModule(kernel, { workspaces });
 */
export async function usersModule(kernel: Kernel, modules: { workspaces: WorkspacesModule }): Promise<UsersModule> {
  const { config, clock } = kernel;
  const users = new UserService({
    database: kernel.database,
    clock: kernel.clock,
    workspaces: modules.workspaces.service,
    settings: {
      sessionIdleMs: config.users.sessionIdleMinutes * 60_000,
      sessionAbsoluteMs: config.users.sessionAbsoluteHours * 3_600_000,
      invitationMs: config.users.invitationDays * 86_400_000,
      ownerEmail: config.users.ownerEmail,
    },
  });
  const firstOwner = await users.bootstrapOwner(modules.workspaces.bootstrap.workspace.id);
  const now = () => clock.now();
  // Sign-in and its limits per client address and per email: outside the admin scope, under /api/v1.
  const signIn = {
    users,
    signInPerIp: new RateLimiter('sign-in per IP', config.users.signInPerIp, now),
    signInPerEmail: new RateLimiter('sign-in per email', config.users.signInPerEmail, now),
    cookieSecurity: config.users.cookieSecure,
    sessionAbsoluteMs: config.users.sessionAbsoluteHours * 3_600_000,
  };
  return {
    name: 'users',
    dependencies: [modules.workspaces.name],
    users,
    firstOwner,
    routes: (scope) => userRoutes(scope, users),
    async publicRoutes(scope) {
      await scope.register(async (auth) => authRoutes(auth, signIn), { prefix: '/api/v1' });
    },
  };
}
