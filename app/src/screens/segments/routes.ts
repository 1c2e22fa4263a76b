import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from '../../shell/routes';

const PRESETS = ['browse-abandon', 'visited-2', 'visited-7', 'visited-14', 'lapsed'];
const TABS = ['definition', 'size', 'members', 'explain', 'destinations'] as const;
type Tab = (typeof TABS)[number];

export const segmentsRoute = createRoute({ getParentRoute: () => appRoute, path: '/segments', component: lazyRouteComponent(() => import('./segments'), 'SegmentsScreen') });

export const newSegmentRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/segments/new',
  validateSearch: (search: Record<string, unknown>): { preset?: string } => (typeof search.preset === 'string' && PRESETS.includes(search.preset) ? { preset: search.preset } : {}),
  component: lazyRouteComponent(() => import('./segments'), 'NewSegmentScreen'),
});

export const segmentRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/segments/$id',
  validateSearch: (search: Record<string, unknown>): { tab?: Tab } => (typeof search.tab === 'string' && (TABS as readonly string[]).includes(search.tab) ? { tab: search.tab as Tab } : {}),
  component: lazyRouteComponent(() => import('./segments'), 'SegmentScreen'),
});

export const segmentRoutes = [segmentsRoute, newSegmentRoute, segmentRoute];
