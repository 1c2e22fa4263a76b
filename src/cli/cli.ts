import { stopOnSignal } from './shutdown.js';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, storeLocationChosen, useDataDir, type Config } from '../config/config.js';
import { openDatabase, refreshStatistics } from '../storage/database.js';
import { systemClock } from '../shared/clock.js';
import { ACCESS_SCOPES, DEFAULT_WORKSPACE, WRITE_KEY_SCOPES, WorkspaceService } from '../workspaces/index.js';
import fs from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { ImportFormat } from '../imports/index.js';
import { createProgress } from './progress.js';
import { commandHelp, isCommandName, type CommandName } from './command-help.js';
import { renderCommandHelp, renderOverview, wantsHelp } from './help.js';
import { missingStoreMessage, serverAnswers, serverUrl } from './platform.js';
import type { ProcessRole } from '../rapport.js';

// Each command's module is loaded when it runs: a command served by a running server must not
// pay for loading the whole platform.
const createRapport: typeof import('../rapport.js').createRapport = async (...args) => (await import('../rapport.js')).createRapport(...args);

/** What runs each command; typed by the help table, so every command has help and vice versa. */
const runners: Record<CommandName, (args: string[]) => Promise<number>> = {
  start: (args) => start(args),
  migrate: () => migrate(),
  keys,
  import: importFile,
  demo: async (args) => (await import('./demo.js')).demoCommand(args),
  replay: replayCommand,
  segments: async (args) => (await import('./segments.js')).segmentsCommand(args),
  recs: async (args) => (await import('./recs.js')).recsCommand(args),
  predict: async (args) => (await import('./predict.js')).predictCommand(args),
  clv: async (args) => (await import('./predict.js')).clvCommand(args),
  experiments: async (args) => (await import('./experiments.js')).experimentsCommand(args),
  journeys: async (args) => (await import('./journeys.js')).journeysCommand(args),
  onsite: async (args) => (await import('./onsite.js')).onsiteCommand(args),
  analytics: async (args) => (await import('./analytics.js')).analyticsCommand(args),
  channels: async (args) => (await import('./channels.js')).channelsCommand(args),
  help: async (args) => help(args),
};

/** `rapport help [COMMAND [ACTION]]`, `rapport COMMAND [ACTION] --help`. */
function help(args: readonly string[]): number {
  const [name, action] = args.filter((arg) => arg !== '--help' && arg !== '-h');
  if (name === undefined || !isCommandName(name)) {
    if (name !== undefined) {
      process.stderr.write(`rapport: unknown command "${name}"; the commands are ${Object.keys(commandHelp).join(', ')}\n\n${renderOverview(commandHelp)}`);
      return 2;
    }
    process.stdout.write(renderOverview(commandHelp));
    return 0;
  }
  process.stdout.write(renderCommandHelp(name, commandHelp[name], action));
  return 0;
}

/** Takes `--data-dir DIR` (any command) out of the arguments: it stands for RAPPORT_DATA_DIR. */
function takeDataDir(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? '';
    if (arg === '--') {
      out.push(...args.slice(index));
      break;
    }
    const inline = arg.startsWith('--data-dir=') ? arg.slice('--data-dir='.length) : undefined;
    const next = arg === '--data-dir' ? args[index + 1] : undefined;
    if (arg === '--data-dir' && (next === undefined || next.startsWith('-'))) throw new ConfigError('--data-dir needs a directory, e.g. --data-dir /var/lib/rapport');
    if (inline === undefined && next === undefined) {
      out.push(arg);
      continue;
    }
    useDataDir(inline ?? next ?? '');
    if (next !== undefined) index += 1;
  }
  return out;
}

/** Runs one CLI command; resolves to the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h') return help([]);
    if (!isCommandName(command)) return help([command]);
    if (wantsHelp(rest)) return help([command, ...rest.filter((arg) => !arg.startsWith('-'))]);
    const args = takeDataDir(rest);
    // Commands that create a store on purpose; the others refuse to start an empty one by mistake.
    if (command !== 'start' && command !== 'demo' && command !== 'migrate' && command !== 'help') {
      const refusal = missingStoreMessage(loadConfig(), storeLocationChosen(), command);
      if (refusal !== undefined) {
        process.stderr.write(refusal);
        return 2;
      }
    }
    return await runners[command](args);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`rapport: configuration error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

/** `--role api|worker|all` (or RAPPORT_ROLE): what a `start`ed process does; see `RapportOptions.role`. */
function startRole(args: string[], config: Config): ProcessRole {
  const { values } = parseArgs({ args, options: { role: { type: 'string' } }, strict: true });
  const role = values.role ?? config.role;
  if (role !== 'api' && role !== 'worker' && role !== 'all') throw new ConfigError(`--role (or RAPPORT_ROLE) must be api, worker or all, not "${role}"`);
  return role;
}

