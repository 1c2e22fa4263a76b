import { parseArgs } from 'node:util';
import { RapportError } from '../shared/errors.js';
import { evaluate, type Protocol, readInteractionFiles, type InteractionFormat, evalStrategy, evalStrategyNames, isEvalStrategyName } from '../recommendations/index.js';
import { loadConfig } from '../config/config.js';
import { createRapport } from '../rapport.js';
import { DEFAULT_WORKSPACE } from '../workspaces/index.js';
import { createProgress } from './progress.js';
import { helpText } from './command-help.js';

const USAGE = helpText('recs');

/**
 * `rapport recs eval` (offline evaluation of a strategy on an interaction file) and
 * `rapport recs train` (trains a workspace's models as the scheduled job does).
 * @example await recsCommand(['eval', '--file', 'Beauty.txt.gz', '--protocol', 'loo', '--strategy', 'for-you']);
 */
export async function recsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  try {
    if (action === 'eval') return await evalCommand(rest);
    if (action === 'train') return await trainCommand(rest);
  } catch (error) {
    if (error instanceof RapportError) {
      process.stderr.write(`rapport recs: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  process.stdout.write(`${USAGE}\n`);
  return action === undefined || action === 'help' ? 0 : 2;
}

function invalid(message: string): never {
  throw new RapportError('cli.usage', `${message}\n\n${USAGE}`);
}

async function evalCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      file: { type: 'string', multiple: true },
      protocol: { type: 'string', default: 'loo' },
      strategy: { type: 'string', default: 'for-you' },
      k: { type: 'string', multiple: true },
      format: { type: 'string' },
      'mask-history': { type: 'string' },
      'fit-on': { type: 'string' },
      target: { type: 'string' },
      'train-share': { type: 'string' },
      'user-col': { type: 'string' },
      'item-col': { type: 'string' },
      'time-col': { type: 'string' },
    },
  });
  const files = values.file ?? [];
  if (files.length === 0) invalid('--file is required');
  const protocol = values.protocol;
  if (protocol !== 'loo' && protocol !== 'time') invalid(`--protocol must be loo or time, not "${protocol}"`);
  const strategyName = values.strategy;
  if (!isEvalStrategyName(strategyName)) invalid(`--strategy "${strategyName}" is unknown; use one of ${evalStrategyNames.join(', ')}`);
  const ks = (values.k ?? ['10']).map((text) => {
    const k = Number(text);
    if (!Number.isInteger(k) || k < 1 || k > 1000) invalid(`--k must be an integer from 1 to 1000, not "${text}"`);
    return k;
  });
  const format = values.format;
  if (format !== undefined && format !== 'sequences' && format !== 'csv' && format !== 'baskets') invalid(`--format must be sequences, csv or baskets, not "${format}"`);
  const mask = values['mask-history'];
  if (mask !== undefined && mask !== 'true' && mask !== 'false') invalid('--mask-history must be true or false');
  const fitOn = values['fit-on'];
  if (fitOn !== undefined && fitOn !== 'train' && fitOn !== 'history') invalid('--fit-on must be train or history');
  const target = values.target;
  if (target !== undefined && target !== 'test' && target !== 'validation') invalid('--target must be test or validation');
  const trainShare = values['train-share'] === undefined ? undefined : Number(values['train-share']);
  if (trainShare !== undefined && !(trainShare > 0 && trainShare < 1)) invalid('--train-share must be a number between 0 and 1');

  const readStarted = performance.now();
  const columns = { user: values['user-col'], item: values['item-col'], time: values['time-col'] };
  const dataset = await readInteractionFiles(files, {
    ...(format === undefined ? {} : { format: format satisfies InteractionFormat }),
    columns: Object.fromEntries(Object.entries(columns).filter((entry): entry is [string, string] => entry[1] !== undefined)),
  });
  const readMs = performance.now() - readStarted;
  const bar = createProgress(process.stderr, { label: `eval ${strategyName}`, unit: 'users' });
  const result = evaluate(dataset, evalStrategy(strategyName), {
    protocol: protocol satisfies Protocol,
    ks,
    ...(mask === undefined ? {} : { maskHistory: mask === 'true' }),
    ...(fitOn === undefined ? {} : { fitOn }),
    ...(target === undefined ? {} : { target }),
    ...(trainShare === undefined ? {} : { trainShare }),
    onProgress: (done, total) => bar.update(done, `of ${total}`),
  });
  bar.finish();
  const round = (value: number) => Math.round(value * 1e6) / 1e6;
  const line = {
    strategy: result.strategy,
    protocol: result.protocol,
    files: files.map((file) => file.split('/').at(-1)),
    users: result.users,
    items: result.items,
    interactions: result.interactions,
    ...Object.fromEntries(Object.entries(result.metrics).map(([key, value]) => [key, round(value)])),
    read_ms: Math.round(readMs),
    train_ms: Math.round(result.trainMs),
    eval_ms: Math.round(result.evalMs),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return 0;
}

async function trainCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { workspace: { type: 'string', short: 'w' } } });
  const rapport = await createRapport(loadConfig(), { processor: 'off', logger: false, background: false });
  try {
    const workspaceId = values.workspace ?? DEFAULT_WORKSPACE;
    if ((await rapport.workspaces.getWorkspace(workspaceId)) === undefined) invalid(`no workspace "${workspaceId}"`);
    const lag = (await rapport.processor.status()).lagEvents;
    if (lag > 0) process.stderr.write(`note: ${lag} events are not processed into profiles yet and will not train these models (run \`rapport start\` or \`rapport replay\` first)\n`);
    const bar = createProgress(process.stderr, { label: 'train recommendations', total: 100, unit: '%' });
    const training = await rapport.recommendations.train(workspaceId, 'cli', (stage, progress) => bar.update(Math.round(progress * 100), stage));
    bar.finish(training.status);
    process.stdout.write(`${JSON.stringify({ training: training.id, status: training.status, ...training.report })}\n`);
    return training.status === 'succeeded' ? 0 : 1;
  } finally {
    await rapport.close();
  }
}
