import { assertNever } from '../shared/errors.js';
import { roundMoney } from '../shared/money.js';
import type { ExperimentDefinition, MetricDefinition } from './definition.js';
import { betaChanceToBeat, gaussianEffectTest } from './stats/bayesian.js';
import { benjaminiHochberg, holm } from './stats/corrections.js';
import { cuped, type CovariateAggregate } from './stats/cuped.js';
import { welchTTest } from './stats/frequentist.js';
import { statisticOf, type Aggregate, type NotEnoughData, type Statistic } from './stats/moments.js';
import { minimumDetectableEffect, sampleSizePerVariant } from './stats/power.js';
import { sequentialTest } from './stats/sequential.js';
import { sampleRatioMismatch, SRM_THRESHOLD } from './stats/srm.js';

/*
 * From per-variant aggregates to results: the chosen test per metric and variant, corrections
 * for multiple comparisons, warnings (SRM, too early, underpowered, guardrails), a verdict in
 * plain words and the auto-promotion decision. Pure: the service gathers the aggregates.
 */

/** One variant's data for one metric. */
export interface VariantMetricData {
  aggregate: Aggregate;
  /** The same metric over the window before exposure, for CUPED (conversion, count, revenue). */
  covariate?: CovariateAggregate;
}

export interface AnalysisInput {
  definition: ExperimentDefinition;
  /** Exposed units per variant, in definition order. */
  units: readonly number[];
  /** Per metric id, one entry per variant in definition order. */
  metrics: ReadonlyMap<string, readonly VariantMetricData[]>;
}

export interface Comparison {
  ok: true;
  estimate: number;
  ci: [number, number];
  standardError: number;
  pValue: number | null;
  /** p-value after the configured multiple-comparison correction. */
  adjustedPValue: number | null;
  /** P(treatment better than control on this metric's raw direction). */
  chanceToWin: number;
  /** [loss if control is kept, loss if treatment is shipped], Gaussian model, effect units. */
  risk: [number, number];
  significant: boolean;
  /** Relative to the metric's goal (higherIsBetter). */
  direction: 'better' | 'worse' | 'none';
}

export interface VariantResult {
  variant: string;
  units: number;
  /** The metric's mean per unit (ratio: Σ numerator / Σ denominator), CUPED-adjusted when on. */
  value: number | null;
  /** Null for the control. */
  comparison: Comparison | NotEnoughData | null;
}

export interface MetricResult {
  metric: string;
  name: string;
  kind: MetricDefinition['kind'];
  primary: boolean;
  guardrail: boolean;
  cuped: { theta: number; varianceReduction: number } | null;
  variants: VariantResult[];
}

export type WarningCode = 'srm' | 'too_early' | 'underpowered' | 'guardrail' | 'no_variance';

export interface ResultWarning {
  code: WarningCode;
  message: string;
  metric?: string;
  variant?: string;
}

export type VerdictStatus = 'not_enough_data' | 'srm' | 'no_difference_yet' | 'winner' | 'loser' | 'guardrail_failed';

export interface ExperimentResults {
  experiment: string;
  method: ExperimentDefinition['analysis']['method'];
  alpha: number;
  difference: 'relative' | 'absolute';
  units: Array<{ variant: string; units: number; expectedShare: number; observedShare: number }>;
  srm: { chiSquare: number; pValue: number; mismatch: boolean };
  metrics: MetricResult[];
  warnings: ResultWarning[];
  verdict: { status: VerdictStatus; variant: string | null; text: string };
  /** The variant the auto-promotion rule picks now, if any. */
  promote: string | null;
}

/**
 * Analyses an experiment from its aggregates.
 * @example const results = analyseExperiment({ definition, units: [5000, 5010], metrics });
 */
