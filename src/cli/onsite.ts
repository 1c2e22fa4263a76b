import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { type Onsite, type OnsiteReport, installStarters, starterCampaigns } from '../onsite/index.js';
import { createRapport } from '../rapport.js';
import { RapportError } from '../shared/errors.js';
import { DEFAULT_WORKSPACE } from '../workspaces/index.js';
import { helpText } from './command-help.js';

const USAGE = helpText('onsite');
const ACTIONS = ['list', 'create', 'show', 'pause', 'resume', 'report', 'starters'];

function invalid(message: string): never {
  throw new RapportError('invalid_request', message);
}

function time(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? invalid(`--${name} must be an ISO date such as 2026-11-01, got "${value}"`) : parsed;
}

const percent = (value: number | null) => (value === null ? '-' : `${(value * 100).toFixed(1)}%`);

/** One line per template type: the seed's table, from the data. */
function reportTable(report: OnsiteReport): string {
  const lines = ['type\tcampaigns\tvisitors\tCTR\tconversion\tholdout conversion\tuplift [95% CI]'];
  for (const row of report.types) {
    const uplift = row.uplift.conversionRate;
    const interval = uplift.ok ? `${percent(uplift.estimate)} [${percent(uplift.ci[0])}, ${percent(uplift.ci[1])}]` : `- (${uplift.reason})`;
    lines.push([row.type, row.campaigns, row.all.visitors, percent(row.all.ctr), percent(row.all.conversionRate), percent(row.holdout?.conversionRate ?? null), interval].join('\t'));
  }
  return `${lines.join('\n')}\n`;
}

async function run(
  onsite: Onsite,
  coupons: Parameters<typeof installStarters>[2]['coupons'],
  workspaceId: string,
  action: string,
  positionals: string[],
  values: { file?: string; activate?: boolean; from?: string; to?: string; table?: boolean; install?: boolean },
): Promise<number> {
  const { campaigns } = onsite;
  const id = () => positionals[0] ?? invalid('name the campaign by its id (see rapport onsite list)');
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  switch (action) {
    case 'list': {
      const list = await campaigns.list(workspaceId);
      if (list.length === 0) process.stdout.write('No on-site campaigns yet. Install the starters with: rapport onsite starters --install\n');
      for (const campaign of list) {
        const view = campaigns.view(campaign);
        process.stdout.write(`${view.id}\t${view.status}\t${view.type}\t${view.priority}\t${view.name}\n`);
      }
      return 0;
    }
    case 'create': {
      if (values.file === undefined) invalid('give the definition with --file F.json');
      const created = await campaigns.create(workspaceId, JSON.parse(fs.readFileSync(values.file, 'utf8')));
      print(campaigns.view(values.activate === true ? await campaigns.setState(workspaceId, created.id, 'active') : created));
      return 0;
    }
    case 'show':
      print(campaigns.view(await campaigns.get(workspaceId, id())));
      return 0;
    case 'pause':
    case 'resume':
      print(campaigns.view(await campaigns.setState(workspaceId, id(), action === 'pause' ? 'paused' : 'active')));
      return 0;
    case 'report': {
      const chosen = positionals[0] === undefined ? await campaigns.list(workspaceId) : [await campaigns.get(workspaceId, positionals[0])];
      const from = time(values.from, 'from');
      const to = time(values.to, 'to');
      const report = await onsite.reports.report(workspaceId, chosen, { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
      if (values.table === true) process.stdout.write(reportTable(report));
      else print(report);
      return 0;
    }
    case 'starters': {
      if (values.install !== true) {
        for (const starter of starterCampaigns) process.stdout.write(`${starter.key}\t${starter.type}\t${starter.name}\n`);
        return 0;
      }
      const result = await installStarters(workspaceId, campaigns, { coupons }, { activate: values.activate === true });
      for (const entry of result.installed) process.stdout.write(`${entry.created ? 'created' : 'exists '}\t${entry.status}\t${entry.id}\t${entry.name}\n`);
      return 0;
    }
    default:
      return 2;
  }
}

/**
 * `rapport onsite ...`: on-site campaigns from the command line, in-process on the store.
 * @example await onsiteCommand(['report', '--table']);
 */
export async function onsiteCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === undefined || action === 'help' || !ACTIONS.includes(action)) {
    process.stdout.write(`${USAGE}\n`);
    return action === undefined || action === 'help' ? 0 : 2;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        workspace: { type: 'string', short: 'w' },
        file: { type: 'string' },
        activate: { type: 'boolean' },
        from: { type: 'string' },
        to: { type: 'string' },
        table: { type: 'boolean' },
        install: { type: 'boolean' },
      },
    });
    const rapport = await createRapport(loadConfig(), { processor: 'off', logger: false, background: false });
    try {
      return await run(rapport.onsite, rapport.messaging.coupons, values.workspace ?? DEFAULT_WORKSPACE, action, positionals, values);
    } finally {
      await rapport.close();
    }
  } catch (error) {
    if (error instanceof RapportError) {
      const issues = error.issues.map((issue) => `\n  ${issue.field}: ${issue.message}`).join('');
      process.stderr.write(`rapport onsite: ${error.message}${issues}\n`);
      return 2;
    }
    throw error;
  }
}
