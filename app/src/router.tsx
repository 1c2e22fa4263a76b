import { createRouter } from '@tanstack/react-router';
import { homeRoute } from './screens/home/routes';
import { experimentRoute, experimentsRoute } from './screens/experiments/routes';
import { predictionsRoute } from './screens/predictions/routes';
import { onsiteCampaignRoute, onsiteNewRoute, onsiteRoute } from './screens/onsite/routes';
import { appRoute, rootRoute, signInRoute, welcomeRoute } from './shell/routes';

/*
 * Every screen's routes, assembled. A screen's components load with its route (its own chunk);
 * this file and the shell are the first load.
 */
const routeTree = rootRoute.addChildren([
  signInRoute,
  welcomeRoute,
  appRoute.addChildren([homeRoute, onsiteRoute, onsiteNewRoute, onsiteCampaignRoute, experimentsRoute, experimentRoute, predictionsRoute]),
]);

export const router = createRouter({ routeTree, defaultPreload: 'intent', scrollRestoration: true });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
