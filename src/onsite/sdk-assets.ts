import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RapportError } from '../shared/errors.js';
import type { SdkManifest } from '../../sdk/browser/build.mjs';

/*
 * Serves the built browser SDK (sdk/browser/build.mjs) under /sdk/v1/: the loader with a short
 * cache (it names the current core, so a deploy reaches visitors within minutes), the
 * content-hashed core and widget chunks immutable for a year, and the push service worker. Every
 * file is held in memory with its pre-compressed brotli and gzip twins, picked by Accept-Encoding.
 */
export const DEFAULT_SDK_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'sdk', 'browser', 'dist');

const SHORT_CACHE = 'public, max-age=300';
const LONG_CACHE = 'public, max-age=31536000, immutable';
/** The worker shows notifications and opens links; it fetches nothing but notification icons. */
const WORKER_CSP = "default-src 'none'; img-src https: data:";

interface Asset {
  identity: Buffer;
  gzip: Buffer;
  brotli: Buffer;
  etag: string;
  cacheControl: string;
  worker: boolean;
}

function readManifest(dir: string): SdkManifest | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { version, loader, core, sw, widgets } = parsed as Partial<SdkManifest>;
  if (typeof loader !== 'string' || typeof core !== 'string' || typeof sw !== 'string' || typeof widgets !== 'object' || widgets === null) return undefined;
  return { version: String(version), loader, core, sw, widgets };
}

function loadAsset(dir: string, name: string, cacheControl: string, worker = false): Asset {
  const file = path.join(dir, name);
  const identity = fs.readFileSync(file);
  // From the content, so every replica of a deployment answers the same ETag.
  const etag = `"${createHash('sha256').update(identity).digest('hex').slice(0, 16)}"`;
  return { identity, gzip: fs.readFileSync(`${file}.gz`), brotli: fs.readFileSync(`${file}.br`), etag, cacheControl, worker };
}

/** The built files by their URL path below /sdk/v1/. */
export function loadSdkAssets(dir: string): Map<string, Asset> | undefined {
  const manifest = readManifest(dir);
  if (manifest === undefined) return undefined;
  const assets = new Map<string, Asset>();
  assets.set(manifest.loader, loadAsset(dir, manifest.loader, SHORT_CACHE));
  assets.set(manifest.sw, loadAsset(dir, manifest.sw, SHORT_CACHE, true));
  assets.set(manifest.core, loadAsset(dir, manifest.core, LONG_CACHE));
  for (const file of Object.values(manifest.widgets)) assets.set(file, loadAsset(dir, file, LONG_CACHE));
  return assets;
}

/** brotli, then gzip, then none, honouring `;q=0` refusals. */
function encodingFor(header: string | undefined): 'br' | 'gzip' | undefined {
  const accepted = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name !== undefined && !params.some((param) => /^\s*q=0(\.0*)?\s*$/.test(param))) accepted.add(name);
  }
  if (accepted.has('br')) return 'br';
  return accepted.has('gzip') ? 'gzip' : undefined;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  void reply
    .header('content-type', 'text/javascript; charset=utf-8')
    .header('cache-control', asset.cacheControl)
    .header('etag', asset.etag)
    .header('vary', 'Accept-Encoding')
    // Shop pages on other origins load these (widget chunks through CORS-mode import()).
    .header('access-control-allow-origin', '*')
    .header('cross-origin-resource-policy', 'cross-origin');
  if (asset.worker) void reply.header('service-worker-allowed', '/').header('content-security-policy', WORKER_CSP);
  if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
  const encoding = encodingFor(request.headers['accept-encoding']);
  if (encoding !== undefined) void reply.header('content-encoding', encoding);
  return reply.send(encoding === 'br' ? asset.brotli : encoding === 'gzip' ? asset.gzip : asset.identity);
}

/**
 * Registers GET /sdk/v1/* for the SDK built in `dir`; without a build, the routes answer 404 with
 * what to run.
 * @example await app.register(async (scope) => sdkAssetRoutes(scope, { dir: config.sdkDir }));
 */
export async function sdkAssetRoutes(scope: FastifyInstance, options: { dir?: string | undefined } = {}): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const dir = options.dir ?? DEFAULT_SDK_DIR;
  const assets = loadSdkAssets(dir);
  if (assets === undefined) app.log.warn({ dir }, 'the browser SDK is not built; /sdk/v1/ answers 404 (run npm run build)');
  app.get('/sdk/v1/*', { schema: { hide: true, params: Type.Object({ '*': Type.String({ maxLength: 200 }) }) } }, async (request, reply) => {
    const name = request.params['*'];
    const asset = assets?.get(name);
    if (asset === undefined) {
      throw new RapportError('not_found', assets === undefined ? 'the browser SDK is not built on this server; run npm run build' : `no SDK file ${name}; the loader at /sdk/v1/loader.js names the current files`);
    }
    return send(request, reply, asset);
  });
}
