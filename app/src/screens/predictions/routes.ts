import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from '../../shell/routes';

export const predictionsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/predictions',
  component: lazyRouteComponent(() => import('./predictions'), 'PredictionsScreen'),
});
