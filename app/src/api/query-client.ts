import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './client';

/*
 * The one query cache of the app, a module so route loaders (which run outside React, on a
 * link's hover or at the start of a navigation) fill the same cache the screens read.
 */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // A 4xx will not change by asking again; a network blip or a 503 may.
      retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
    },
  },
});