async function start(args: string[]): Promise<number> {
  const config = loadConfig();
  const role = startRole(args, config);
  const rapport = await createRapport(config, { role });
  const { bootstrap } = rapport;
  if (bootstrap.created) {
    rapport.app.log.info({ workspace: bootstrap.workspace.id }, 'created workspace "default"');
    process.stdout.write(
      `\nFirst start: workspace "default" created.\n  write key:   ${bootstrap.writeKey ?? '(from RAPPORT_BOOTSTRAP_WRITE_KEY)'}\n  admin token: ${bootstrap.adminToken ?? '(from RAPPORT_BOOTSTRAP_ADMIN_TOKEN)'}  (shown once; stored hashed)\n\n`,
    );
  }
  const address = await rapport.app.listen({ port: config.port, host: config.host });
  if (rapport.firstOwner !== undefined) {
    const { email, invitationToken, expiresAt } = rapport.firstOwner;
    process.stdout.write(
      `First start: dashboard owner ${email} created.\n  set its password in the browser: ${address}/welcome?invitation=${invitationToken}\n  or by API: POST /api/v1/invitations/${invitationToken}/accept {"password": "..."}  (shown once; valid until ${new Date(expiresAt).toISOString()})\n\n`,
    );
  }
  process.stdout.write(`Rapport listening on ${address} (${rapport.database.dialect}, role ${role}); the dashboard is at ${address}/\n`);
  return stopOnSignal(rapport, { timeoutMs: config.operations.shutdownTimeoutMs, log: rapport.app.log });
}

async function migrate(): Promise<number> {
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: false });
  try {
    const { migrateToLatest } = await import('../storage/migrator.js');
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) await refreshStatistics(database);
    process.stdout.write(applied.length === 0 ? 'Schema is up to date.\n' : `Applied ${applied.join(', ')}\n`);
  } finally {
    await database.close();
  }
  return 0;
}

/** `30d`, `12h` or an ISO-8601 instant; null when it is none of them. */
function parseExpiry(text: string, now: number): number | null {
  const relative = /^(\d{1,5})([dh])$/.exec(text);
  if (relative !== null) return now + Number(relative[1]) * (relative[2] === 'd' ? 86_400_000 : 3_600_000);
  const parsed = Date.parse(text);
  return Number.isFinite(parsed) ? parsed : null;
}

/** A comma list of `known` names, or null when it names anything else or nothing. */
function parseScopes<T extends string>(text: string, known: readonly T[]): T[] | null {
  const names = text.split(',').map((name) => name.trim());
  const scopes = known.filter((scope) => names.includes(scope));
  return scopes.length === names.length && scopes.length > 0 ? scopes : null;
}

function expiryNote(expiresAt: number | null): string {
  return expiresAt === null ? '' : `  (expires ${new Date(expiresAt).toISOString()})`;
}

async function keys(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { workspace: { type: 'string', short: 'w' }, scopes: { type: 'string' }, expires: { type: 'string' } },
  });
  const workspaceId = values.workspace ?? DEFAULT_WORKSPACE;
  const expiresAt = values.expires === undefined ? undefined : parseExpiry(values.expires, Date.now());
  const [action, name] = positionals;
  // Write keys and admin tokens have scopes of their own.
  const forKey = action === 'create-key';
  const scopeNames: readonly string[] = forKey ? WRITE_KEY_SCOPES : ACCESS_SCOPES;
  const keyScopes = values.scopes === undefined ? undefined : parseScopes(values.scopes, WRITE_KEY_SCOPES);
  const scopes = values.scopes === undefined ? undefined : parseScopes(values.scopes, ACCESS_SCOPES);
  if (expiresAt === null || (forKey ? keyScopes : scopes) === null) {
    process.stderr.write(`rapport: --expires takes 30d, 12h or an ISO-8601 instant; --scopes takes a comma list of ${scopeNames.join(', ')}\n`);
    return 2;
  }
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const workspaces = new WorkspaceService({ database, clock: systemClock });
  try {
    await workspaces.bootstrap({ writeKey: config.bootstrapWriteKey, adminToken: config.bootstrapAdminToken });
    if ((await workspaces.getWorkspace(workspaceId)) === undefined) {
      process.stderr.write(`rapport: no workspace "${workspaceId}"\n`);
      return 2;
    }
    switch (action) {
      case undefined:
      case 'list': {
        const out: string[] = [`Workspace ${workspaceId}`, 'Write keys:'];
        for (const key of await workspaces.listWriteKeys(workspaceId)) {
          out.push(`  ${key.id}  ${key.key}  [${key.scopes.join(',')}]  ${key.name}${key.revokedAt === null ? '' : '  (revoked)'}${expiryNote(key.expiresAt)}`);
        }
        out.push('Admin tokens (secrets are stored hashed and never shown again):');
        for (const token of await workspaces.listAdminTokens(workspaceId)) {
          out.push(`  ${token.id}  ${token.scope}  [${token.scopes.join(',')}]  ${token.name}${token.revokedAt === null ? '' : '  (revoked)'}${expiryNote(token.expiresAt)}`);
        }
        process.stdout.write(`${out.join('\n')}\n`);
        return 0;
      }
      case 'create-key': {
        const key = await workspaces.createWriteKey(workspaceId, name ?? 'New source', { scopes: keyScopes ?? undefined, expiresAt });
        process.stdout.write(`${key.key}\n`);
        return 0;
      }
      case 'create-token': {
        const created = await workspaces.createAdminToken(workspaceId, name ?? 'CLI token', 'workspace', { scopes: scopes ?? undefined, expiresAt });
        process.stdout.write(`${created.plain}\n`);
        return 0;
      }
      case 'revoke-key':
      case 'revoke-token': {
        if (name === undefined) {
          process.stderr.write(`rapport: keys ${action} needs the id (see \`rapport keys\`)\n`);
          return 2;
        }
        if (action === 'revoke-key') await workspaces.revokeWriteKey(workspaceId, name);
        else await workspaces.revokeAdminToken(workspaceId, name);
        process.stdout.write(`revoked ${name}\n`);
        return 0;
      }
      default:
        process.stderr.write(`rapport: unknown keys action "${action}"; use list, create-key NAME, create-token NAME, revoke-key ID, revoke-token ID\n`);
        return 2;
    }
  } finally {
    await database.close();
  }
}

