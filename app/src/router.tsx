import { createRouter } from '@tanstack/react-router';
import { analyticsRoutes } from './screens/analytics/routes';
import { homeRoute } from './screens/home/routes';
import { experimentEditRoute, experimentRoute, experimentsRoute, newExperimentRoute } from './screens/experiments/routes';
import { journeyNewRoute, journeyRoute, journeysRoute } from './screens/journeys/routes';
import { messagesChildren, messagesRoute } from './screens/messages/routes';
import { onsiteCampaignRoute, onsiteNewRoute, onsiteRoute } from './screens/onsite/routes';
import { predictionsRoute } from './screens/predictions/routes';
import { profileRoutes } from './screens/profiles/routes';
import { segmentRoutes } from './screens/segments/routes';
import { settingsChildren, settingsRoute } from './screens/settings/routes';
import { appRoute, rootRoute, signInRoute, welcomeRoute } from './shell/routes';

/*
 * Every screen's routes, assembled. A screen's components load with its route (its own chunk);
 * this file and the shell are the first load.
 */
const routeTree = rootRoute.addChildren([
  signInRoute,
  welcomeRoute,
  appRoute.addChildren([
    homeRoute,
    ...profileRoutes,
    ...segmentRoutes,
    journeysRoute,
    journeyNewRoute,
    journeyRoute,
    messagesRoute.addChildren(messagesChildren),
    onsiteRoute,
    onsiteNewRoute,
    onsiteCampaignRoute,
    analyticsRoutes,
    experimentsRoute,
    newExperimentRoute,
    experimentRoute,
    experimentEditRoute,
    predictionsRoute,
    settingsRoute.addChildren(settingsChildren),
  ]),
]);

// Loaders only start queries; TanStack Query decides what is fresh, so the router keeps no copy.
export const router = createRouter({ routeTree, defaultPreload: 'intent', defaultPreloadStaleTime: 0, scrollRestoration: true });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
