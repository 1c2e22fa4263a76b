import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from '../../shell/routes';

/* Journeys: the list, the recipes gallery, and the canvas builder (its own chunk with @xyflow/react). */
export const journeysRoute = createRoute({ getParentRoute: () => appRoute, path: '/journeys', component: lazyRouteComponent(() => import('./journeys-list'), 'JourneysListScreen') });
export const journeyNewRoute = createRoute({ getParentRoute: () => appRoute, path: '/journeys/new', component: lazyRouteComponent(() => import('./journey-new'), 'JourneyNewScreen') });
export const journeyRoute = createRoute({ getParentRoute: () => appRoute, path: '/journeys/$id', component: lazyRouteComponent(() => import('./journey-editor'), 'JourneyEditorScreen') });
