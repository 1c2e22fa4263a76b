import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SdkManifest } from '../../sdk/browser/build.mjs';

/*
 * The built browser SDK (sdk/browser/build.mjs) as served under /sdk/v1/ (route:
 * src/http/public/sdk.ts): the loader with a short
 * cache (it names the current core, so a deploy reaches visitors within minutes), the
 * content-hashed core and widget chunks immutable for a year, and the push service worker. Every
 * file is held in memory with its pre-compressed brotli and gzip twins, picked by Accept-Encoding.
 */
export const DEFAULT_SDK_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'sdk', 'browser', 'dist');

const SHORT_CACHE = 'public, max-age=300';
const LONG_CACHE = 'public, max-age=31536000, immutable';
/** The worker shows notifications and opens links; it fetches nothing but notification icons. */
const WORKER_CSP = "default-src 'none'; img-src https: data:";

export interface SdkAsset {
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

function loadAsset(dir: string, name: string, cacheControl: string, worker = false): SdkAsset {
  const file = path.join(dir, name);
  const identity = fs.readFileSync(file);
  // From the content, so every replica of a deployment answers the same ETag.
  const etag = `"${createHash('sha256').update(identity).digest('hex').slice(0, 16)}"`;
  return { identity, gzip: fs.readFileSync(`${file}.gz`), brotli: fs.readFileSync(`${file}.br`), etag, cacheControl, worker };
}

/** The built files by their URL path below /sdk/v1/. */
export function loadSdkAssets(dir: string): Map<string, SdkAsset> | undefined {
  const manifest = readManifest(dir);
  if (manifest === undefined) return undefined;
  const assets = new Map<string, SdkAsset>();
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

/** One answer for a file: status, headers and body (none for 304). */
export interface SdkResponse {
  status: 200 | 304;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

/**
 * The response for a request of `asset` with these request headers.
 * @example sdkResponse(asset, { acceptEncoding: 'gzip, br' }); // { status: 200, headers: { 'content-encoding': 'br', ... }, body }
 */
export function sdkResponse(asset: SdkAsset, request: { acceptEncoding?: string | undefined; ifNoneMatch?: string | undefined }): SdkResponse {
  const headers: Record<string, string> = {
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': asset.cacheControl,
    etag: asset.etag,
    vary: 'Accept-Encoding',
    // Shop pages on other origins load these (widget chunks through CORS-mode import()).
    'access-control-allow-origin': '*',
    'cross-origin-resource-policy': 'cross-origin',
  };
  if (asset.worker) Object.assign(headers, { 'service-worker-allowed': '/', 'content-security-policy': WORKER_CSP });
  if (request.ifNoneMatch === asset.etag) return { status: 304, headers, body: undefined };
  const encoding = encodingFor(request.acceptEncoding);
  if (encoding !== undefined) headers['content-encoding'] = encoding;
  return { status: 200, headers, body: encoding === 'br' ? asset.brotli : encoding === 'gzip' ? asset.gzip : asset.identity };
}
