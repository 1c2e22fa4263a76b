import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IngestAdmission, RateLimits } from '../config/config.js';
import { RateLimiter } from '../app/rate-limit.js';
import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { MAX_CREDENTIAL_LENGTH, missingWriteKeyScope, requireWriteKeyScope, writeKeyOf, type WorkspaceService, type WriteKey, type WriteKeyScope } from '../workspaces/index.js';
import { BatchAdmission } from './admission.js';
import type { IngestService } from './ingest-service.js';
import { isJsonObject, type MessageType } from './message.js';

/** Segment's limits: 32 KB for a single call, 500 KB for a batch. */
export const SINGLE_LIMIT = 32 * 1024;
export const BATCH_LIMIT = 500 * 1024;

const singlePaths: Array<[string, MessageType, boolean]> = [
  ['identify', 'identify', false],
  ['track', 'track', false],
  ['page', 'page', false],
  ['screen', 'screen', false],
  ['group', 'group', false],
  ['alias', 'alias', false],
  // analytics-next posts to the first letter of the type.
  ['i', 'identify', true],
  ['t', 'track', true],
  ['p', 'page', true],
  ['s', 'screen', true],
  ['g', 'group', true],
  ['a', 'alias', true],
];
/** Path, browser, and the scope the whole request needs (undefined: each item needs its type's). */
const batchPaths: Array<[string, boolean, WriteKeyScope | undefined]> = [
  ['batch', false, undefined],
  ['import', false, 'import'],
  ['b', true, undefined],
];

/** The write-key scope a message type needs. */
export function scopeOfType(type: string): WriteKeyScope {
  return type === 'identify' || type === 'alias' || type === 'group' ? 'identify' : 'track';
}

const ALLOWED_HEADERS = 'Authorization, Content-Type, Content-Encoding, X-Retry-Count';

export interface IngestRouteDeps {
  ingest: IngestService;
  workspaces: WorkspaceService;
  clock: Clock;
  rateLimits: RateLimits;
  ingestAdmission: IngestAdmission;
}

function corsHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const origin = request.headers.origin;
  void reply.header('Access-Control-Allow-Origin', origin ?? '*');
  if (origin !== undefined) void reply.header('Vary', 'Origin');
}

/**
 * Segment HTTP Tracking API v1 (shared/ingest-spec.md): single calls, batches, the browser
 * short paths, metrics, the settings document analytics-next loads, and CORS preflight.
 */
