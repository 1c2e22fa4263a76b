import { useEffect, useState } from 'react';
import { fillPath, type ApiPath } from '../api/client';

/*
 * Server-sent events from the API's live routes (`…/live`): the server sends the current
 * figures at once and again whenever they change; the browser's EventSource reconnects by
 * itself after a network loss. `undefined` until the first message.
 */
export function useLive<T>(path: ApiPath<'get'>, params?: Record<string, string>, query?: Record<string, string>): { data: T | undefined; connected: boolean } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [connected, setConnected] = useState(false);
  const url = `${fillPath(path, params)}${query === undefined ? '' : `?${new URLSearchParams(query).toString()}`}`;
  useEffect(() => {
    const source = new EventSource(url, { withCredentials: true });
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    source.onmessage = (event: MessageEvent<string>) => {
      try {
        setData(JSON.parse(event.data) as T);
      } catch {
        // A message that is not JSON is a comment or a heartbeat.
      }
    };
    return () => source.close();
  }, [url]);
  return { data, connected };
}