export function analyseExperiment(input: AnalysisInput): ExperimentResults {
  const { definition } = input;
  const settings = definition.analysis;
  const variants = definition.variants;
  const totalUnits = input.units.reduce((sum, count) => sum + count, 0);
  const weightSum = variants.reduce((sum, variant) => sum + variant.weight, 0);
  const srmCheck = sampleRatioMismatch(
    input.units,
    variants.map((variant) => variant.weight),
  );
  // A bandit changes its weights over time, so the split cannot be checked against today's.
  const srm = { ...srmCheck, mismatch: definition.allocation === 'fixed' && srmCheck.pValue < SRM_THRESHOLD };
  const warnings: ResultWarning[] = [];
  if (srm.mismatch) {
    warnings.push({
      code: 'srm',
      message: `sample ratio mismatch: the split ${input.units.join('/')} is unlikely under the configured weights (p = ${formatP(srm.pValue)}); exposures are probably logged unevenly, so do not trust these results`,
    });
  }
  const minUnits = settings.minUnitsPerVariant;
  const small = variants.map((variant, index) => ({ variant: variant.key, units: input.units[index] ?? 0 })).filter((entry) => entry.units < minUnits);
  for (const entry of small) {
    warnings.push({ code: 'too_early', variant: entry.variant, message: `too early: ${entry.variant} has ${entry.units} exposed units; results are shown from ${minUnits} per variant` });
  }

  const metrics = definition.metrics.map((metric) => analyseMetric(definition, metric, input.metrics.get(metric.id) ?? []));
  applyCorrection(definition, metrics);
  for (const result of metrics) {
    for (const variant of result.variants) {
      const comparison = variant.comparison;
      if (comparison === null) continue;
      if (!comparison.ok && comparison.reason === 'zero_variance') {
        warnings.push({ code: 'no_variance', metric: result.metric, variant: variant.variant, message: `${result.name}: ${comparison.message}` });
      }
      if (comparison.ok) finishComparison(definition, result, comparison);
      if (result.guardrail && comparison.ok && comparison.significant && comparison.direction === 'worse') {
        warnings.push({
          code: 'guardrail',
          metric: result.metric,
          variant: variant.variant,
          message: `guardrail ${result.name} is significantly worse in ${variant.variant} (${formatEffect(comparison.estimate, definition.analysis.difference)})`,
        });
      }
    }
  }
  const primary = metrics.find((metric) => metric.primary);
  const underpowered = primary === undefined ? undefined : powerWarning(definition, primary, input.metrics.get(primary.metric) ?? [], input.units);
  if (underpowered !== undefined) warnings.push(underpowered);

  const verdict = decide(definition, primary, warnings, small.length > 0, srm.mismatch);
  return {
    experiment: definition.key,
    method: settings.method,
    alpha: settings.alpha,
    difference: settings.difference,
    units: variants.map((variant, index) => ({
      variant: variant.key,
      units: input.units[index] ?? 0,
      expectedShare: weightSum > 0 ? variant.weight / weightSum : 0,
      observedShare: totalUnits > 0 ? (input.units[index] ?? 0) / totalUnits : 0,
    })),
    srm,
    metrics,
    warnings,
    verdict,
    promote: promotion(definition, primary, warnings, input.units),
  };
}

function analyseMetric(definition: ExperimentDefinition, metric: MetricDefinition, data: readonly VariantMetricData[]): MetricResult {
  const settings = definition.analysis;
  let statistics: Array<Statistic | undefined> = data.map((entry) => statisticOf(entry.aggregate));
  let cupedInfo: MetricResult['cuped'] = null;
  const covariates = data.map((entry) => entry.covariate);
  if (settings.cuped && metric.kind !== 'ratio' && covariates.every((covariate) => covariate !== undefined && covariate.n > 1) && covariates.length === definition.variants.length) {
    const adjusted = cuped(covariates.filter((covariate): covariate is CovariateAggregate => covariate !== undefined));
    if (adjusted.ok) {
      statistics = adjusted.statistics;
      cupedInfo = { theta: adjusted.theta, varianceReduction: adjusted.varianceReduction };
    }
  }
  const control = statistics[0];
  const variants = definition.variants.map((variant, index): VariantResult => {
    const statistic = statistics[index];
    const units = data[index]?.aggregate.n ?? 0;
    const value = statistic === undefined ? null : statistic.mean;
    if (index === 0) return { variant: variant.key, units, value, comparison: null };
    if (control === undefined || statistic === undefined) {
      return { variant: variant.key, units, value, comparison: { ok: false, reason: 'empty_variant', message: `${control === undefined ? 'the control' : variant.key} has no exposed units yet` } };
    }
    return { variant: variant.key, units, value, comparison: compare(definition, control, statistic, data[0]?.aggregate, data[index]?.aggregate) };
  });
  return {
    metric: metric.id,
    name: metric.name ?? metric.id,
    kind: metric.kind,
    primary: metric.id === definition.primaryMetric,
    guardrail: metric.guardrail === true,
    cuped: cupedInfo,
    variants,
  };
}

