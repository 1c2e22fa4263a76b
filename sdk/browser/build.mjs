// Builds the browser SDK into content-hashed files plus a manifest the server reads
// (src/onsite/sdk-assets.ts). Order matters: widget chunks first, then the core (which carries
// the widget file map), then the loader (which carries the core's file name), so a change in any
// chunk changes the hash of every file that names it and long-cached copies never go stale.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const VERSION = JSON.parse(fs.readFileSync(path.join(here, '..', '..', 'package.json'), 'utf8')).version;

const common = { bundle: true, minify: true, write: false, platform: 'browser', target: 'es2020', legalComments: 'none', charset: 'utf8' };

function hashOf(text) {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

async function bundle(entry, options) {
  const result = await esbuild.build({ ...common, entryPoints: [entry], ...options });
  const file = result.outputFiles?.[0];
  if (file === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  return file.text;
}

/** Writes a file with its gzip and brotli twins (the server picks one by Accept-Encoding). */
function emit(outDir, name, text) {
  const target = path.join(outDir, name);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const buffer = Buffer.from(text);
  fs.writeFileSync(target, buffer);
  fs.writeFileSync(`${target}.gz`, zlib.gzipSync(buffer, { level: 9 }));
  fs.writeFileSync(`${target}.br`, zlib.brotliCompressSync(buffer, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
  return name;
}

/** Every `<type>.ts` (or .js) directly inside the given widget folders (their shared/ helpers are bundled in). */
function widgetEntries(dirs) {
  const entries = new Map();
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      const type = /^([a-z0-9_]+)\.(ts|js)$/.exec(name)?.[1];
      if (type !== undefined) entries.set(type, path.join(dir, name));
    }
  }
  return entries;
}

/**
 * Builds loader, core, widget chunks and service worker into `outDir` and writes manifest.json.
 * @example await buildSdk({ outDir: 'sdk/browser/dist' });
 */
export async function buildSdk({ outDir = path.join(here, 'dist'), widgetDirs = [path.join(here, 'src', 'widgets')] } = {}) {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const widgets = {};
  const hashes = {}; // what the core carries: type -> hash (the path is widgets/<type>.<hash>.js)
  for (const [type, entry] of widgetEntries(widgetDirs)) {
    const text = await bundle(entry, { format: 'esm' });
    hashes[type] = hashOf(text);
    widgets[type] = emit(outDir, `widgets/${type}.${hashes[type]}.js`, text);
  }
  const coreText = await bundle(path.join(here, 'src', 'core', 'index.ts'), {
    format: 'iife',
    define: { __RAPPORT_WIDGETS__: JSON.stringify(hashes), __RAPPORT_VERSION__: JSON.stringify(VERSION) },
  });
  const core = emit(outDir, `core.${hashOf(coreText)}.js`, coreText);
  const loaderText = await bundle(path.join(here, 'src', 'loader.ts'), { format: 'iife', define: { __RAPPORT_CORE__: JSON.stringify(core) } });
  const loader = emit(outDir, 'loader.js', loaderText);
  const sw = emit(outDir, 'sw.js', await bundle(path.join(here, 'src', 'sw.ts'), { format: 'iife' }));
  const manifest = { version: VERSION, loader, core, sw, widgets };
  fs.writeFileSync(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const manifest = await buildSdk();
  process.stdout.write(`sdk/browser: ${Object.keys(manifest.widgets).length} widget chunk(s), core ${manifest.core}\n`);
}
