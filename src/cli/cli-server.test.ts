/*
 * The CLI next to a running server: commands run as child processes of the built CLI
 * (`dist/cli/main.js`, what `rapport` runs; `npm run build` first) against a server of this
 * process listening on loopback, over the same store, on SQLite and PostgreSQL. The build, not
 * the TypeScript loader: each run would otherwise compile the sources again, about twice the CPU.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { createRapport, type Rapport } from '../rapport.js';
import { createTestStore, dialects, tempDir, type TestStore } from '../../test/helpers/databases.js';
import { builtCli } from '../../test/helpers/server.js';

const run = promisify(execFile);
const admin = { authorization: 'Bearer ADM' };

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `rapport ARGS` in a child process with `env`; never throws on a non-zero exit. */
async function rapportCli(args: string[], env: Record<string, string>, cwd: string): Promise<CliRun> {
  try {
    if (!fs.existsSync(builtCli)) throw new Error(`${builtCli} is missing: run \`npm run build\` first (\`npm test\` builds before running vitest)`);
    const { stdout, stderr } = await run(process.execPath, [builtCli, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, cwd, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (typeof error !== 'object' || error === null || !('stdout' in error) || !('stderr' in error) || !('code' in error)) throw error;
    return { code: Number(error.code), stdout: String(error.stdout), stderr: String(error.stderr) };
  }
}

/** No warning of any kind and no processor failure in a CLI run's output. */
function expectQuiet(result: CliRun): void {
  const output = `${result.stdout}\n${result.stderr}`;
  expect(output).not.toMatch(/warn/i);
  expect(output).not.toContain('CursorMoved');
  expect(output).not.toContain('processor pass failed');
}

describe.each(dialects)('the CLI while a server runs (%s)', (dialect) => {
  let store: TestStore;
  let filesDir: string;
  let rapport: Rapport;
  let env: Record<string, string>;

  beforeAll(async () => {
    store = await createTestStore(dialect);
    filesDir = tempDir();
    const base = {
      RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM',
      RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK',
      RAPPORT_LOG_LEVEL: 'silent',
      RAPPORT_RECS_RETRAIN_MINUTES: '0',
      RAPPORT_ANALYTICS_SYNC_MS: '0',
      HOST: '127.0.0.1',
    };
    const location: Record<string, string> = store.databaseUrl === undefined ? { RAPPORT_DATA_DIR: store.dataDir } : { RAPPORT_DATABASE_URL: store.databaseUrl, RAPPORT_DATA_DIR: filesDir };
    rapport = await createRapport(loadConfig({ ...base, ...location }), { processor: 'inline', logger: false });
    await rapport.app.listen({ port: 0, host: '127.0.0.1' });
    const address = rapport.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    env = { ...base, ...location, PORT: String((address satisfies AddressInfo).port) };
    const now = Date.now();
    const batch = ['a', 'b', 'c'].flatMap((user, index) => [
      { type: 'track', userId: user, event: 'Product Viewed', messageId: `v-${user}`, timestamp: new Date(now - 3_600_000 * (index + 2)).toISOString(), properties: { product_id: 'p1' } },
      ...(index < 2
        ? [
            {
              type: 'track',
              userId: user,
              event: 'Order Completed',
              messageId: `o-${user}`,
              timestamp: new Date(now - 3_600_000 * (index + 1)).toISOString(),
              properties: { order_id: `o-${user}`, total: 10 },
            },
          ]
        : []),
    ]);
    const sent = await rapport.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: `Basic ${Buffer.from('WK:').toString('base64')}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ batch }),
    });
    expect(sent.statusCode).toBe(200);
    await rapport.processor.drain();
    await rapport.analytics.sync();
  }, 120_000);

  afterAll(async () => {
    await rapport.close();
    await store.drop();
    fs.rmSync(filesDir, { recursive: true, force: true });
  });

  it('lists no segments with a hint, then the same segments as the API', async () => {
    const empty = await rapportCli(['segments', 'list'], env, filesDir);
    expectQuiet(empty);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/^No segments yet\. Create one with: rapport segments create /);

    const created = await rapportCli(['segments', 'create', 'Buyers', '--condition', '{"type":"computed","key":"orders","op":"gte","value":1}'], env, filesDir);
    expectQuiet(created);
    expect(created.code).toBe(0);
    const listed = await rapportCli(['segments', 'list'], env, filesDir);
    expectQuiet(listed);
    const api: { segments: { id: string; name: string }[] } = (await rapport.app.inject({ method: 'GET', url: '/api/v1/segments', headers: admin })).json();
    expect(api.segments.map((segment) => segment.name)).toEqual(['Buyers']);
    expect(listed.stdout).toContain(api.segments[0]?.id);
    expect(listed.stdout).toContain('Buyers');
  }, 240_000);

  it("estimates and runs analytics through the server, with the API's answers", async () => {
    const condition = '{"type":"computed","key":"orders","op":"gte","value":1}';
    const estimate = await rapportCli(['segments', 'estimate', '--condition', condition], env, filesDir);
    expectQuiet(estimate);
    const api: { size: number; total: number } = (
      await rapport.app.inject({
        method: 'POST',
        url: '/api/v1/segments/estimate',
        headers: { ...admin, 'content-type': 'application/json' },
        payload: JSON.stringify({ condition: JSON.parse(condition) }),
      })
    ).json();
    expect(api.size).toBe(2);
    expect(JSON.parse(estimate.stdout)).toMatchObject({ size: api.size, total: api.total });

    // No dates: the last 30 days; dates as typed by people.
    const funnel = await rapportCli(['analytics', 'funnel', '--steps', 'Product Viewed,Order Completed'], env, filesDir);
    expectQuiet(funnel);
    expect(funnel.code).toBe(0);
    const steps: { steps: { profiles: number }[] } = JSON.parse(funnel.stdout);
    expect(steps.steps.map((step) => step.profiles)).toEqual([3, 2]);

    const from = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const kpis = await rapportCli(['analytics', 'kpis', '--from', from, '--to', to], env, filesDir);
    expectQuiet(kpis);
    expect(kpis.code).toBe(0);
    const apiKpis: unknown = (
      await rapport.app.inject({ method: 'GET', url: `/api/v1/analytics/kpis?from=${from}T00:00:00.000Z&to=${new Date(Date.parse(to) + 86_400_000).toISOString()}`, headers: admin })
    ).json();
    expect(JSON.parse(kpis.stdout)).toEqual(apiKpis);

    const replay = await rapportCli(['replay'], env, filesDir);
    expect(replay.code).toBe(2);
    expect(replay.stderr).toContain('stop it first');

    const bad = await rapportCli(['analytics', 'kpis', '--from', '2026-13-01'], env, filesDir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from: "2026-13-01" is not a date; use a date such as 2026-11-01, .*7d.*last-month/);
  }, 240_000);
});

describe('the CLI without a store', () => {
  it('refuses to create ./data silently and says where it looked and how to point elsewhere', async () => {
    const cwd = tempDir();
    try {
      const result = await rapportCli(['segments', 'list'], { RAPPORT_LOG_LEVEL: 'silent', PORT: '9' }, cwd);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`no Rapport store in ${path.join(fs.realpathSync(cwd), 'data')}`);
      expect(result.stderr).toContain('--data-dir DIR (or RAPPORT_DATA_DIR=DIR');
      expect(fs.existsSync(path.join(cwd, 'data'))).toBe(false);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  }, 120_000);
});