function compare(definition: ExperimentDefinition, a: Statistic, b: Statistic, rawA: Aggregate | undefined, rawB: Aggregate | undefined): Comparison | NotEnoughData {
  const { alpha, alternative, difference, tuning, method } = definition.analysis;
  const bayes = gaussianEffectTest(a, b, { difference, alpha });
  if (!bayes.ok) return bayes;
  // Exact Beta-Beta chance to beat control for conversion rates; the Gaussian model otherwise.
  const chanceToWin =
    rawA?.kind === 'proportion' && rawB?.kind === 'proportion' && !definition.analysis.cuped
      ? betaChanceToBeat({ alpha: 1 + rawA.sum, beta: 1 + rawA.n - rawA.sum }, { alpha: 1 + rawB.sum, beta: 1 + rawB.n - rawB.sum })
      : bayes.chanceToWin;
  const base = { ok: true as const, chanceToWin, risk: bayes.risk, adjustedPValue: null, significant: false, direction: 'none' as const };
  switch (method) {
    case 'bayesian':
      return { ...base, estimate: bayes.estimate, ci: bayes.ci, standardError: bayes.standardError, pValue: null };
    case 'frequentist': {
      const test = welchTTest(a, b, { alpha, alternative, difference });
      if (!test.ok) return test;
      return { ...base, estimate: test.estimate, ci: test.ci, standardError: test.standardError, pValue: test.pValue };
    }
    case 'sequential': {
      const test = sequentialTest(a, b, { alpha, alternative, difference, tuning });
      if (!test.ok) return test;
      return { ...base, estimate: test.estimate, ci: test.ci, standardError: test.standardError, pValue: test.pValue };
    }
    default:
      return assertNever(method);
  }
}

/** Holm or Benjamini-Hochberg over every goal-metric comparison (guardrails are judged alone). */
function applyCorrection(definition: ExperimentDefinition, metrics: MetricResult[]): void {
  const comparisons: Comparison[] = [];
  for (const metric of metrics) {
    for (const variant of metric.variants) {
      const comparison = variant.comparison;
      if (comparison === null || !comparison.ok || comparison.pValue === null) continue;
      if (metric.guardrail) comparison.adjustedPValue = comparison.pValue;
      else comparisons.push(comparison);
    }
  }
  const raw = comparisons.map((comparison) => comparison.pValue ?? 1);
  const correction = definition.analysis.correction;
  const adjusted = correction === 'holm' ? holm(raw) : correction === 'benjamini-hochberg' ? benjaminiHochberg(raw) : raw;
  comparisons.forEach((comparison, index) => {
    comparison.adjustedPValue = adjusted[index] ?? 1;
  });
}

function finishComparison(definition: ExperimentDefinition, metric: MetricResult, comparison: Comparison): void {
  const higherIsBetter = definition.metrics.find((m) => m.id === metric.metric)?.higherIsBetter !== false;
  const { alpha, method } = definition.analysis;
  const significant = method === 'bayesian' ? comparison.chanceToWin >= 1 - alpha || comparison.chanceToWin <= alpha : (comparison.adjustedPValue ?? 1) < alpha;
  comparison.significant = significant;
  if (!significant) return;
  const up = comparison.estimate > 0;
  comparison.direction = up === higherIsBetter ? 'better' : 'worse';
}

function powerWarning(definition: ExperimentDefinition, primary: MetricResult, data: readonly VariantMetricData[], units: readonly number[]): ResultWarning | undefined {
  const control = data[0] === undefined ? undefined : statisticOf(data[0].aggregate);
  const n = Math.min(...units);
  if (control === undefined || !(control.variance > 0) || !(n > 1) || control.mean === 0) return undefined;
  const { alpha, alternative, targetMde } = definition.analysis;
  const mde = minimumDetectableEffect({ variance: control.variance, n, alpha, alternative }) / Math.abs(control.mean);
  if (mde <= targetMde) return undefined;
  const needed = sampleSizePerVariant({ variance: control.variance, effect: targetMde * control.mean, alpha, alternative });
  return {
    code: 'underpowered',
    metric: primary.metric,
    message: `underpowered: with ${n} units per variant the smallest effect on ${primary.name} this can detect (80% power) is ${formatPercent(mde)}; detecting ${formatPercent(targetMde)} needs about ${needed} units per variant`,
  };
}

