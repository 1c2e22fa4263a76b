import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from '../../shell/routes';

const BY = ['any', 'email', 'phone', 'user_id', 'anonymous_id', 'profile', 'trait'] as const;
type By = (typeof BY)[number];
interface ProfileSearch {
  q?: string;
  by?: By;
  key?: string;
}

export const profilesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/profiles',
  validateSearch: (search: Record<string, unknown>): ProfileSearch => ({
    ...(typeof search.q === 'string' && search.q !== '' ? { q: search.q.slice(0, 500) } : {}),
    ...(typeof search.by === 'string' && (BY as readonly string[]).includes(search.by) ? { by: search.by as By } : {}),
    ...(typeof search.key === 'string' && search.key !== '' ? { key: search.key.slice(0, 200) } : {}),
  }),
  component: lazyRouteComponent(() => import('./profiles'), 'ProfilesScreen'),
});

export const profileRoute = createRoute({ getParentRoute: () => appRoute, path: '/profiles/$id', component: lazyRouteComponent(() => import('./profiles'), 'ProfileScreen') });

export const profileRoutes = [profilesRoute, profileRoute];
