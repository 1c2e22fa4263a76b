import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { createRapport } from '../rapport.js';
import { RapportError } from '../shared/errors.js';
import { minimumDetectableEffect, sampleSizePerVariant } from '../experiments/index.js';
import { DEFAULT_WORKSPACE } from '../workspaces/index.js';
import { createProgress } from './progress.js';
import { helpText } from './command-help.js';

const USAGE = helpText('experiments');

/**
 * `rapport experiments ...`: manage experiments and read results from the command line.
 * @example await experimentsCommand(['results', 'hello-bar']);
 */
export async function experimentsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  try {
    if (action === 'power') return power(rest);
    if (action === undefined || action === 'help' || !['list', 'create', 'start', 'stop', 'promote', 'results', 'evaluate'].includes(action)) {
      process.stdout.write(`${USAGE}\n`);
      return action === undefined || action === 'help' ? 0 : 2;
    }
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { workspace: { type: 'string', short: 'w' }, file: { type: 'string' } } });
    const workspaceId = values.workspace ?? DEFAULT_WORKSPACE;
    const rapport = await createRapport(loadConfig(), { processor: 'off', logger: false, background: false });
    try {
      const experiments = rapport.experiments;
      const key = () => positionals[0] ?? invalid('name the experiment (its key or id)');
      const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
      switch (action) {
        case 'list': {
          const list = await experiments.list(workspaceId);
          if (list.length === 0) process.stdout.write('No experiments yet. Create one with: rapport experiments create --file experiment.json (see rapport experiments create --help)\n');
          for (const experiment of list) process.stdout.write(`${experiment.key}\t${experiment.status}\t${experiment.winner ?? '-'}\t${experiment.name}\n`);
          return 0;
        }
        case 'create': {
          if (values.file === undefined) invalid('give the definition with --file F.json');
          const input: unknown = JSON.parse(fs.readFileSync(values.file, 'utf8'));
          print(await experiments.create(workspaceId, input));
          return 0;
        }
        case 'start':
          print(await experiments.start(workspaceId, key()));
          return 0;
        case 'stop':
          print(await experiments.stop(workspaceId, key()));
          return 0;
        case 'promote':
          print(await experiments.promote(workspaceId, key(), positionals[1] ?? invalid('name the variant to promote')));
          return 0;
        case 'results': {
          const results = await experiments.results(workspaceId, key());
          process.stderr.write(`${results.verdict.text}\n`);
          for (const warning of results.warnings) process.stderr.write(`warning (${warning.code}): ${warning.message}\n`);
          print(results);
          return 0;
        }
        case 'evaluate': {
          const running = await experiments.list(workspaceId, 'running');
          const bar = createProgress(process.stderr, { label: 'evaluate experiments', total: running.length, unit: 'experiments' });
          let done = 0;
          for (const experiment of running) {
            if (experiment.definition.allocation === 'thompson') await experiments.rebalance(workspaceId, experiment.id);
            const results = await experiments.results(workspaceId, experiment.id);
            bar.update(++done, experiment.key);
            print({ experiment: experiment.key, verdict: results.verdict, promoted: results.promoted, warnings: results.warnings.map((warning) => warning.code) });
          }
          bar.finish(`${running.length} evaluated`);
          return 0;
        }
        default:
          return 2;
      }
    } finally {
      await rapport.close();
    }
  } catch (error) {
    if (error instanceof RapportError) {
      process.stderr.write(`rapport experiments: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function power(args: string[]): number {
  const { values } = parseArgs({ args, options: { baseline: { type: 'string' }, effect: { type: 'string' }, units: { type: 'string' }, alpha: { type: 'string' }, power: { type: 'string' } } });
  const number = (name: string, value: string | undefined, fallback?: number): number => {
    if (value === undefined) return fallback ?? invalid(`--${name} is required`);
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) invalid(`--${name} must be a number, got "${value}"`);
    return parsed;
  };
  const baseline = number('baseline', values.baseline);
  if (!(baseline > 0 && baseline < 1)) invalid('--baseline is a conversion rate between 0 and 1, e.g. 0.05');
  const alpha = number('alpha', values.alpha, 0.05);
  const target = number('power', values.power, 0.8);
  const variance = baseline * (1 - baseline);
  const result: Record<string, number> = {};
  if (values.effect !== undefined) result.unitsPerVariant = sampleSizePerVariant({ variance, effect: number('effect', values.effect) * baseline, alpha, power: target });
  if (values.units !== undefined) result.minimumDetectableEffect = minimumDetectableEffect({ variance, n: number('units', values.units), alpha, power: target }) / baseline;
  if (Object.keys(result).length === 0) invalid('give --effect (to get units per variant) or --units (to get the detectable effect)');
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

function invalid(message: string): never {
  throw new RapportError('cli.usage', `${message}\n\n${USAGE}`);
}
