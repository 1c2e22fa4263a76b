import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from '../../shell/routes';

/*
 * Messages: a layout with its tabs as routes (templates, snippets, coupons, log, suppression)
 * and the template editor at /messages/templates/$id (its own chunk; the journey canvas links there).
 */
const load = () => import('./messages');

export const messagesRoute = createRoute({ getParentRoute: () => appRoute, path: 'messages', component: lazyRouteComponent(load, 'MessagesLayout') });

interface LogSearch {
  channel?: string;
  status?: string;
  profileId?: string;
  from?: string;
  to?: string;
}

function logSearch(search: Record<string, unknown>): LogSearch {
  const out: LogSearch = {};
  for (const key of ['channel', 'status', 'profileId', 'from', 'to'] as const) {
    const value = search[key];
    if (typeof value === 'string' && value !== '') out[key] = value;
  }
  return out;
}

export const messagesChildren = [
  createRoute({ getParentRoute: () => messagesRoute, path: '/', component: lazyRouteComponent(load, 'TemplatesTab') }),
  createRoute({ getParentRoute: () => messagesRoute, path: 'templates', component: lazyRouteComponent(load, 'TemplatesTab') }),
  createRoute({ getParentRoute: () => messagesRoute, path: 'templates/$id', component: lazyRouteComponent(() => import('./editor'), 'TemplateEditor') }),
  createRoute({ getParentRoute: () => messagesRoute, path: 'snippets', component: lazyRouteComponent(() => import('./snippets'), 'SnippetsTab') }),
  createRoute({ getParentRoute: () => messagesRoute, path: 'coupons', component: lazyRouteComponent(load, 'CouponsTab') }),
  createRoute({ getParentRoute: () => messagesRoute, path: 'log', validateSearch: logSearch, component: lazyRouteComponent(load, 'LogTab') }),
  createRoute({ getParentRoute: () => messagesRoute, path: 'suppression', component: lazyRouteComponent(load, 'SuppressionTab') }),
];
