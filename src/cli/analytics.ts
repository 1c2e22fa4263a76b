import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { RapportError } from '../shared/errors.js';
import { DEFAULT_WORKSPACE } from '../workspaces/index.js';
import { createProgress, type Progress } from './progress.js';
import { helpText } from './command-help.js';
import { parseCliDate, resolvePeriod } from './dates.js';
import { connectPlatform, type CliPlatform } from './platform.js';

const USAGE = helpText('analytics');

/** The steps of `analytics funnel` when neither --steps nor --params names them (the Segment e-commerce spec). */
export const DEFAULT_FUNNEL_STEPS = ['Product Viewed', 'Product Added', 'Order Completed'] as const;

/** Each analysis: its API call, and whether it takes a period (from/to) in the body or the query. */
const analyses: Readonly<Record<string, { method: 'GET' | 'POST'; path: string; period: 'body' | 'query' | 'optional' | 'none' }>> = {
  funnel: { method: 'POST', path: '/api/v1/analytics/funnels', period: 'body' },
  cohorts: { method: 'POST', path: '/api/v1/analytics/cohorts', period: 'optional' },
  rfm: { method: 'POST', path: '/api/v1/analytics/rfm', period: 'none' },
  attribution: { method: 'POST', path: '/api/v1/analytics/attribution', period: 'body' },
  kpis: { method: 'GET', path: '/api/v1/analytics/kpis', period: 'query' },
  maturity: { method: 'GET', path: '/api/v1/analytics/maturity', period: 'none' },
};

interface AnalyticsOptions {
  params?: string | undefined;
  csv?: boolean | undefined;
  table?: string | undefined;
  out?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  period?: string | undefined;
  steps?: string | undefined;
}

function invalid(message: string): never {
  throw new RapportError('cli.usage', message);
}

