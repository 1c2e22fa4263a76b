import { useEffect } from 'react';
import { useRouter } from '@tanstack/react-router';
import { NAV } from './nav';

/**
 * Loads the code of every screen the navigation leads to at the first idle moment after the
 * shell is up, so a first visit waits for its data only. A link's hover preloads too, but only
 * after 50 ms of hovering, and a click often comes sooner. Only the chunks of the navigation's
 * own routes: the journey canvas and the editors still load on their routes.
 * @example usePreloadScreens(); // in the shell
 */
export function usePreloadScreens(): void {
  const router = useRouter();
  useEffect(() => {
    const preload = () => {
      const routes = new Set(NAV.flatMap((item) => router.getMatchedRoutes(item.to)[0]));
      // A chunk that fails to load here is asked for again when its screen is opened.
      for (const route of routes) void router.loadRouteChunk(route)?.catch(() => undefined);
    };
    if (typeof window.requestIdleCallback !== 'function') {
      const timer = window.setTimeout(preload, 200);
      return () => window.clearTimeout(timer);
    }
    const handle = window.requestIdleCallback(preload, { timeout: 2000 });
    return () => window.cancelIdleCallback(handle);
  }, [router]);
}
