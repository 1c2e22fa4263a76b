import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import { demoWriteKey } from '../onsite/index.js';
import type { Messaging } from '../channels/index.js';
import type { IngestService } from '../ingest/index.js';
import type { LagSource, Processor } from '../processor/index.js';
import { storefrontRoutes } from './public/demo-storefront.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { Module } from '../app/module.js';
import { RapportError } from '../shared/errors.js';
import { decodeJsonBody, TRANSPORT_LIMIT } from './body.js';
import { registerErrorHandler } from './errors.js';
import { registerSecurityHeaders } from './security-headers.js';
import { apiReferenceRoutes, documentRoute, nameSchemaComponents } from './openapi.js';
import { errorSchema } from './error-docs.js';
import { adminRoutes, type AdminRouteDeps } from './admin/routes.js';
import { registerNulGuard } from './nul-guard.js';
import { sdkAssetRoutes } from './public/sdk.js';
import { dashboardRoutes } from '../dashboard/index.js';
import { registerLiveStreams } from '../app/live.js';
import { registerMetrics } from './metrics.js';
import { registerRequestIdEcho, requestIdOf } from './request-id.js';
import { registerDrain, registerReadiness, type ReadinessDeps } from './readiness.js';
import type { Scheduler } from '../scheduler/index.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Limit on the decoded (decompressed) body, in bytes. */
    decodedBodyLimit?: number;
    tooLargeCode?: 'payload_too_large' | 'ingest_too_large';
    /** The route takes the raw body as a stream (imports). */
    rawBody?: boolean;
  }
}

const DEFAULT_DECODED_LIMIT = 10 * 1024 * 1024;

/** The admin scope's own needs (its modules mount their admin and public routes) and /metrics' sources. */
export type AppDeps = AdminRouteDeps & {
  ingest: IngestService;
  messaging: Messaging;
  processor: Pick<Processor, 'status'>;
  /** Followers of the event log that trail the processor; /metrics reports their lag. */
  followers?: readonly LagSource[];
  version: string;
  /** Whether the store answers; /healthz reports 503 when it does not. */
  health: () => Promise<boolean>;
  /** The built browser SDK served at /sdk/v1 (default: the installation's sdk/browser/dist). */
  sdkDir?: string | undefined;
  /** The built dashboard served at / (default: the installation's app/dist). */
  appDir?: string | undefined;
  /** Bearer token for /metrics (RAPPORT_METRICS_TOKEN); unset, /metrics is open and names no workspace. */
  metricsToken?: string | undefined;
  /** What /readyz checks besides the modules' health (absent: no /readyz, as in apps built for one test). */
  readiness?: Omit<ReadinessDeps, 'modules'> | undefined;
  /** The scheduler's queue, for the job figures on /metrics. */
  jobQueue?: Pick<Scheduler, 'queueStats'> | undefined;
};

/**
 * Fastify's default validator coerces types and silently drops unknown fields: a body with
 * `maxPerProfile: 0` became null (unlimited) and a misspelt field vanished. Bodies are
 * validated strictly here, every problem reported at once; query strings and path parameters
 * still coerce, since they arrive as text.
 */
function registerValidators(app: FastifyInstance): void {
  const options = { useDefaults: true, allErrors: true, removeAdditional: false, addUsedSchema: false, strict: false } as const;
  const strict = new Ajv({ ...options, coerceTypes: false });
  const coercing = new Ajv({ ...options, coerceTypes: 'array' });
  addFormats.default(strict);
  addFormats.default(coercing);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));
}

/** Each module's health check as `ok` or its reason (a null-prototype record); undefined when no module has one. */
function moduleHealth(modules: readonly Module[]): Record<string, string> | undefined {
  const checked = modules.filter((module) => module.health !== undefined);
  if (checked.length === 0) return undefined;
  const answers: Record<string, string> = Object.create(null);
  for (const module of checked) {
    const health = module.health?.();
    if (health !== undefined) answers[module.name] = health.ok ? 'ok' : health.reason;
  }
  return answers;
}