/** --params as a JSON object (a null-prototype copy: keys such as __proto__ stay plain data). */
function paramsObject(text: string | undefined): Map<string, unknown> {
  if (text === undefined) return new Map();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    invalid(`--params is not valid JSON: ${text}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(`--params must be a JSON object such as '{"from":"30d"}', got ${text}`);
  return new Map(Object.entries(value));
}

/**
 * The request body of an analysis: --params, the steps of a funnel, and the period from
 * --from/--to/--period or params.from/to (any form the date parser reads; the last 30 days by default).
 * @example analysisBody('funnel', { from: '7d' }, Date.now())
 */
export function analysisBody(command: string, options: AnalyticsOptions, now: number): Map<string, unknown> {
  const body = paramsObject(options.params);
  const analysis = analyses[command];
  if (command === 'funnel') {
    if (options.steps !== undefined) {
      const steps = options.steps
        .split(',')
        .map((step) => step.trim())
        .filter((step) => step !== '');
      if (steps.length < 2 || steps.length > 10) invalid(`--steps needs 2 to 10 event names separated by commas, e.g. --steps "${DEFAULT_FUNNEL_STEPS.join(',')}"`);
      body.set(
        'steps',
        steps.map((event) => ({ event })),
      );
    } else if (!body.has('steps')) {
      body.set(
        'steps',
        DEFAULT_FUNNEL_STEPS.map((event) => ({ event })),
      );
    }
  }
  const text = (key: string): string | undefined => {
    const value = body.get(key);
    if (value !== undefined && typeof value !== 'string') invalid(`--params: ${key} must be a date string such as "2026-11-01" or "30d"`);
    return value;
  };
  // Other instants in --params (rfm's asOf and compareTo, cohorts' bounds) read the same forms.
  for (const key of ['asOf', 'compareTo', ...(analysis?.period === 'optional' ? ['from', 'to'] : [])]) {
    const value = key === 'from' ? (options.from ?? text(key)) : key === 'to' ? (options.to ?? text(key)) : text(key);
    if (value === undefined) continue;
    try {
      body.set(key, parseCliDate(value, key, now));
    } catch (error) {
      invalid(error instanceof Error ? error.message : String(error));
    }
  }
  if (analysis?.period === 'optional') return body;
  if (analysis !== undefined && analysis.period !== 'none') {
    try {
      const period = resolvePeriod({ from: options.from ?? text('from'), to: options.to ?? text('to'), period: options.period }, now);
      body.set('from', period.from);
      body.set('to', period.to);
    } catch (error) {
      invalid(error instanceof Error ? error.message : String(error));
    }
  } else if (options.from !== undefined || options.to !== undefined || options.period !== undefined) {
    invalid(`analytics ${command} takes no period; leave out --from, --to and --period`);
  }
  return body;
}

function query(entries: readonly (readonly [string, string | undefined])[]): string {
  const search = new URLSearchParams();
  for (const [key, value] of entries) if (value !== undefined) search.set(key, value);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * `rapport analytics ...`: the replica and every analysis from the command line, through the
 * running server's API when one answers (it owns the replica), else in this process.
 */
export async function analyticsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      workspace: { type: 'string', short: 'w' },
      params: { type: 'string' },
      csv: { type: 'boolean' },
      table: { type: 'string' },
      out: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      period: { type: 'string' },
      steps: { type: 'string' },
    },
  });
  const [command, tableArg] = positionals;
  if (command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 1 : 0;
  }
  if (command !== 'status' && command !== 'sync' && command !== 'rebuild' && analyses[command] === undefined) {
    process.stderr.write(`rapport analytics: unknown analysis "${command}"; use one of status, sync, rebuild, ${Object.keys(analyses).join(', ')}\n\n${USAGE}\n`);
    return 2;
  }
  let platform: CliPlatform | undefined;
  try {
    const body = analyses[command] === undefined ? new Map<string, unknown>() : analysisBody(command, values, Date.now());
    platform = await connectPlatform(loadConfig(), values.workspace ?? DEFAULT_WORKSPACE, 'rapport analytics');
    return await dispatch(platform, command, body, { ...values, table: values.table ?? tableArg });
  } catch (error) {
    if (!(error instanceof RapportError)) throw error;
    process.stderr.write(`rapport analytics: ${error.message}\n`);
    for (const issue of error.issues) process.stderr.write(`  ${issue.field}: ${issue.message}\n`);
    return 2;
  } finally {
    await platform?.close();
  }
}

async function dispatch(platform: CliPlatform, command: string, body: Map<string, unknown>, values: AnalyticsOptions): Promise<number> {
  const { call, rapport } = platform;
  if (command === 'status') {
    process.stdout.write(`${JSON.stringify(await call('GET', '/api/v1/analytics/status', 'reading the replica status'), null, 2)}\n`);
    return 0;
  }
  if (command === 'sync') {
    // A running server copies new events every RAPPORT_ANALYTICS_SYNC_MS on its own.
    const report = rapport === undefined ? await call('GET', '/api/v1/analytics/status', 'reading the replica status') : await rapport.analytics.sync();
    if (rapport === undefined) process.stdout.write(`The server at ${platform.url} keeps the replica in sync; its status:\n`);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  if (command === 'rebuild') {
    let bar: Progress | undefined;
    const report =
      rapport === undefined
        ? await call('POST', '/api/v1/analytics/rebuild', 'rebuilding the replica')
        : await rapport.analytics.rebuild((done, total) => {
            bar ??= createProgress(process.stderr, { label: 'analytics rebuild', total, unit: 'events' });
            bar.update(done);
          });
    bar?.finish();
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  const analysis = analyses[command];
  if (analysis === undefined) return 2;
  const csv =
    values.csv === true
      ? ([
          ['format', 'csv'],
          ['table', values.table],
        ] as const)
      : [];
  const period =
    analysis.period === 'query'
      ? ([
          ['from', String(body.get('from'))],
          ['to', String(body.get('to'))],
        ] as const)
      : [];
  const result = await call(analysis.method, `${analysis.path}${query([...csv, ...period])}`, `analytics ${command}`, analysis.method === 'POST' ? { body: Object.fromEntries(body) } : {});
  const output = typeof result === 'string' ? result : `${JSON.stringify(result, null, 2)}\n`;
  if (values.out !== undefined) fs.writeFileSync(values.out, output);
  else process.stdout.write(output);
  return 0;
}
