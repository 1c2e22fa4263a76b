import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config/config.js';
import { CouponService } from '../coupons/index.js';
import { createJourneys, StoreRecordingSender } from '../journeys/index.js';
import { systemClock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { openDatabase, type Database } from '../storage/database.js';
import { TemplateService } from '../templates/index.js';
import { helpText } from './command-help.js';

const USAGE = helpText('journeys');

/** `ROLE=ID` pairs of --template / --coupon. */
function roleIds(pairs: string[], flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) throw new RapportError('cli.usage', `${flag} takes ROLE=ID (e.g. ${flag} reminder=my-template), got "${pair}"`);
    result[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return result;
}

const journeysOptions = {
  workspace: { type: 'string', short: 'w' },
  activate: { type: 'boolean' },
  'window-days': { type: 'string' },
  assume: { type: 'string', multiple: true },
  key: { type: 'string' },
  template: { type: 'string', multiple: true },
  coupon: { type: 'string', multiple: true },
  'start-at': { type: 'string' },
  currency: { type: 'string' },
} as const;

type JourneysValues = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof journeysOptions }>>['values'];

/**
 * The journeys module for the CLI. The CLI only changes definitions and enqueues runs; the server's
 * scheduler executes the steps with its sender. Templates are checked as the server will use them:
 * they must exist unless journeys only record (RAPPORT_JOURNEY_DELIVERY=record, see createRapport).
 */
function cliJourneys(config: Config, database: Database): ReturnType<typeof createJourneys> {
  return createJourneys({
    database,
    clock: systemClock,
    sender: new StoreRecordingSender({ database }),
    ...(config.journeyDelivery === 'record'
      ? { templates: async () => [] }
      : { recipeSupplies: { templates: new TemplateService({ database, clock: systemClock }), coupons: new CouponService({ database, clock: systemClock }) } }),
  });
}

/** `recipe NAME`: installs a recipe with the templates and coupon pools it uses (created or given by role). */
async function installRecipe(service: ReturnType<typeof createJourneys>['service'], workspaceId: string, name: string, values: JourneysValues, out: (value: unknown) => void): Promise<void> {
  const { journey, templates, coupons } = await service.installRecipe(workspaceId, name, {
    ...(values.template === undefined ? {} : { templates: roleIds(values.template, '--template') }),
    ...(values.coupon === undefined ? {} : { coupons: roleIds(values.coupon, '--coupon') }),
    ...(values['start-at'] === undefined ? {} : { startAt: values['start-at'] }),
    ...(values.currency === undefined ? {} : { currency: values.currency }),
    activate: values.activate === true,
  });
  out(`${journey.id}  ${journey.status}  ${journey.name}`);
  for (const supply of [...templates.map((entry) => ({ ...entry, kind: 'template' })), ...coupons.map((entry) => ({ ...entry, kind: 'coupon pool' }))]) {
    out(`  ${supply.kind.padEnd(11)} ${supply.role.padEnd(12)} ${supply.id}${supply.created ? '  (created)' : ''}`);
  }
}

/**
 * `rapport journeys ...`: manage journeys on the configured store.
 * @example await journeysCommand(['report', 'jny_abc']);
 */
export async function journeysCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: journeysOptions });
  const [action, first, second] = positionals;
  if (action === undefined || action === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return action === undefined ? 2 : 0;
  }
  const workspaceId = values.workspace ?? 'default';
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const journeys = cliJourneys(config, database);
  const { service } = journeys;
  const out = (value: unknown): void => {
    process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);
  };
  const need = (value: string | undefined, what: string): string => {
    if (value === undefined) throw new RapportError('cli.usage', `missing ${what}; see "rapport journeys help"`);
    return value;
  };
  try {
    switch (action) {
      case 'list': {
        const list = await service.list(workspaceId);
        out(
          list.length === 0
            ? 'No journeys yet. Install a ready one with: rapport journeys recipe abandoned-cart (rapport journeys --help lists the recipes)'
            : list.map((journey) => `${journey.id}  ${journey.status.padEnd(8)}  v${journey.version}  ${journey.name}`).join('\n'),
        );
        return 0;
      }
      case 'show': {
        const journey = await service.get(workspaceId, need(first, 'journey id'));
        if (journey === undefined) throw new RapportError('not_found', `no journey "${first ?? ''}"`);
        out(journey);
        return 0;
      }
      case 'create': {
        const file = need(first, 'definition file');
        const journey = await service.create(workspaceId, JSON.parse(fs.readFileSync(file, 'utf8')));
        out(`${journey.id}  created (draft)`);
        return 0;
      }
      case 'recipe':
        await installRecipe(service, workspaceId, need(first, 'recipe name'), values, out);
        return 0;
      case 'activate':
      case 'pause':
      case 'resume':
      case 'archive': {
        const journey = await service[action](workspaceId, need(first, 'journey id'));
        out(`${journey.id}  ${journey.status}`);
        return 0;
      }
      case 'report': {
        const window = values['window-days'];
        const windowDays = window === undefined ? undefined : Number(window);
        if (windowDays !== undefined && (!Number.isInteger(windowDays) || windowDays < 1)) throw new RapportError('cli.usage', `--window-days must be a whole number of days, got "${window ?? ''}"`);
        out(await service.report(workspaceId, need(first, 'journey id'), windowDays === undefined ? {} : { windowDays }));
        return 0;
      }
      case 'dry-run': {
        const steps = await service.dryRun(workspaceId, need(first, 'journey id'), need(second, 'profile id'), values.assume === undefined ? {} : { assumeEvents: values.assume });
        out(steps.map((step) => `${step.at}  ${step.nodeId.padEnd(16)} ${step.type.padEnd(14)} ${step.detail}`).join('\n'));
        return 0;
      }
      case 'enter': {
        const result = await service.enter(workspaceId, need(first, 'journey id'), { profileId: need(second, 'profile id'), ...(values.key === undefined ? {} : { entryKey: values.key }) });
        out(result.runIds.length === 0 ? 'Not entered (entry rules).' : `Entered: ${result.runIds.join(', ')}`);
        return 0;
      }
      case 'dead-jobs': {
        const dead = await journeys.scheduler.deadLetters(workspaceId);
        out(dead.length === 0 ? 'No dead jobs.' : dead.map((job) => `${job.key}  ${job.kind}  ${job.deadReason ?? ''}`).join('\n'));
        return 0;
      }
      default:
        process.stderr.write(`rapport journeys: unknown action "${action}"\n\n${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    if (error instanceof RapportError) {
      process.stderr.write(`rapport journeys: ${error.message}\n${error.issues.map((issue) => `  ${issue.field}: ${issue.message}\n`).join('')}`);
      return 1;
    }
    throw error;
  } finally {
    await database.close();
  }
}
