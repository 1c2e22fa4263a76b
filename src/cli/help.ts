/*
 * The CLI's help, generated from one table of commands (command-help.ts): `rapport --help`,
 * `rapport <command> --help` and `rapport <command> <action> --help` all render from it, and
 * the runner table in cli.ts is typed by the same names, so a command cannot exist without help.
 */

/** One option: its flag as typed (`--days N`, `-w, --workspace W`) and what it does. */
export type OptionHelp = readonly [flag: string, description: string];

/** One action of a command (`segments create`). */
export interface ActionHelp {
  /** Arguments and options after the action name, e.g. `NAME --condition JSON|@FILE`. */
  args?: string;
  summary: string;
  options?: readonly OptionHelp[];
  /** A complete command line that works (without the leading `rapport`). */
  example: string;
}

export interface CommandHelp {
  summary: string;
  /** Arguments after the command name in the usage line, e.g. `<action> [options]`. */
  args?: string;
  /** Longer explanation shown under the summary. */
  details?: string;
  /** Options every action accepts (or the command's own, when it has no actions). */
  options?: readonly OptionHelp[];
  actions?: Readonly<Record<string, ActionHelp>>;
  /** Complete command lines that work (without the leading `rapport`); at least one. */
  examples: readonly [string, ...string[]];
}

/** `--help` or `-h` anywhere before a `--` separator. */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

function column(rows: readonly (readonly [string, string])[], indent = '  '): string[] {
  const width = Math.min(34, Math.max(...rows.map(([left]) => left.length)));
  return rows.map(([left, right]) => (left.length > width ? `${indent}${left}\n${indent}${' '.repeat(width + 2)}${right}` : `${indent}${left.padEnd(width)}  ${right}`));
}

/**
 * The overview: every command with its summary.
 * @example process.stdout.write(renderOverview(commandHelp));
 */
export function renderOverview(commands: Readonly<Record<string, CommandHelp>>): string {
  const lines = ['Usage: rapport <command> [options]', '', 'Commands:'];
  lines.push(...column(Object.entries(commands).map(([name, help]) => [name, help.summary])));
  lines.push('', 'Run "rapport <command> --help" for its options and examples, "rapport <command> <action> --help" for one action.');
  lines.push('Configuration comes from the environment (RAPPORT_DATA_DIR, RAPPORT_DATABASE_URL, PORT, ...); see docs/configuration.md.');
  lines.push('Every command takes --data-dir DIR (instead of RAPPORT_DATA_DIR). With a server running, commands go through its API (docs/cli.md).');
  return `${lines.join('\n')}\n`;
}

/**
 * Help for one command, or for one of its actions when `action` names one.
 * @example renderCommandHelp('segments', commandHelp.segments, 'create');
 */
export function renderCommandHelp(name: string, help: CommandHelp, action?: string): string {
  const actionHelp = action === undefined ? undefined : help.actions?.[action];
  if (action !== undefined && actionHelp !== undefined) {
    const lines = [`rapport ${name} ${action}: ${actionHelp.summary}`, '', 'Usage:', `  rapport ${name} ${action}${actionHelp.args === undefined ? '' : ` ${actionHelp.args}`}`];
    const options = [...(actionHelp.options ?? []), ...(help.options ?? [])];
    if (options.length > 0) lines.push('', 'Options:', ...column(options));
    lines.push('', 'Example:', `  rapport ${actionHelp.example}`);
    return `${lines.join('\n')}\n`;
  }
  const lines = [`rapport ${name}: ${help.summary}`];
  if (help.details !== undefined) lines.push('', help.details);
  lines.push('', 'Usage:', `  rapport ${name}${help.args === undefined ? '' : ` ${help.args}`}`);
  const actions = Object.entries(help.actions ?? {});
  if (actions.length > 0) lines.push('', 'Actions:', ...column(actions.map(([actionName, entry]) => [`${actionName}${entry.args === undefined ? '' : ` ${entry.args}`}`, entry.summary])));
  if (help.options !== undefined && help.options.length > 0) lines.push('', 'Options:', ...column(help.options));
  lines.push('', help.examples.length > 1 ? 'Examples:' : 'Example:', ...help.examples.map((example) => `  rapport ${example}`));
  if (actions.length > 0) lines.push('', `Run "rapport ${name} <action> --help" for one action's options and an example.`);
  return `${lines.join('\n')}\n`;
}
