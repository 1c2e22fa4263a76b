import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acceptedEncoding, DEFAULT_APP_DIR, loadAppAssets, type AppAsset } from './assets.js';

/**
 * The dashboard's document may run its own scripts and talk to its own origin only; inline
 * style attributes (React's `style`) are allowed, inline scripts are not. The on-site preview
 * frames the demo storefront (same origin) or the shop's own https page.
 */
export const APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self'; frame-src 'self' https:; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The first path segment of every screen of the app: a reload or a shared link there gets index.html. */
export const APP_SECTIONS = ['sign-in', 'welcome', 'profiles', 'segments', 'journeys', 'messages', 'onsite', 'analytics', 'experiments', 'predictions', 'settings'] as const;

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Rapport</title></head><body><main><h1>Rapport</h1><p>The dashboard is not built on this server. Run <code>npm run build</code> (or <code>npm start</code>, which builds it), then reload.</p><p>The API answers at <a href="/api/v1/docs">/api/v1/docs</a>.</p></main></body></html>`;

function send(request: FastifyRequest, reply: FastifyReply, asset: AppAsset): FastifyReply {
  void reply.header('cache-control', asset.cacheControl).header('etag', asset.etag).header('vary', 'Accept-Encoding').type(asset.type);
  if (asset.type.startsWith('text/html')) void reply.header('content-security-policy', APP_CSP);
  if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
  const encoding = acceptedEncoding(request.headers['accept-encoding']);
  if (encoding === 'br' && asset.brotli !== undefined) return reply.header('content-encoding', 'br').send(asset.brotli);
  if (encoding !== undefined && asset.gzip !== undefined) return reply.header('content-encoding', 'gzip').send(asset.gzip);
  return reply.send(asset.identity);
}

/**
 * Serves the marketer's dashboard at `/`: the hashed files under /assets/, and index.html for
 * `/` and every client route (so a reload or a shared link of `/segments/seg_1?tab=members` works).
 * Without a build, `/` explains what to run.
 * @example await app.register(async (scope) => dashboardRoutes(scope, { dir: config.appDir }));
 */
export async function dashboardRoutes(app: FastifyInstance, options: { dir?: string | undefined } = {}): Promise<void> {
  const assets = loadAppAssets(options.dir ?? DEFAULT_APP_DIR);
  if (assets === undefined) app.log.warn('the dashboard is not built; / explains what to run (npm run build)');
  const hidden = { schema: { hide: true } };
  const index = async (request: FastifyRequest, reply: FastifyReply) => {
    const page = assets?.get('/index.html');
    if (page === undefined) return reply.status(503).header('content-security-policy', "default-src 'none'").type('text/html; charset=utf-8').send(NOT_BUILT);
    return send(request, reply, page);
  };
  app.get('/', hidden, index);
  for (const section of APP_SECTIONS) {
    app.get(`/${section}`, hidden, index);
    app.get(`/${section}/*`, hidden, index);
  }
  app.get('/assets/*', hidden, async (request, reply) => {
    const asset = assets?.get(request.url.split('?')[0] ?? '');
    if (asset === undefined) return reply.status(404).type('text/plain; charset=utf-8').send('no such dashboard file; reload the page to get the current version');
    return send(request, reply, asset);
  });
}