export async function ingestRoutes(app: FastifyInstance, deps: IngestRouteDeps): Promise<void> {
  const now = () => deps.clock.now();
  const perIp = new RateLimiter('ingest per IP', deps.rateLimits.ingestPerIp, now);
  const perWriteKey = new RateLimiter('ingest per write key', deps.rateLimits.ingestPerWriteKey, now);
  const admission = new BatchAdmission(deps.ingestAdmission);
  admission.register(app);
  // Callback style: an async hook costs a promise and two microtasks on every request, refused ones included.
  app.addHook('onRequest', (request, reply, done) => {
    corsHeaders(request, reply);
    try {
      // Before the body is read: a limited client costs no decompression, parsing or lookup.
      perIp.enforce(request.ip, reply);
      admission.admit(request, reply);
    } catch (error) {
      return done(error instanceof Error ? error : new RapportError('rate_limited'));
    }
    done();
  });

  preflightRoute(app);

  async function authenticate(request: FastifyRequest, reply: FastifyReply, body: Record<string, unknown>): Promise<WriteKey> {
    const key = writeKeyOf(request.headers.authorization, body);
    if (key === undefined) {
      throw new RapportError('unauthorized', 'no write key: send Authorization: Basic base64("<writeKey>:") or "writeKey" in the JSON body');
    }
    if (key.length > MAX_CREDENTIAL_LENGTH) {
      throw new RapportError('unauthorized', `a write key is at most ${MAX_CREDENTIAL_LENGTH} characters; check the key of this source`);
    }
    const source = await deps.workspaces.authenticateWriteKey(key);
    if (source === undefined) throw new RapportError('unauthorized', 'the write key is not recognized or was revoked; check the key of this source');
    perWriteKey.enforce(source.id, reply);
    return source;
  }

  async function accept(request: FastifyRequest, reply: FastifyReply, pathType: MessageType | undefined, browser: boolean, requestScope?: WriteKeyScope) {
    const receivedAt = deps.clock.now();
    const body = request.body;
    if (!isJsonObject(body)) throw new RapportError('ingest.body_invalid', 'the body must be one JSON object');
    const source = await authenticate(request, reply, body);
    // A single call or an import needs one scope for the whole request (403); a batch's items
    // each need their type's, and an item the key may not send is rejected alone.
    const needed = requestScope ?? (pathType === undefined ? undefined : scopeOfType(pathType));
    if (needed !== undefined) requireWriteKeyScope(source, needed);
    const refuseType = needed !== undefined ? undefined : (type: string) => missingWriteKeyScope(source, scopeOfType(type));
    let items: unknown[];
    if (pathType === undefined) {
      if (!Array.isArray(body.batch)) {
        throw new RapportError('ingest.body_invalid', 'a batch body needs "batch": an array of messages', [{ field: 'batch', rule: 'type', message: 'must be an array' }]);
      }
      items = body.batch;
    } else {
      items = [body];
    }
    // Batches count against their write key while they are validated and stored.
    const release = pathType === undefined ? admission.perWriteKey.acquire(source.id, reply) : undefined;
    let outcome;
    try {
      outcome = await deps.ingest.ingest(
        { workspaceId: source.workspaceId, sourceId: source.id, receivedAt, ip: request.ip, fillIp: browser, refuseType },
        pathType === undefined ? { items, sentAt: body.sentAt, context: body.context, integrations: body.integrations } : { items, pathType },
      );
    } catch (error) {
      // The store failed (busy, connection lost): nothing was acknowledged, so the client
      // retries with the same messageIds and dedupe keeps the retry exact.
      request.log.error({ err: error }, 'ingest append failed');
      throw new RapportError('unavailable', 'the event store is unavailable; retry with the same messageIds');
    } finally {
      release?.();
    }
    return reply.send({
      success: true,
      accepted: outcome.accepted,
      duplicates: outcome.duplicates,
      ...(outcome.rejected.length > 0 ? { rejected: outcome.rejected } : {}),
    });
  }

  for (const [path, type, browser] of singlePaths) {
    app.post(`/v1/${path}`, { config: { decodedBodyLimit: SINGLE_LIMIT, tooLargeCode: 'ingest_too_large' } }, (request, reply) => accept(request, reply, type, browser));
  }
  for (const [path, browser, scope] of batchPaths) {
    app.post(`/v1/${path}`, { config: { decodedBodyLimit: BATCH_LIMIT, tooLargeCode: 'ingest_too_large', heavyIngest: true } }, (request, reply) => accept(request, reply, undefined, browser, scope));
  }

  // analytics-next's RemoteMetrics: accepted and ignored.
  app.post('/v1/m', { config: { decodedBodyLimit: BATCH_LIMIT, tooLargeCode: 'ingest_too_large' } }, async (_request, reply) => reply.send({ success: true }));

  settingsRoute(app, deps.workspaces);
}

/** CORS preflight for the browser paths. */
function preflightRoute(app: FastifyInstance): void {
  app.options('/v1/*', async (request, reply) => {
    const requested = request.headers['access-control-request-headers'];
    void reply
      .header('Access-Control-Allow-Methods', 'POST, GET, OPTIONS')
      .header('Access-Control-Allow-Headers', typeof requested === 'string' && requested !== '' ? `${ALLOWED_HEADERS}, ${requested}` : ALLOWED_HEADERS)
      .header('Access-Control-Max-Age', '86400')
      .status(204)
      .send();
  });
}

/** The settings document analytics-next loads for a write key: only Segment.io, pointed at this server. */
function settingsRoute(app: FastifyInstance, workspaces: IngestRouteDeps['workspaces']): void {
  app.get<{ Params: { writeKey: string } }>('/v1/projects/:writeKey/settings', async (request, reply) => {
    const key = request.params.writeKey;
    const source = key.length > MAX_CREDENTIAL_LENGTH ? undefined : await workspaces.authenticateWriteKey(key);
    if (source === undefined) throw new RapportError('not_found', 'no source has this write key; check the writeKey passed to AnalyticsBrowser.load');
    // request.host follows X-Forwarded-Host only when RAPPORT_TRUST_PROXY is set.
    const host = request.host;
    // Only Segment.io as integration: any other key makes analytics-next fetch destination
    // scripts from a CDN. Metrics are off so nothing is posted to api.segment.io.
    return reply.send({
      integrations: { 'Segment.io': { apiKey: source.key, apiHost: `${String(host)}/v1`, protocol: request.protocol } },
      plan: { track: { __default: { enabled: true, integrations: {} } }, identify: { __default: { enabled: true } }, group: { __default: { enabled: true } } },
      metrics: { sampleRate: 0 },
      edgeFunction: {},
      analyticsNextEnabled: true,
    });
  });
}
