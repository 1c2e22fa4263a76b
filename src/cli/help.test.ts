import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './cli.js';
import { commandHelp } from './command-help.js';
import type { CommandHelp } from './help.js';

/** Runs the CLI and returns what it wrote to stdout and stderr. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    const code = await runCli(argv);
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

const commands: [string, CommandHelp][] = Object.entries(commandHelp);
const actions: [string, string][] = commands.flatMap(([name, help]) => Object.keys(help.actions ?? {}).map((action): [string, string] => [name, action]));

describe('CLI help, generated from the command table', () => {
  let environment: string | undefined;
  beforeEach(() => {
    // Help must never open a store: point the data dir somewhere that would fail loudly.
    environment = process.env.RAPPORT_DATA_DIR;
    process.env.RAPPORT_DATA_DIR = '/nonexistent/rapport-help-test';
  });
  afterEach(() => {
    if (environment === undefined) delete process.env.RAPPORT_DATA_DIR;
    else process.env.RAPPORT_DATA_DIR = environment;
  });

  it('lists every command in the overview', async () => {
    for (const argv of [[], ['--help'], ['-h'], ['help']]) {
      const { code, out } = await run(argv);
      expect(code).toBe(0);
      for (const [name, help] of commands) expect(out).toContain(`  ${name.padEnd(12)} ${help.summary}`);
    }
  });

  it.each(commands)('rapport %s --help shows usage, options and an example', async (name, help) => {
    for (const argv of [
      [name, '--help'],
      [name, '-h'],
      ['help', name],
    ]) {
      const { code, out, err } = await run(argv);
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(out).toContain(`rapport ${name}: ${help.summary}`);
      expect(out).toContain(`Usage:\n  rapport ${name}`);
      expect(out).toMatch(/\nExamples?:\n {2}rapport /);
      for (const example of help.examples) {
        expect(example.startsWith(`${name}`) || example.includes(`rapport ${name}`)).toBe(true);
        expect(out).toContain(`  rapport ${example}`);
      }
      for (const [flag] of help.options ?? []) expect(out).toContain(flag);
      for (const action of Object.keys(help.actions ?? {})) expect(out).toMatch(new RegExp(`\\n {2}${action.replace(/[-]/g, '\\-')}[ \\n]`));
    }
  });

  it.each(actions)('rapport %s %s --help shows its usage, options and a working-shaped example', async (name, action) => {
    const help: CommandHelp = commandHelp[name as keyof typeof commandHelp];
    const entry = help.actions?.[action];
    const { code, out } = await run([name, action, '--help']);
    expect(code).toBe(0);
    expect(out).toContain(`rapport ${name} ${action}: ${entry?.summary ?? ''}`);
    expect(out).toContain(`Usage:\n  rapport ${name} ${action}`);
    // The example runs this very action.
    expect(entry?.example.startsWith(`${name} ${action}`)).toBe(true);
    expect(out).toContain(`Example:\n  rapport ${entry?.example ?? ''}`);
    for (const [flag] of [...(entry?.options ?? []), ...(help.options ?? [])]) expect(out).toContain(flag);
    expect((await run(['help', name, action])).out).toBe(out);
  });

  it('answers --help before parsing the command options, even after other options', async () => {
    const { code, out } = await run(['demo', '--customers', 'many', '--help']);
    expect(code).toBe(0);
    expect(out).toContain('rapport demo: ');
  });

  it('names the valid commands for an unknown one', async () => {
    const { code, err } = await run(['sgements', '--help']);
    expect(code).toBe(2);
    expect(err).toContain('unknown command "sgements"');
    expect(err).toContain('segments');
  });
});
