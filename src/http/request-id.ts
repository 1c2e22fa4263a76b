import { randomUUID } from 'node:crypto';
import type { FastifyInstance, RawRequestDefaultExpression } from 'fastify';

/** What an incoming id may look like: short, and nothing a log reader or a header could trip on. */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Fastify's `genReqId`: the caller's `X-Request-Id` when it is short and safe (a proxy's or a
 * client's trace id, so one id follows a request through every hop), else a new UUID. Fastify
 * puts it on every log line of the request as `reqId`.
 * @example Fastify({ genReqId: requestIdOf })
 */
export function requestIdOf(request: RawRequestDefaultExpression): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
}

/**
 * Echoes the request id in the `X-Request-Id` response header, so a client reporting a failure
 * can name the log lines.
 * @example registerRequestIdEcho(app)
 */
export function registerRequestIdEcho(app: FastifyInstance): void {
  // Callback style: an async hook costs a promise and two microtasks on every request.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id);
    done();
  });
}