function decide(definition: ExperimentDefinition, primary: MetricResult | undefined, warnings: ResultWarning[], tooEarly: boolean, mismatch: boolean): ExperimentResults['verdict'] {
  const srm = warnings.find((warning) => warning.code === 'srm');
  if (mismatch && srm !== undefined) return { status: 'srm', variant: null, text: `Results are not trustworthy: ${srm.message}.` };
  const early = warnings.find((warning) => warning.code === 'too_early');
  if (tooEarly && early !== undefined) return { status: 'not_enough_data', variant: null, text: `Not enough data yet: ${early.message}.` };
  if (primary === undefined) return { status: 'not_enough_data', variant: null, text: 'No primary metric.' };
  const guardrail = warnings.find((warning) => warning.code === 'guardrail');
  const comparisons = primary.variants.flatMap((variant) => (variant.comparison !== null && variant.comparison.ok ? [{ variant: variant.variant, comparison: variant.comparison }] : []));
  const failed = primary.variants.find((variant) => variant.comparison !== null && !variant.comparison.ok);
  if (comparisons.length === 0 && failed?.comparison != null && !failed.comparison.ok) {
    return { status: 'not_enough_data', variant: null, text: `Not enough data on ${primary.name}: ${failed.comparison.message}.` };
  }
  const better = comparisons.filter((entry) => entry.comparison.direction === 'better').sort((x, y) => Math.abs(y.comparison.estimate) - Math.abs(x.comparison.estimate));
  const control = definition.variants[0]?.key ?? 'control';
  const describe = (variant: string, comparison: Comparison) => describeComparison(definition, primary.name, variant, comparison);
  const top = better[0];
  if (top !== undefined) {
    if (guardrail !== undefined) return { status: 'guardrail_failed', variant: top.variant, text: `${describe(top.variant, top.comparison)}, but ${guardrail.message}; do not ship it as is.` };
    return { status: 'winner', variant: top.variant, text: `${describe(top.variant, top.comparison)}.` };
  }
  const worse = comparisons.find((entry) => entry.comparison.direction === 'worse');
  if (worse !== undefined) return { status: 'loser', variant: worse.variant, text: `${describe(worse.variant, worse.comparison)}; keep ${control}.` };
  const summary = comparisons
    .map((entry) => `${entry.variant} ${formatSigned(entry.comparison.estimate, definition.analysis.difference)} (${formatInterval(entry.comparison.ci, definition.analysis)})`)
    .join('; ');
  return { status: 'no_difference_yet', variant: null, text: `No detectable difference on ${primary.name} yet${summary === '' ? '' : `: ${summary}`}.` };
}

/** One comparison in the words of the experiment's own method: the effect, its interval, and that method's certainty. */
function describeComparison(definition: ExperimentDefinition, metricName: string, variant: string, comparison: Comparison): string {
  const control = definition.variants[0]?.key ?? 'control';
  const verb = comparison.estimate >= 0 ? 'raises' : 'lowers';
  const certainty =
    definition.analysis.method === 'bayesian'
      ? `${formatPercent(comparison.chanceToWin)} chance to beat ${control}`
      : `p = ${formatP(comparison.adjustedPValue ?? comparison.pValue ?? 1)}${definition.analysis.method === 'sequential' ? ', always-valid' : ''}`;
  return `${variant} ${verb} ${metricName} by ${formatEffect(Math.abs(comparison.estimate), definition.analysis.difference)} (${formatInterval(comparison.ci, definition.analysis)}, ${certainty}) compared with ${control}`;
}

/** What each method says about a comparison; a result shows its own method's and, on request, the others'. */
export type MethodNumbers = { method: 'bayesian'; chanceToWin: number; risk: [number, number] } | { method: 'frequentist' | 'sequential'; pValue: number | null; adjustedPValue: number | null };

/** A comparison as a reader sees it: the numbers of the method that made the verdict, and a sentence. */
export interface ComparisonView {
  ok: true;
  estimate: number;
  ci: [number, number];
  standardError: number;
  significant: boolean;
  direction: 'better' | 'worse' | 'none';
  /** e.g. "bar raises Purchase rate by 12.0% (95% CI +3.1% to +20.9%, p = 0.004) compared with control; a real difference at the 5% level". */
  says: string;
  /** The experiment's method and its numbers (p-values, or chance to win and risk). */
  numbers: MethodNumbers;
  /** Only with methods=all: what the other methods computed; they did not make the verdict. */
  otherMethods?: MethodNumbers[];
}

export interface MetricResultView extends Omit<MetricResult, 'variants'> {
  variants: Array<Omit<VariantResult, 'comparison'> & { comparison: ComparisonView | NotEnoughData | null }>;
}

