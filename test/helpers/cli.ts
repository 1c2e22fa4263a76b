import fs from 'node:fs';
import { afterEach, beforeEach, vi } from 'vitest';
import { tempDir } from './databases.js';

/** What a CLI command wrote; reset before each test. */
export interface CliOutput {
  out: string;
  err: string;
  dir: string;
}

/**
 * Registers hooks that give each test a fresh SQLite data dir in the environment and capture
 * stdout/stderr, restoring both afterwards. Call inside `describe`.
 * @example const io = captureCli({ RAPPORT_JOURNEY_DELIVERY: 'record' }); ... expect(io.out).toContain('...');
 */
export function captureCli(env: Record<string, string> = {}): CliOutput {
  const io: CliOutput = { out: '', err: '', dir: '' };
  const saved = { ...process.env };
  beforeEach(() => {
    io.dir = tempDir();
    process.env.RAPPORT_DATA_DIR = io.dir;
    process.env.RAPPORT_LOG_LEVEL = 'silent';
    Object.assign(process.env, env);
    delete process.env.RAPPORT_DATABASE_URL;
    io.out = '';
    io.err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      io.out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      io.err += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.env = { ...saved };
    fs.rmSync(io.dir, { recursive: true, force: true });
  });
  return io;
}
