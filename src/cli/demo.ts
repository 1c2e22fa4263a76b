import { parseArgs } from 'node:util';
import { loadOrCreateLinkSecret, LinkSigner } from '../channels/index.js';
import { loadConfig, type Config } from '../config/config.js';
import { DEMO_SOURCE, httpDemoApi, injectDemoApi, type DemoApi, type DemoCredentials } from '../demo/demo-api.js';
import { generateDemoStore, type DemoStore } from '../demo/generator.js';
import { runLive, type LiveStatus } from '../demo/live.js';
import { populateDemo } from '../demo/populate.js';
import { createRapport } from '../rapport.js';
import { RapportError } from '../shared/errors.js';
import { systemClock } from '../shared/clock.js';
import { openDatabase } from '../storage/database.js';
import { DEFAULT_WORKSPACE, WorkspaceService } from '../workspaces/index.js';
import { helpText } from './command-help.js';
import { createProgress, type Progress } from './progress.js';
import { serverAnswers, serverUrl, temporaryAdminToken } from './platform.js';

/** The write key the demo sends with: a source of its own, so its events are told apart. */

interface DemoArgs {
  customers: number;
  seed: number;
  days: number;
  end: number;
  live: boolean;
  bare: boolean;
  rate: number;
  duration: number | undefined;
  url: string | undefined;
  workspaceId: string;
}

function invalid(message: string): never {
  throw new RapportError('cli.usage', message);
}

function positiveInteger(name: string, text: string, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) invalid(`--${name} must be a whole number from 1 to ${max}, got "${text}"`);
  return value;
}

function parseDemoArgs(args: string[], now: number): DemoArgs {
  const { values } = parseArgs({
    args,
    options: {
      customers: { type: 'string', default: '500' },
      seed: { type: 'string', default: '1' },
      days: { type: 'string', default: '180' },
      end: { type: 'string' },
      live: { type: 'boolean' },
      bare: { type: 'boolean' },
      rate: { type: 'string', default: '40' },
      duration: { type: 'string' },
      url: { type: 'string' },
      workspace: { type: 'string', short: 'w' },
    },
  });
  let end = now;
  if (values.end !== undefined) {
    end = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(values.end) ? `${values.end}T00:00:00Z` : values.end);
    if (Number.isNaN(end)) invalid(`--end must be a date such as 2026-11-30 or 2026-11-30T18:00:00Z, got "${values.end}"`);
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) invalid(`--seed must be a whole number, got "${values.seed}"`);
  if (values.url !== undefined && !/^https?:\/\/[^/]+/.test(values.url)) invalid(`--url must be the server's http(s) address such as http://127.0.0.1:4000, got "${values.url}"`);
  return {
    customers: positiveInteger('customers', values.customers, 100_000),
    seed,
    days: positiveInteger('days', values.days, 3650),
    end,
    live: values.live === true,
    bare: values.bare === true,
    rate: positiveInteger('rate', values.rate, 6000),
    duration: values.duration === undefined ? undefined : positiveInteger('duration', values.duration, 31_536_000),
    url: values.url,
    workspaceId: values.workspace ?? DEFAULT_WORKSPACE,
  };
}

/** The demo source's write key (created once) and a temporary admin token, from the shared store. */
async function credentialsFrom(workspaces: WorkspaceService, workspaceId: string): Promise<{ credentials: DemoCredentials; tokenId: string }> {
  if ((await workspaces.getWorkspace(workspaceId)) === undefined) invalid(`no workspace "${workspaceId}"; leave out --workspace to use "${DEFAULT_WORKSPACE}"`);
  const keys = await workspaces.listWriteKeys(workspaceId);
  const key = keys.find((entry) => entry.name === DEMO_SOURCE && entry.revokedAt === null) ?? (await workspaces.createWriteKey(workspaceId, DEMO_SOURCE));
  const { adminToken, tokenId } = await temporaryAdminToken(workspaces, workspaceId, 'rapport demo');
  return { credentials: { writeKey: key.key, adminToken }, tokenId };
}

