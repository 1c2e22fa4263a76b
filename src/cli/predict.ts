import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import {
  fitBgNbd,
  type FitOutcome,
  fitGammaGamma,
  fitParetoNbd,
  bgbbRowsFromRecords,
  parseDate,
  summariesFromRecords,
  transactionsFromRecords,
  type CsvRecord,
  fitBgBb,
  fitMbgNbd,
  summarize,
  toColumns,
  type CustomerSummary,
  type PeriodUnit,
  type RefreshPhase,
} from '../predictive/index.js';
import { loadConfig } from '../config/config.js';
import { createRapport } from '../rapport.js';
import { RapportError } from '../shared/errors.js';
import { DEFAULT_WORKSPACE } from '../workspaces/index.js';
import { createProgress, type Progress } from './progress.js';
import { helpText } from './command-help.js';

const CLV_USAGE = helpText('clv', 'fit');

const MODELS = ['bgnbd', 'pareto', 'gammagamma', 'mbgnbd', 'bgbb'] as const;
type ModelName = (typeof MODELS)[number];

function isModel(value: string | undefined): value is ModelName {
  return MODELS.some((model) => model === value);
}

/**
 * `rapport clv fit ...`: fits a CLV model on a file and prints one JSON line.
 * @example await clvCommand(['fit', '--model', 'bgnbd', '--summary', 'cdnow.csv']);
 */
