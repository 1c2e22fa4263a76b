import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSdk, type SdkManifest } from '../../sdk/browser/build.mjs';
import { tempDir } from '../helpers/databases.js';
import { startTestRapport, type TestRapport } from '../helpers/server.js';

/*
 * The SDK's byte budget (issue 15: loader <= 2 KB, core <= 12 KB, each widget chunk <= 5 KB,
 * gzip), no eval or Function constructor in any shipped file (strict CSP pages), and how
 * /sdk/v1/ serves the build: short cache for the loader, immutable hashed files, pre-compressed.
 */
const BUDGET = { loader: 2 * 1024, core: 12 * 1024, widget: 5 * 1024, sw: 2 * 1024 };

let outDir: string;
let manifest: SdkManifest;
let rapport: TestRapport;

beforeAll(async () => {
  outDir = tempDir();
  manifest = await buildSdk({ outDir });
  rapport = await startTestRapport('sqlite', { RAPPORT_SDK_DIR: outDir });
});
afterAll(async () => {
  await rapport?.stop();
});

function files(): Array<{ name: string; budget: number }> {
  return [
    { name: manifest.loader, budget: BUDGET.loader },
    { name: manifest.core, budget: BUDGET.core },
    { name: manifest.sw, budget: BUDGET.sw },
    ...Object.values(manifest.widgets).map((name) => ({ name, budget: BUDGET.widget })),
  ];
}

describe('browser SDK bundle', () => {
  it('keeps every file within its gzip byte budget', () => {
    const sizes = files().map(({ name, budget }) => ({ name, budget, gzip: zlib.gzipSync(fs.readFileSync(path.join(outDir, name)), { level: 9 }).length }));
    // The measured sizes, for the report and the closing note.
    process.stdout.write(`sdk sizes (gzip bytes): ${JSON.stringify(Object.fromEntries(sizes.map((entry) => [entry.name, entry.gzip])))}\n`);
    for (const entry of sizes) expect(entry.gzip, `${entry.name} gzip`).toBeLessThanOrEqual(entry.budget);
  });

  it('ships no eval and no Function constructor', () => {
    for (const { name } of files()) {
      const text = fs.readFileSync(path.join(outDir, name), 'utf8');
      expect(text, name).not.toMatch(/\beval\s*\(/);
      expect(text, name).not.toMatch(/new\s+Function\b|\bFunction\s*\(/);
    }
  });

  it('serves the loader with a short cache and the hashed core immutable, compressed as the client accepts', async () => {
    const app = rapport.rapport.app;
    const loader = await app.inject({ url: '/sdk/v1/loader.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(loader.statusCode).toBe(200);
    expect(loader.headers['cache-control']).toBe('public, max-age=300');
    expect(loader.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(loader.rawPayload).toString()).toContain(manifest.core);
    const core = await app.inject({ url: `/sdk/v1/${manifest.core}`, headers: { 'accept-encoding': 'gzip' } });
    expect(core.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(core.headers['content-encoding']).toBe('gzip');
    expect(core.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(core.headers['access-control-allow-origin']).toBe('*');
    expect(zlib.gunzipSync(core.rawPayload).equals(fs.readFileSync(path.join(outDir, manifest.core)))).toBe(true);
    const plain = await app.inject({ url: `/sdk/v1/${manifest.core}`, headers: { 'accept-encoding': 'br;q=0, gzip;q=0' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const again = await app.inject({ url: `/sdk/v1/${manifest.core}`, headers: { 'if-none-match': String(core.headers.etag) } });
    expect(again.statusCode).toBe(304);
    const worker = await app.inject({ url: '/sdk/v1/sw.js' });
    expect(worker.headers['service-worker-allowed']).toBe('/');
    const missing = await app.inject({ url: '/sdk/v1/core.0000000000.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
