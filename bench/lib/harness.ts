import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../../test/helpers/server.js';

/** What the benchmark ran on, printed with every result. */
export function machine(): { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string } {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

export interface ServerProcess {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node dist/cli/main.js start` and waits until /healthz answers. */
export async function startServer(env: Record<string, string>, options: { startupMs?: number } = {}): Promise<ServerProcess> {
  const entry = path.resolve('dist/cli/main.js');
  if (!fs.existsSync(entry)) throw new Error('dist/cli/main.js is missing: run `npm run build` first');
  const port = await freePort();
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const child = spawn(process.execPath, [...nodeArgs, entry, 'start'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', RAPPORT_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + (options.startupMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    try {
      const response = await request({ port, method: 'GET', path: '/healthz' });
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      // Not left running on a data dir the caller is about to remove.
      child.kill('SIGKILL');
      throw new Error(`server did not answer /healthz within ${(options.startupMs ?? 30_000) / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface HttpResult {
  status: number;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function request(options: { port: number; method: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: options.port, method: options.method, path: options.path, headers: options.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** One-line progress on stderr, so stdout's last line stays the JSON result. */
export function progress(label: string, done: number, total: number): void {
  if (!process.stderr.isTTY) return;
  const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
  process.stderr.write(`\r${label} ${percent}% (${done}/${total})   `);
  if (done >= total) process.stderr.write('\n');
}

/** One query on a connection of its own (bench set-up and verification, not the measured path). */
export async function pgQuery<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
