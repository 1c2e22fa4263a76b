import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The built dashboard (app/, `vite build` into app/dist) held in memory with the pre-compressed
 * brotli and gzip twins the build wrote: hashed files under assets/ are immutable for a year,
 * index.html is revalidated on every load so a deploy reaches every open browser on its next
 * navigation.
 */
// From src/dashboard (tests, tsx) and from dist/dashboard (the build) alike: <root>/app/dist.
export const DEFAULT_APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'app', 'dist');

const TYPES = new Map([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.svg', 'image/svg+xml'],
  ['.json', 'application/json'],
  ['.png', 'image/png'],
  ['.woff2', 'font/woff2'],
]);

export interface AppAsset {
  type: string;
  identity: Buffer;
  gzip: Buffer | undefined;
  brotli: Buffer | undefined;
  etag: string;
  cacheControl: string;
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

/** The built files by URL path (`/index.html`, `/assets/index-1a2b.js`), or undefined when the app is not built. */
export function loadAppAssets(dir: string): Map<string, AppAsset> | undefined {
  if (!fs.existsSync(path.join(dir, 'index.html'))) return undefined;
  const assets = new Map<string, AppAsset>();
  for (const file of walk(dir)) {
    const extension = path.extname(file);
    const type = TYPES.get(extension);
    if (type === undefined) continue;
    const identity = fs.readFileSync(file);
    const url = `/${path.relative(dir, file).split(path.sep).join('/')}`;
    assets.set(url, {
      type,
      identity,
      gzip: readIfPresent(`${file}.gz`),
      brotli: readIfPresent(`${file}.br`),
      etag: `"${createHash('sha256').update(identity).digest('hex').slice(0, 16)}"`,
      cacheControl: url.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
  return assets;
}

/** brotli, then gzip, then none, honouring `;q=0` refusals. */
export function acceptedEncoding(header: string | undefined): 'br' | 'gzip' | undefined {
  const accepted = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name !== undefined && !params.some((param) => /^\s*q=0(\.0*)?\s*$/.test(param))) accepted.add(name);
  }
  if (accepted.has('br')) return 'br';
  return accepted.has('gzip') ? 'gzip' : undefined;
}