export async function clvCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        transactions: { type: 'string' },
        summary: { type: 'string' },
        period: { type: 'string', default: 'week' },
        'calibration-end': { type: 'string' },
        'customer-column': { type: 'string' },
        'date-column': { type: 'string' },
        'amount-column': { type: 'string' },
      },
    });
  } catch (error) {
    process.stderr.write(`rapport clv: ${error instanceof Error ? error.message : String(error)}\n${CLV_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals[0] !== 'fit') return usage('the only subcommand is "fit"');
  if (!isModel(values.model)) return usage(`--model must be one of ${MODELS.join(', ')}`);
  if ((values.transactions === undefined) === (values.summary === undefined)) return usage('give exactly one of --transactions FILE or --summary FILE');
  if (values.model === 'bgbb' && values.summary === undefined) return usage('bgbb is fitted on a --summary FILE of (x, t_x, n, weight) patterns');
  if (values.period !== 'week' && values.period !== 'day') return usage('--period must be week or day');
  const period: PeriodUnit = values.period;
  const file = values.transactions ?? values.summary ?? '';
  if (!fs.existsSync(file)) return usage(`no such file: ${file}`);
  let calibrationEnd: number | undefined;
  if (values['calibration-end'] !== undefined) {
    const end = parseDate(values['calibration-end']);
    if (end === null) return usage(`--calibration-end "${values['calibration-end']}" is not a date (YYYY-MM-DD)`);
    // Inclusive: the whole end day belongs to calibration.
    calibrationEnd = end;
  }
  const started = performance.now();
  const raw = fs.readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  let records: CsvRecord[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    return usage(`cannot read ${file} as CSV: ${error instanceof Error ? error.message : String(error)}`);
  }
  let rows: CustomerSummary[];
  let source: Record<string, unknown>;
  if (values.model === 'bgbb') {
    const patterns = bgbbRowsFromRecords(records);
    if (patterns.issues.length > 0) return badLines(file, patterns.issues);
    return report('bgbb', fitBgBb(patterns.rows), {}, started);
  }
  if (values.transactions !== undefined) {
    const { transactions, issues } = transactionsFromRecords(records, { customer: values['customer-column'], date: values['date-column'], amount: values['amount-column'] });
    if (issues.length > 0) return badLines(file, issues);
    const summary = summarize(transactions, { unit: period, calibrationEnd });
    rows = summary;
    source = { transactions: transactions.length, period, calibrationEnd: calibrationEnd === undefined ? null : new Date(calibrationEnd).toISOString().slice(0, 10) };
  } else {
    const { rows: summaryRows, issues } = summariesFromRecords(records);
    if (issues.length > 0) return badLines(file, issues);
    rows = summaryRows;
    source = { period };
  }
  const data = toColumns(rows);
  const model = values.model;
  const outcome: FitOutcome<object> = model === 'bgnbd' ? fitBgNbd(data) : model === 'pareto' ? fitParetoNbd(data) : model === 'mbgnbd' ? fitMbgNbd(data) : fitGammaGamma(data);
  return report(model, outcome, source, started);
}

/** Prints the outcome of a fit: one JSON line on stdout (problems also on stderr); returns the exit code. */
function report(model: ModelName, outcome: FitOutcome<object>, source: Record<string, unknown>, started: number): number {
  const seconds = Number(((performance.now() - started) / 1000).toFixed(3));
  if (outcome.status !== 'fitted') {
    process.stderr.write(`rapport clv: ${outcome.message}${outcome.status === 'invalid-data' && outcome.row >= 0 ? ` (customer row ${outcome.row + 1})` : ''}\n`);
    process.stdout.write(`${JSON.stringify({ model, status: outcome.status, message: outcome.message, ...source, seconds })}\n`);
    return 1;
  }
  if (!outcome.optimizer.converged) process.stderr.write(`rapport clv: warning: the optimizer did not converge (${outcome.optimizer.status}); parameters are the last iterate\n`);
  process.stdout.write(
    `${JSON.stringify({ model, ...outcome.params, loglik: outcome.logLikelihood, customers: outcome.customers, converged: outcome.optimizer.converged, optimizer: outcome.optimizer, ...source, seconds })}\n`,
  );
  return outcome.optimizer.converged ? 0 : 1;
}

function usage(problem: string): number {
  process.stderr.write(`rapport clv: ${problem}\n${CLV_USAGE}\n`);
  return 2;
}

function badLines(file: string, issues: { line: number; message: string }[]): number {
  for (const issue of issues.slice(0, 20)) process.stderr.write(`${file}: line ${issue.line}: ${issue.message}\n`);
  if (issues.length > 20) process.stderr.write(`... ${issues.length - 20} more bad lines\n`);
  return 2;
}

const PHASE_LABELS: Record<RefreshPhase, string> = {
  read: 'read behaviour',
  clv: 'CLV (BG/NBD + Gamma-Gamma)',
  propensity: 'propensity 7d/30d',
  'next-order': 'next order + replenishment',
  'stock-out': 'stock-out forecast',
  write: 'write scores',
};

/**
 * `rapport predict [--workspace W]`: refits every predictive model on the store now, writes the
 * profile scores and prints the model report's summary, then one final JSON line.
 * @example await predictCommand(['--workspace', 'default']);
 */
export async function predictCommand(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { workspace: { type: 'string', short: 'w' } } }));
  } catch (error) {
    process.stderr.write(`rapport predict: ${error instanceof Error ? error.message : String(error)}\nusage: rapport predict [--workspace W]\n`);
    return 2;
  }
  const workspaceId = values.workspace ?? DEFAULT_WORKSPACE;
  const rapport = await createRapport(loadConfig(), { processor: 'off', background: false });
  try {
    let bar: Progress | undefined;
    let phase: RefreshPhase | undefined;
    const view = await rapport.predictive.refresh(workspaceId, {
      trigger: 'cli',
      onProgress: (progress) => {
        if (progress.phase !== phase) {
          bar?.finish();
          phase = progress.phase;
          bar = createProgress(process.stderr, {
            label: PHASE_LABELS[progress.phase],
            total: progress.total,
            unit: progress.phase === 'read' ? 'events' : progress.phase === 'write' ? 'scores' : '%',
          });
        }
        bar?.update(progress.done);
      },
    });
    bar?.finish();
    const report = view.report;
    if (report === null) {
      process.stderr.write(`rapport predict: the refresh ${view.status}: ${view.error ?? 'no report'}\n`);
      return 1;
    }
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(`data: ${report.data.profiles} profiles, ${report.data.customers} customers, ${report.data.orders} orders (${report.data.firstOrderAt ?? '-'} .. ${report.data.lastOrderAt ?? '-'})`);
    const { bgnbd, gammaGamma } = report.clv;
    out(
      bgnbd.status === 'fitted'
        ? `BG/NBD (days): r ${bgnbd.params.r.toFixed(4)}, alpha ${bgnbd.params.alpha.toFixed(3)}, a ${bgnbd.params.a.toFixed(4)}, b ${bgnbd.params.b.toFixed(4)}, LL ${bgnbd.logLikelihood.toFixed(2)}, ${bgnbd.optimizer.status}`
        : `BG/NBD: ${bgnbd.message}`,
    );
    out(
      gammaGamma.status === 'fitted'
        ? `Gamma-Gamma: p ${gammaGamma.params.p.toFixed(4)}, q ${gammaGamma.params.q.toFixed(4)}, v ${gammaGamma.params.v.toFixed(3)}, LL ${gammaGamma.logLikelihood.toFixed(2)}, ${gammaGamma.optimizer.status}`
        : `Gamma-Gamma: ${gammaGamma.status === 'skipped' ? gammaGamma.reason : gammaGamma.message}`,
    );
    const holdout = report.clv.holdout;
    out(
      holdout.status === 'checked'
        ? `CLV hold-out (last ${holdout.days} days, refitted without them): ${holdout.predictedOrders} repeat orders forecast, ${holdout.actualOrders} happened${holdout.relativeError === null ? '' : ` (${(holdout.relativeError * 100).toFixed(1)}%)`}, correlation ${holdout.correlation ?? 'n/a'}`
        : `CLV hold-out: ${holdout.status === 'skipped' ? holdout.reason : holdout.message}`,
    );
    for (const label of ['7d', '30d'] as const) {
      const model = report.propensity[label];
      out(
        model.status === 'trained'
          ? `propensity ${label}: held-out AUC ${model.holdout.auc?.toFixed(3) ?? 'n/a'} (recency only ${model.holdout.baselineRecencyAuc?.toFixed(3) ?? 'n/a'}), Brier ${model.holdout.brier.toFixed(4)}, calibration error ${model.holdout.calibration.ece.toFixed(4)}`
          : `propensity ${label}: ${model.message}`,
      );
    }
    out(
      report.nextOrder.status === 'fitted'
        ? `next order: median interval ${report.nextOrder.medianIntervalDays} days, ${report.nextOrder.predicted} customers predicted`
        : `next order: ${report.nextOrder.message}`,
    );
    out(`stock-out: ${report.stockout.tracked} tracked products, ${report.stockout.restock.length} to restock now`);
    out(`scores: ${report.scores.written} written (${report.scores.keys.join(', ')})`);
    out(
      JSON.stringify({
        report: view.id,
        status: view.status,
        seconds: view.seconds,
        customers: report.data.customers,
        bgnbd: bgnbd.status === 'fitted' ? { ...bgnbd.params, loglik: bgnbd.logLikelihood, converged: bgnbd.optimizer.converged } : bgnbd.status,
        scores: report.scores.written,
      }),
    );
    if (view.status === 'failed') {
      process.stderr.write(`rapport predict: the refresh failed: ${view.error ?? 'no reason recorded'}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (error instanceof RapportError) {
      process.stderr.write(`rapport predict: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await rapport.close();
  }
}
