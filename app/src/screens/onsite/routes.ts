import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from '../../shell/routes';

/** `?template=<starter key>` or `?type=<widget type>` picks the gallery entry; neither shows the gallery. */
export interface NewCampaignSearch {
  template?: string;
  type?: string;
}

export const onsiteRoute = createRoute({ getParentRoute: () => appRoute, path: '/onsite', component: lazyRouteComponent(() => import('./onsite'), 'OnsiteScreen') });

export const onsiteNewRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/onsite/new',
  validateSearch: (search: Record<string, unknown>): NewCampaignSearch => ({
    ...(typeof search.template === 'string' ? { template: search.template.slice(0, 60) } : {}),
    ...(typeof search.type === 'string' ? { type: search.type.slice(0, 40) } : {}),
  }),
  component: lazyRouteComponent(() => import('./editor'), 'NewCampaignScreen'),
});

export const onsiteCampaignRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/onsite/$id',
  component: lazyRouteComponent(() => import('./editor'), 'CampaignScreen'),
});
