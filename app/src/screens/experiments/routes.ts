import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from '../../shell/routes';

export const experimentsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/experiments',
  component: lazyRouteComponent(() => import('./experiments'), 'ExperimentsScreen'),
});

export const experimentRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/experiments/$id',
  component: lazyRouteComponent(() => import('./experiment'), 'ExperimentScreen'),
});

export const newExperimentRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/experiments/new',
  component: lazyRouteComponent(() => import('./editor'), 'NewExperimentScreen'),
});

export const experimentEditRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/experiments/$id/edit',
  component: lazyRouteComponent(() => import('./editor'), 'EditExperimentScreen'),
});
