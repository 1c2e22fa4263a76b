/*
 * The web-push service worker (served at /sdk/v1/sw.js; a shop serves it from its own origin, or
 * registers Rapport's when both share an origin). It shows what src/channels/providers/web-push.ts
 * sends — { title, body, url, messageId } — and opens the message's link on click.
 */
type Payload = { title?: string; body?: string; url?: string | null; messageId?: string; icon?: string };

interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface PushEventLike extends ExtendableEventLike {
  data: { json(): unknown; text(): string } | null;
}
interface NotificationEventLike extends ExtendableEventLike {
  notification: { data: unknown; close(): void };
}
interface WorkerScope {
  registration: { showNotification(title: string, options: Record<string, unknown>): Promise<void> };
  clients: { openWindow(url: string): Promise<unknown>; claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: string, listener: (event: never) => void): void;
}

const worker = self as unknown as WorkerScope;

function payloadOf(event: PushEventLike): Payload {
  try {
    const value = event.data?.json();
    return typeof value === 'object' && value !== null ? (value as Payload) : {};
  } catch {
    return { body: event.data?.text() ?? '' };
  }
}

worker.addEventListener('install', () => void worker.skipWaiting());
worker.addEventListener('activate', (event: ExtendableEventLike) => event.waitUntil(worker.clients.claim()));

worker.addEventListener('push', (event: PushEventLike) => {
  const payload = payloadOf(event);
  event.waitUntil(
    worker.registration.showNotification(payload.title || 'Notification', {
      body: payload.body ?? '',
      data: { url: payload.url ?? null },
      ...(payload.icon ? { icon: payload.icon } : {}),
      ...(payload.messageId ? { tag: payload.messageId } : {}),
    }),
  );
});

worker.addEventListener('notificationclick', (event: NotificationEventLike) => {
  event.notification.close();
  const data = event.notification.data as { url?: unknown } | null;
  if (data !== null && typeof data.url === 'string' && /^https?:\/\//.test(data.url)) event.waitUntil(worker.clients.openWindow(data.url));
});
