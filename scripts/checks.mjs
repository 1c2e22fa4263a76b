#!/usr/bin/env node
/*
 * Runs the npm scripts named on the command line (`node scripts/checks.mjs typecheck lint …`) two at
 * a time (or as many as the machine has cores), longest first as listed, each with its output held
 * back and printed whole when it ends, so the lines of two tools never mix. Exits non-zero when any
 * failed, after every one has run: one run shows every problem. `npm test` runs its checks and the
 * build this way before Vitest; run one alone with `npm run <name>`.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

const names = process.argv.slice(2);
const slots = Math.max(1, Math.min(availableParallelism(), Number(process.env.RAPPORT_CHECKS_PARALLEL) || 2));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs `npm run <name>`; resolves with its exit code, its output and how long it took. */
function run(name) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(npm, ['run', '--silent', name], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' } });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('error', (error) => output.push(Buffer.from(`${error.message}\n`)));
    child.on('close', (code, signal) => resolve({ name, code: code ?? 1, signal, output: Buffer.concat(output).toString('utf8'), seconds: (Date.now() - started) / 1000 }));
  });
}

const queue = [...names];
const failed = [];
async function worker() {
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const result = await run(name);
    const status = result.code === 0 ? 'ok' : `FAILED (${result.signal ?? `exit ${result.code}`})`;
    process.stdout.write(`\n> npm run ${name}: ${status} in ${result.seconds.toFixed(1)} s\n${result.output}`);
    if (result.code !== 0) failed.push(name);
  }
}

await Promise.all(Array.from({ length: Math.min(slots, names.length) }, worker));
if (failed.length > 0) {
  process.stderr.write(`\nFailed: ${failed.join(', ')}\n`);
  process.exit(1);
}