/** History, processing and the starter setup, with progress on the terminal. */
async function populate(api: DemoApi, store: DemoStore, options: DemoArgs): Promise<void> {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  let history: Progress | undefined;
  let onsite: Progress | undefined;
  let processing: { bar: Progress; total: number } | undefined;
  const result = await populateDemo(api, store, {
    bare: options.bare,
    onStage: (stage) => {
      if (stage === 'history-skipped') out(`The demo shop (seed ${options.seed}) is already loaded: its history is not sent again.`);
      if (stage === 'history') {
        const window = `${new Date(store.window.start).toISOString().slice(0, 10)} to ${new Date(store.window.end).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
        out(`Sending ${options.days} days of history (${window}) for ${options.customers} customers...`);
        history = createProgress(process.stderr, { label: 'demo history', unit: 'events' });
      }
      if (stage === 'onsite') {
        history?.finish();
        onsite = createProgress(process.stderr, { label: 'on-site history', unit: 'events' });
      }
      if (stage === 'processing') onsite?.finish();
    },
    onOnsiteProgress: (progress, campaigns) => onsite?.update(progress.events, `${campaigns} campaigns, ${progress.accepted} accepted`),
    onHistoryProgress: (progress) => history?.update(progress.events, `${progress.accepted} accepted`),
    // The server turns events into profiles while they arrive; the rest is waited for.
    onProcessing: (lag) => {
      if (lag === 0) return;
      processing ??= { bar: createProgress(process.stderr, { label: 'profiles', total: lag, unit: 'events' }), total: lag };
      processing.bar.update(Math.max(0, processing.total - lag), `${lag} to go`);
    },
  });
  if (result.history !== undefined) {
    const h = result.history;
    history?.finish(`${h.accepted} accepted, ${h.rejected} rejected`);
    out(`  ${h.products} products, ${h.events} events (${h.accepted} new, ${h.duplicates} already stored, ${h.rejected} rejected)`);
  }
  if (result.onsite !== undefined) {
    const o = result.onsite;
    onsite?.finish(`${o.accepted} accepted`);
    out(
      `  on-site history: ${o.campaigns} live campaigns, ${o.events} events (${o.accepted} new, ${o.duplicates} already stored, ${o.rejected} rejected); uplift per template: GET /api/v1/onsite/report`,
    );
  }
  processing?.bar.finish();
  if (options.bare) {
    out('--bare: no starter segments, journeys or A/B test installed.');
    return;
  }
  out('Starter setup:');
  for (const item of result.starter) {
    out(`  ${item.kind.padEnd(10)} ${item.name.padEnd(40)} ${item.skipped ?? (item.created ? `created ${item.id}` : `already there ${item.id}`)}`);
  }
}

function statusLine(status: LiveStatus): string {
  return `live: ${status.events} events, ${status.sessions} sessions, ${status.orders} orders, ${status.cartsAbandoned} carts abandoned, ${status.emailsOpened} emails opened, ${status.emailsClicked} clicked, ${status.priceDrops} price drops, ${status.restocks} restocks${status.errors > 0 ? `, ${status.errors} errors (last: ${status.lastError ?? ''})` : ''}`;
}

/** The link key the server signs with (shared through the store), read once for the demo's links. */
async function linkKeyOf(config: Config): Promise<Buffer> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await loadOrCreateLinkSecret(config, database, systemClock.now());
  } finally {
    await database.close();
  }
}

async function live(api: DemoApi, store: DemoStore, options: DemoArgs, config: Config): Promise<LiveStatus> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = options.duration === undefined ? undefined : setTimeout(stop, options.duration * 1000);
  const tty = process.stdout.isTTY === true;
  let lastLine = 0;
  process.stdout.write(
    `Live: ${options.rate} new sessions a minute${options.duration === undefined ? ' until Ctrl-C' : ` for ${options.duration} s`}. Watch segments fill: GET /api/v1/segments, journeys: GET /api/v1/journeys (docs/demo.md). Shop with the on-site campaigns at /demo/shop.\n`,
  );
  try {
    const signer = new LinkSigner(await linkKeyOf(config));
    const status = await runLive({
      api,
      store,
      runId: Date.now().toString(36),
      sessionsPerMinute: options.rate,
      signLink: (payload) => signer.sign(payload),
      workspaceId: options.workspaceId,
      seed: options.seed,
      signal: controller.signal,
      onStatus: (current) => {
        if (tty) process.stdout.write(`\r${statusLine(current)}\x1b[K`);
        else if (Date.now() - lastLine >= 10_000) {
          lastLine = Date.now();
          process.stdout.write(`${statusLine(current)}\n`);
        }
      },
    });
    process.stdout.write(`${tty ? '\r' : ''}${statusLine(status)}\nStopped.\n`);
    return status;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}

/**
 * `rapport demo [--live] ...`: a demo shop whose history ends now, a starter setup, and with
 * --live a stream of shoppers into the running server. With a server running everything goes
 * through its API; without one the history is written in-process.
 * @example await demoCommand(['--live', '--duration', '60']);
 */
export async function demoCommand(args: string[]): Promise<number> {
  let options: DemoArgs;
  try {
    options = parseDemoArgs(args, Date.now());
  } catch (error) {
    if (!(error instanceof RapportError) && !(error instanceof TypeError)) throw error;
    process.stderr.write(`rapport demo: ${error.message}\n\n${helpText('demo')}\n`);
    return 2;
  }
  const config = loadConfig();
  const url = options.url ?? serverUrl(config);
  const running = await serverAnswers(url);
  if (options.live && !running) {
    process.stderr.write(
      `rapport demo: no Rapport server answers at ${url}, and --live streams into a running server.\n` +
        `Start one in another terminal, from this directory and with the same environment (RAPPORT_DATA_DIR=${config.dataDir}${config.databaseUrl === undefined ? '' : ', RAPPORT_DATABASE_URL'}):\n` +
        `  npm start            (or: node dist/cli/main.js start)\n` +
        `then run "npm run demo" (or "rapport demo --live") again.${options.url === undefined ? '' : ''}\n`,
    );
    return 2;
  }
  // Links go to the storefront this server serves at /demo/shop.
  const store = generateDemoStore({ customers: options.customers, seed: options.seed, days: options.days, end: options.end, shopOrigin: options.url ?? config.publicUrl });
  try {
    if (running) {
      process.stdout.write(`Using the server at ${url}.\n`);
      // The CLI and the server share the store (RAPPORT_DATA_DIR or RAPPORT_DATABASE_URL): the demo
      // takes the write key of its source and a temporary admin token from there.
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: false });
      const workspaces = new WorkspaceService({ database, clock: systemClock });
      try {
        const { credentials, tokenId } = await credentialsFrom(workspaces, options.workspaceId);
        try {
          const api = httpDemoApi(url, credentials);
          const check = await api.request('GET', '/api/v1/processor');
          if (check.status === 401) {
            invalid(
              `the server at ${url} does not know the tokens of this store (${config.databaseUrl === undefined ? config.dataDir : 'RAPPORT_DATABASE_URL'}): start it and the demo with the same RAPPORT_DATA_DIR / RAPPORT_DATABASE_URL, or pass --url`,
            );
          }
          await populate(api, store, options);
          if (options.live) await live(api, store, options, config);
        } finally {
          await workspaces.revokeAdminToken(options.workspaceId, tokenId);
        }
      } finally {
        await database.close();
      }
      return 0;
    }
    process.stdout.write(`No server at ${url}: writing the demo shop directly into ${config.databaseUrl === undefined ? config.dataDir : 'the PostgreSQL store'}.\n`);
    const rapport = await createRapport(config, { logger: false });
    try {
      const { credentials, tokenId } = await credentialsFrom(rapport.workspaces, options.workspaceId);
      try {
        await populate(injectDemoApi(rapport.app, credentials), store, options);
        // History arrives all at once: store it compacted now instead of ten minutes from now.
        await rapport.compaction.runOnce({ afterMinutes: 0, reclaim: true });
      } finally {
        await rapport.workspaces.revokeAdminToken(options.workspaceId, tokenId);
      }
    } finally {
      await rapport.close();
    }
    process.stdout.write('Done. Start the server (npm start) and run "npm run demo" to watch the shop live.\n');
    return 0;
  } catch (error) {
    if (!(error instanceof RapportError)) throw error;
    process.stderr.write(`rapport demo: ${error.message}\n`);
    return 2;
  }
}