/**
 * Builds the HTTP app: the modules' shop-facing routes (Segment-compatible ingest under /v1,
 * on-site, signed links, sign-in), the admin API under /api/v1 with its OpenAPI document,
 * the SDK and dashboard files, and /healthz.
 * @example const app = await buildApp(deps, { logger: false }); await app.listen({ port: 4000 });
 */
export async function buildApp(deps: AppDeps, options: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: TRANSPORT_LIMIT, genReqId: requestIdOf, ...options }).withTypeProvider<TypeBoxTypeProvider>();
  registerRequestIdEcho(app);
  registerErrorHandler(app);
  registerValidators(app);
  registerNulGuard(app);
  registerSecurityHeaders(app);
  registerLiveStreams(app);
  registerMetrics(app, {
    ingest: deps.ingest,
    processor: deps.processor,
    followers: deps.followers,
    scheduler: deps.jobQueue,
    sends: deps.messaging.channels.outcomes,
    token: deps.metricsToken,
  });

  // Every route parses its body here: JSON whatever the Content-Type (Segment clients send
  // text/plain and form-urlencoded), decompressed first, with a limit on the decoded size.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, raw, done) => {
    const config = request.routeOptions.config;
    const buffer = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const encoding = request.headers['content-encoding'];
    decodeJsonBody(buffer, encoding, config.decodedBodyLimit ?? DEFAULT_DECODED_LIMIT, config.tooLargeCode ?? 'payload_too_large').then(
      (body) => done(null, body),
      (error: unknown) => done(error instanceof Error ? error : new RapportError('invalid_request'), undefined),
    );
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Rapport admin API',
        version: deps.version,
        description:
          'Profiles, catalog, imports, keys and workspaces. Authenticate with `Authorization: Bearer <admin token>`. Errors answer `{ error: { code, type, message } }`; the Error schema lists every code (docs/errors.md).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: { Error: errorSchema() } },
      security: [{ bearer: [] }],
    },
    // The tracking API follows Segment's spec (shared/ingest-spec.md), not this document.
    hideUntagged: true,
    transform: documentRoute,
    transformObject: (document) => ('openapiObject' in document ? nameSchemaComponents(document.openapiObject) : document.swaggerObject),
  });

  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    const database = await deps.health();
    // The status follows the store alone: a module's background trouble (a processor thread
    // restarting) must not take an API replica out of its load balancer; it is shown instead.
    const modules = moduleHealth(deps.modules);
    return reply
      .status(database ? 200 : 503)
      .send({ status: database ? 'ok' : 'unavailable', database: database ? 'ok' : 'unreachable', version: deps.version, ...(modules === undefined ? {} : { modules }) });
  });
  if (deps.readiness !== undefined) registerReadiness(app, { ...deps.readiness, modules: deps.modules });
  registerDrain(app, () => deps.readiness?.phase() === 'stopping');
  // Shop-facing routes (write key, signed links, sign-in): each module's in a scope of its own, without the admin scope's hooks.
  for (const module of deps.modules) {
    const publicRoutes = module.publicRoutes?.bind(module);
    if (publicRoutes !== undefined) await app.register(async (scope) => publicRoutes(scope));
  }
  await app.register(async (scope) => sdkAssetRoutes(scope, { dir: deps.sdkDir }));
  await app.register(async (scope) => dashboardRoutes(scope, { dir: deps.appDir }));
  await app.register(async (scope) => adminRoutes(scope, deps), { prefix: '/api/v1' });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await apiReferenceRoutes(app);
  // The demo storefront (/demo/shop): pages with the SDK snippet, live once `rapport demo` has created its write key.
  await app.register(async (scope) => storefrontRoutes(scope, { writeKey: () => demoWriteKey(deps.workspaces) }));
  return app;
}
