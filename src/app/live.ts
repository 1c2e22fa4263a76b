import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** Open live streams, ended before the server closes (a hijacked stream would hold it open). */
    liveStreams?: LiveStreams;
  }
}

/**
 * Ends every live stream of `app` when it closes; called once where the app is built.
 * @example registerLiveStreams(app);
 */
export function registerLiveStreams(app: FastifyInstance): void {
  const streams: LiveStreams = { open: new Set(), closing: false };
  app.decorate('liveStreams', streams);
  app.addHook('preClose', async () => {
    // A stream whose handler was still awaiting when the close began starts after this hook ran:
    // `closing` makes it end at once instead of holding the server open.
    streams.closing = true;
    for (const close of [...streams.open]) close();
  });
}

interface LiveStreams {
  open: Set<() => void>;
  closing: boolean;
}

/** How often a live route recomputes its figures, and how often it sends a heartbeat comment. */
export interface LiveOptions {
  everyMs?: number;
  heartbeatMs?: number;
  /** Ends the stream after this long; the browser's EventSource reconnects (default 10 minutes). */
  maxMs?: number;
}

/**
 * Answers a request that accepts `text/event-stream` (as EventSource does) as a server-sent event stream: `produce()` runs now and every `everyMs`, and
 * its JSON is sent only when it differs from the last one sent. The stream ends when the client
 * goes, after `maxMs`, or when the server closes; a failing `produce()` ends it with an `error`
 * event (the browser reconnects and the next attempt starts fresh).
 * @example app.get('/segments/:id/live', (request, reply) => liveStream(request, reply, () => segments.count(id)));
 */
export async function liveStream(request: FastifyRequest, reply: FastifyReply, produce: () => Promise<unknown>, options: LiveOptions = {}): Promise<FastifyReply> {
  // A script, a crawler or a route sweep that did not ask for a stream gets the figures once, as JSON.
  if (!(request.headers.accept ?? '').includes('text/event-stream')) return reply.send(await produce());
  const everyMs = options.everyMs ?? 2000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxMs = options.maxMs ?? 10 * 60_000;
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'",
    connection: 'keep-alive',
  });
  raw.write(`retry: ${Math.max(1000, everyMs)}\n\n`);
  let last = '';
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let lastWrite = Date.now();
  const started = Date.now();
  const streams = request.server.liveStreams;
  const close = () => {
    if (closed) return;
    closed = true;
    streams?.open.delete(close);
    if (timer !== undefined) clearTimeout(timer);
    raw.end();
  };
  streams?.open.add(close);
  const tick = async () => {
    if (closed) return;
    try {
      const text = JSON.stringify(await produce());
      if (closed) return;
      if (text !== last) {
        last = text;
        raw.write(`data: ${text}\n\n`);
        lastWrite = Date.now();
      } else if (Date.now() - lastWrite >= heartbeatMs) {
        raw.write(': heartbeat\n\n');
        lastWrite = Date.now();
      }
    } catch (error) {
      request.log.warn({ err: error }, 'live stream stopped');
      raw.write(`event: error\ndata: ${JSON.stringify({ message: 'the figures could not be read; reconnecting' })}\n\n`);
      close();
      return;
    }
    if (Date.now() - started >= maxMs) close();
    else timer = setTimeout(() => void tick(), everyMs);
  };
  // The response's own 'close' fires when the connection goes, even if that happened before this
  // listener was added (then `destroyed` is already set); the request's is kept for older clients.
  request.raw.once('close', close);
  raw.once('close', close);
  if (raw.destroyed || streams?.closing === true) {
    close();
    return reply;
  }
  void tick();
  return reply;
}