/** `import KIND FILE`: format from --format or the extension (.csv, .ndjson, .jsonl, optionally .gz). */
async function importFile(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { workspace: { type: 'string', short: 'w' }, format: { type: 'string' }, 'default-country': { type: 'string' } },
  });
  const [kind, file] = positionals;
  const { isImportKind, importKinds } = await import('../imports/index.js');
  if (kind === undefined || file === undefined || !isImportKind(kind)) {
    process.stderr.write(`rapport: usage: rapport import <${importKinds.join('|')}> FILE [--format csv|ndjson] [--workspace W] [--default-country XX]\n`);
    return 2;
  }
  if (!fs.existsSync(file)) {
    process.stderr.write(`rapport: no such file: ${file}\n`);
    return 2;
  }
  const gzipped = file.endsWith('.gz');
  const base = gzipped ? file.slice(0, -3) : file;
  const format: ImportFormat | undefined =
    values.format === 'csv' || values.format === 'ndjson' ? values.format : base.endsWith('.csv') ? 'csv' : /\.(ndjson|jsonl)$/.test(base) ? 'ndjson' : undefined;
  if (format === undefined) {
    process.stderr.write('rapport: cannot tell the format from the file name; pass --format csv or --format ndjson\n');
    return 2;
  }
  const config = loadConfig();
  const rapport = await createRapport(config, { processor: 'off', background: false });
  try {
    const workspaceId = values.workspace ?? DEFAULT_WORKSPACE;
    const totalBytes = fs.statSync(file).size;
    const raw = fs.createReadStream(file);
    // The percent follows the bytes read from disk, compressed or not.
    let read = 0;
    raw.on('data', (chunk) => {
      read += chunk.length;
    });
    const source: Readable = gzipped ? raw.pipe(createGunzip()) : raw;
    const bar = createProgress(process.stderr, { label: `import ${kind}`, total: totalBytes, unit: 'bytes' });
    const job = await rapport.imports.runImport(
      workspaceId,
      { kind, format, source, name: file, totalBytes: gzipped ? undefined : totalBytes, defaultCountry: values['default-country'] },
      { onProgress: (progress) => bar.update(gzipped ? read : progress.bytesDone, `${progress.rowsOk} rows, ${progress.rowsFailed} bad`) },
    );
    bar.finish(`${job.rowsOk} rows, ${job.rowsFailed} bad`);
    for (const error of job.errors.slice(0, 20)) process.stdout.write(`line ${error.line}: ${error.reason}\n`);
    if (job.rowsFailed > 20) process.stdout.write(`... ${job.rowsFailed - 20} more bad rows (GET /api/v1/imports/${job.id} lists the first 1000)\n`);
    process.stdout.write(`${job.status}: ${job.rowsOk} rows imported, ${job.rowsFailed} rejected (job ${job.id})\n`);
    return job.status === 'completed' ? 0 : 1;
  } finally {
    await rapport.close();
  }
}

/** `replay`: drop and rebuild every profile, identity and timeline row from the event log. */
async function replayCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { workspace: { type: 'string', short: 'w' } } });
  const workspaceId = values.workspace ?? DEFAULT_WORKSPACE;
  const config = loadConfig();
  // Replay rewrites what the server's processor writes: never both at once.
  if (await serverAnswers(serverUrl(config))) {
    process.stderr.write(`rapport replay: a Rapport server answers at ${serverUrl(config)}; stop it first (replay rebuilds the profiles its processor writes), then run replay and start it again.\n`);
    return 2;
  }
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const bar = createProgress(process.stderr, { label: `replay ${workspaceId}`, unit: 'events' });
    const started = Date.now();
    const { IdentityRulesStore } = await import('../identity/index.js');
    const { replay } = await import('../processor/index.js');
    const rules = new IdentityRulesStore({ database, clock: systemClock });
    await rules.refresh();
    const result = await replay(database, workspaceId, { batchSize: config.processorBatchSize, identityRules: rules.rulesFor, onProgress: (done, total) => bar.update(done, `of ${total}`) });
    bar.finish();
    process.stdout.write(`replayed ${result.events} log positions into workspace ${workspaceId} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return 0;
  } finally {
    await database.close();
  }
}
