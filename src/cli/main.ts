#!/usr/bin/env node
import { runCli } from './cli.js';

// `rapport segments list | head`: a reader that leaves early is no error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rapport: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
