import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from '../../shell/routes';

/* Settings: a layout with its tabs as routes; keys, tokens and users only for owners and admins. */
const load = () => import('./settings');
const access = () => import('./access');

export const settingsRoute = createRoute({ getParentRoute: () => appRoute, path: 'settings', component: lazyRouteComponent(load, 'SettingsLayout') });

export const settingsChildren = [
  createRoute({ getParentRoute: () => settingsRoute, path: '/', component: lazyRouteComponent(load, 'BrandTab') }),
  createRoute({ getParentRoute: () => settingsRoute, path: 'brand', component: lazyRouteComponent(load, 'BrandTab') }),
  createRoute({ getParentRoute: () => settingsRoute, path: 'sdk', component: lazyRouteComponent(load, 'SdkTab') }),
  createRoute({ getParentRoute: () => settingsRoute, path: 'channels', component: lazyRouteComponent(load, 'ChannelsTab') }),
  createRoute({ getParentRoute: () => settingsRoute, path: 'consent', component: lazyRouteComponent(load, 'ConsentTab') }),
  createRoute({ getParentRoute: () => settingsRoute, path: 'identity', component: lazyRouteComponent(load, 'IdentityTab') }),
  createRoute({ getParentRoute: () => settingsRoute, path: 'keys', component: lazyRouteComponent(access, 'KeysTab') }),
  createRoute({ getParentRoute: () => settingsRoute, path: 'users', component: lazyRouteComponent(access, 'UsersTab') }),
  createRoute({ getParentRoute: () => settingsRoute, path: 'audit', component: lazyRouteComponent(access, 'AuditTab') }),
];
