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

export const TIMELINE_TYPES = ['track', 'page', 'identify', 'screen'] as const;
type TimelineType = (typeof TIMELINE_TYPES)[number];
/** The timeline filter, kept in the URL so a filtered timeline is a link to share. */
export interface TimelineSearch {
  type?: TimelineType;
  event?: string;
  /** Days, YYYY-MM-DD, both inclusive. */
  from?: string;
  to?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const profileRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/profiles/$id',
  validateSearch: (search: Record<string, unknown>): TimelineSearch => ({
    ...(typeof search.type === 'string' && (TIMELINE_TYPES as readonly string[]).includes(search.type) ? { type: search.type as TimelineType } : {}),
    ...(typeof search.event === 'string' && search.event !== '' ? { event: search.event.slice(0, 200) } : {}),
    ...(typeof search.from === 'string' && DAY.test(search.from) ? { from: search.from } : {}),
    ...(typeof search.to === 'string' && DAY.test(search.to) ? { to: search.to } : {}),
  }),
  component: lazyRouteComponent(() => import('./profiles'), 'ProfileScreen'),
});

export const profileRoutes = [profilesRoute, profileRoute];
