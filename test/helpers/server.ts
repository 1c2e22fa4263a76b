import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createRapport, type Rapport, type RapportOptions } from '../../src/rapport.js';
import type { Dialect } from '../../src/storage/database.js';
import { createTestStore, tempDir, type TestStore } from './databases.js';

export const WRITE_KEY = 'WK_TEST';
export const ADMIN_TOKEN = 'ADM';
export const WORKSPACE = 'default';

/** A Rapport on a fresh store of one dialect, in-process; `stop()` closes it and drops the store. */
export interface TestRapport {
  rapport: Rapport;
  store: TestStore;
  stop(): Promise<void>;
}

/**
 * Builds Rapport on a fresh store (temp SQLite dir or new PostgreSQL database) with the
 * write key WK_TEST and the admin token ADM, plus `extraEnv` settings. It does not listen: use `app.inject()`, or
 * `listen()` for real HTTP on loopback.
 * @example const { rapport, stop } = await startTestRapport('sqlite');
 */
export async function startTestRapport(dialect: Dialect, extraEnv: Record<string, string> = {}, options: { overrides?: Partial<Config>; rapport?: RapportOptions } = {}): Promise<TestRapport> {
  const store = await createTestStore(dialect);
  const env: Record<string, string> = {
    RAPPORT_DATA_DIR: dialect === 'sqlite' ? store.dataDir : tempDir(),
    RAPPORT_BOOTSTRAP_WRITE_KEY: WRITE_KEY,
    RAPPORT_BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN,
    RAPPORT_LOG_LEVEL: 'silent',
    // Load shedding follows the event loop's delay, so on a loaded CI machine it would turn
    // batches of tests about other things into 429s; admission.test.ts turns it on.
    RAPPORT_INGEST_SHED_LAG_MS: '0',
    ...extraEnv,
  };
  if (store.databaseUrl !== undefined) env.RAPPORT_DATABASE_URL = store.databaseUrl;
  // The processor (if wired) is not what these tests are about; keep the run deterministic.
  const rapport = await createRapport(loadConfig(env, { processor: 'off', ...options.overrides }), options.rapport);
  return {
    rapport,
    store,
    async stop() {
      await rapport.close();
      await store.drop();
    },
  };
}

/** Listens on 127.0.0.1 on a free port and returns the base URL (`http://127.0.0.1:PORT`). */
export async function listen(rapport: Rapport): Promise<{ url: string; port: number }> {
  await rapport.app.listen({ port: 0, host: '127.0.0.1' });
  const address = rapport.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  return { url: `http://127.0.0.1:${address.port}`, port: address.port };
}

/** `Authorization: Basic base64("<key>:")`, as every Segment client sends it. */
export function basicAuth(key: string, withColon = true): string {
  return `Basic ${Buffer.from(withColon ? `${key}:` : key).toString('base64')}`;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks one; a tiny race with other processes remains). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no TCP address'));
        else resolve(address.port);
      });
    });
  });
}

/** Longest wait for a spawned server's /healthz. */
const STARTUP_LIMIT_MS = 60_000;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const builtCli = path.join(repoRoot, 'dist', 'cli', 'main.js');

/** The built server (`node dist/cli/main.js start`) as a child process. */
export interface ServerProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** What the process wrote, for failure messages. */
  output(): string;
  /** Resolves with the exit code or signal once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns the built server on `port` with SQLite in `dataDir` and waits until /healthz answers.
 * Fails with a clear message when `dist/` has not been built.
 * @example const server = await spawnServer({ dataDir, port: await freePort() });
 */
export async function spawnServer(options: { dataDir: string; port: number; env?: Record<string, string> }): Promise<ServerProcess> {
  if (!fs.existsSync(builtCli)) {
    throw new Error(`${path.relative(repoRoot, builtCli)} is missing: run \`npm run build\` first (\`npm test\` builds before running vitest)`);
  }
  const child = spawn(process.execPath, [builtCli, 'start'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(options.port),
      HOST: '127.0.0.1',
      RAPPORT_DATA_DIR: options.dataDir,
      RAPPORT_BOOTSTRAP_WRITE_KEY: WRITE_KEY,
      RAPPORT_BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN,
      RAPPORT_LOG_LEVEL: 'warn',
      // As in startTestRapport: shedding by event-loop delay is not what these tests are about.
      RAPPORT_INGEST_SHED_LAG_MS: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    // Keep the tail only: enough to explain a failure.
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const url = `http://127.0.0.1:${options.port}`;
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  // Start-up is mostly module loading (about 1.5 s of CPU); on two cores shared with a full test
  // run it can take many times that in wall time, and a tight bound made the kill -9 tests flaky.
  const deadline = Date.now() + STARTUP_LIMIT_MS;
  for (;;) {
    if (ended) throw new Error(`the server exited before it listened; its output:\n${output}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`the server on port ${options.port} did not answer /healthz within ${STARTUP_LIMIT_MS / 1000} s; its output:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, port: options.port, url, output: () => output, exited };
}

/** Kills the process (SIGKILL unless told otherwise) and waits until it has ended. */
export async function stopServer(server: ServerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill(signal);
  await server.exited;
}