/**
 * Results as they are shown: each comparison carries only the numbers of the experiment's method
 * (a frequentist p-value never sits beside a Bayesian chance to win) plus a sentence; `all`
 * adds the other methods' numbers under `otherMethods`.
 * @example viewResults(analyseExperiment(input), 'configured').metrics[0].variants[1].comparison.says
 */
export function viewResults(
  definition: ExperimentDefinition,
  results: ExperimentResults,
  methods: 'configured' | 'all',
  currency = 'USD',
): Omit<ExperimentResults, 'metrics'> & { metrics: MetricResultView[] } {
  const method = definition.analysis.method;
  const bayesian = (comparison: Comparison): MethodNumbers => ({ method: 'bayesian', chanceToWin: comparison.chanceToWin, risk: comparison.risk });
  const metrics = results.metrics.map((metric) => ({
    ...metric,
    variants: metric.variants.map((shown) => {
      // Revenue per unit is money: shown in the shop currency's digits (the comparison keeps full precision).
      const variant = metric.kind === 'revenue' ? { ...shown, value: roundMoney(shown.value, currency) } : shown;
      const comparison = variant.comparison;
      if (comparison === null || !comparison.ok) return { ...variant, comparison };
      const numbers: MethodNumbers = method === 'bayesian' ? bayesian(comparison) : { method, pValue: comparison.pValue, adjustedPValue: comparison.adjustedPValue };
      const verdictWords = comparison.significant
        ? `a real difference at ${Math.round((1 - definition.analysis.alpha) * 100)}% confidence`
        : method === 'bayesian'
          ? 'not certain enough yet to call'
          : 'could still be chance: no detectable difference yet';
      const view: ComparisonView = {
        ok: true,
        estimate: comparison.estimate,
        ci: comparison.ci,
        standardError: comparison.standardError,
        significant: comparison.significant,
        direction: comparison.direction,
        says: `${describeComparison(definition, metric.name, variant.variant, comparison)}; ${verdictWords}`,
        numbers,
      };
      if (methods === 'all')
        view.otherMethods =
          method === 'bayesian' ? (comparison.pValue === null ? [] : [{ method: 'frequentist', pValue: comparison.pValue, adjustedPValue: comparison.adjustedPValue }]) : [bayesian(comparison)];
      return { ...variant, comparison: view };
    }),
  }));
  return { ...results, metrics };
}

function promotion(definition: ExperimentDefinition, primary: MetricResult | undefined, warnings: ResultWarning[], units: readonly number[]): string | null {
  const rule = definition.autoPromote;
  if (rule === undefined || primary === undefined) return null;
  if (warnings.some((warning) => warning.code === 'srm' || warning.code === 'guardrail' || warning.code === 'too_early')) return null;
  const minUnits = rule.minUnitsPerVariant ?? definition.analysis.minUnitsPerVariant;
  if (units.some((count) => count < minUnits)) return null;
  const higherIsBetter = definition.metrics.find((m) => m.id === primary.metric)?.higherIsBetter !== false;
  const candidates = primary.variants.flatMap((variant) => {
    const comparison = variant.comparison;
    if (comparison === null || !comparison.ok) return [];
    if (rule.rule === 'significant') return comparison.significant && comparison.direction === 'better' ? [{ variant: variant.variant, score: Math.abs(comparison.estimate) }] : [];
    const chance = higherIsBetter ? comparison.chanceToWin : 1 - comparison.chanceToWin;
    return chance >= (rule.threshold ?? 0.95) ? [{ variant: variant.variant, score: chance }] : [];
  });
  candidates.sort((x, y) => y.score - x.score);
  return candidates[0]?.variant ?? null;
}

function formatPercent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function formatEffect(value: number, difference: 'relative' | 'absolute'): string {
  return difference === 'relative' ? formatPercent(value) : Number(value.toPrecision(3)).toString();
}

function formatSigned(value: number, difference: 'relative' | 'absolute'): string {
  return `${value >= 0 ? '+' : '−'}${formatEffect(Math.abs(value), difference)}`;
}

function formatInterval(ci: [number, number], settings: ExperimentDefinition['analysis']): string {
  const level = `${Math.round((1 - settings.alpha) * 100)}% ${settings.method === 'bayesian' ? 'credible' : 'CI'}`;
  const end = (value: number) => (Number.isFinite(value) ? formatSigned(value, settings.difference) : value > 0 ? '∞' : '−∞');
  return `${level} ${end(ci[0])} to ${end(ci[1])}`;
}

function formatP(p: number): string {
  return p < 0.0001 ? p.toExponential(1) : Number(p.toPrecision(2)).toString();
}
