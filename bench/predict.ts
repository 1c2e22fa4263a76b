/*
 * bench:predict — fits BG/NBD + Gamma-Gamma on N synthetic customers drawn from known
 * parameters (the CDNOW estimates), checks the parameters are recovered within 2%, and scores
 * every customer (P(alive), churn risk, 12-month CLV). The limit is the simplest way to do the
 * fit's work: one plain log-likelihood evaluation over the same data (every Gamma function per
 * customer, no gradient), timed here, times the number of evaluations the fits used.
 * PREDICT_CUSTOMERS (default 1,000,000) and PREDICT_SEED set the size and the draw.
 */
import os from 'node:os';
import { Random } from '../src/demo/random.js';
import { fitBgNbd, type BgNbdParams } from '../src/predictive/models/bgnbd.js';
import { fitGammaGamma, type GammaGammaParams } from '../src/predictive/models/gamma-gamma.js';
import { scoreCustomers } from '../src/predictive/models/score.js';
import { simulateCustomers } from '../src/predictive/models/simulate.js';
import { logAddExp, logGamma } from '../src/predictive/models/special.js';
import type { SummaryColumns } from '../src/predictive/models/summary.js';

const CUSTOMERS = Number(process.env.PREDICT_CUSTOMERS ?? 1_000_000);
const SEED = Number(process.env.PREDICT_SEED ?? 42);
const TRUE_BG: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const TRUE_GG: GammaGammaParams = { p: 6.25, q: 3.74, v: 15.44 };

/** The textbook per-customer BG/NBD log-likelihood (FHL 2005 eq. 6), no grouping, no gradient. */
function plainBgNbdLogLikelihood({ r, alpha, a, b }: BgNbdParams, data: SummaryColumns): number {
  let total = 0;
  for (let i = 0; i < data.x.length; i += 1) {
    const x = data.x[i] ?? 0;
    const base = logGamma(r + x) - logGamma(r) + r * Math.log(alpha) + logGamma(a + b) + logGamma(b + x) - logGamma(b) - logGamma(a + b + x);
    const survive = -(r + x) * Math.log(alpha + (data.T[i] ?? 0));
    total += base + (x > 0 ? logAddExp(survive, Math.log(a / (b + x - 1)) - (r + x) * Math.log(alpha + (data.tx[i] ?? 0))) : survive);
  }
  return total;
}

function plainGammaGammaLogLikelihood({ p, q, v }: GammaGammaParams, data: SummaryColumns): number {
  let total = 0;
  for (let i = 0; i < data.x.length; i += 1) {
    const x = data.x[i] ?? 0;
    const m = data.monetary?.[i] ?? 0;
    if (x <= 0 || m <= 0) continue;
    const px = p * x;
    total += logGamma(px + q) - logGamma(px) - logGamma(q) + q * Math.log(v) + (px - 1) * Math.log(m) + px * Math.log(x) - (px + q) * Math.log(x * m + v);
  }
  return total;
}

/** Median of a few timed runs of `work`, in ms. */
function timeMedian(work: () => number, runs = 3): number {
  const times: number[] = [];
  let sink = 0;
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    sink += work();
    times.push(performance.now() - start);
  }
  if (!Number.isFinite(sink)) throw new Error('non-finite log-likelihood in the limit run');
  times.sort((p, q) => p - q);
  return times[Math.floor(times.length / 2)] ?? 0;
}

const round = (value: number, digits = 3) => Number(value.toFixed(digits));

function main(): void {
  if (!(Number.isInteger(CUSTOMERS) && CUSTOMERS >= 1000)) throw new Error(`PREDICT_CUSTOMERS must be a whole number ≥ 1000, got ${process.env.PREDICT_CUSTOMERS}`);
  const random = new Random(SEED);
  let peakRss = process.memoryUsage().rss;
  const sample = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  const rssBefore = process.memoryUsage().rss;
  let start = performance.now();
  const data = simulateCustomers(() => random.next(), { customers: CUSTOMERS, maxAge: 52, bgnbd: TRUE_BG, gammaGamma: TRUE_GG });
  const simulateMs = performance.now() - start;
  sample();
  process.stderr.write(`simulated ${CUSTOMERS} customers in ${(simulateMs / 1000).toFixed(1)} s; fitting...\n`);

  start = performance.now();
  const bg = fitBgNbd(data);
  const bgMs = performance.now() - start;
  sample();
  start = performance.now();
  const gg = fitGammaGamma(data);
  const ggMs = performance.now() - start;
  sample();
  if (bg.status !== 'fitted' || gg.status !== 'fitted') throw new Error(`fit failed: ${JSON.stringify({ bg, gg })}`);
  process.stderr.write(`fitted in ${((bgMs + ggMs) / 1000).toFixed(2)} s; scoring...\n`);

  start = performance.now();
  const scores = scoreCustomers(bg.params, gg.params, data, { unit: 'week', clvSteps: 12, clvStep: 'month', discountRatePerStep: 0.01 }, () => sample());
  const scoreMs = performance.now() - start;
  sample();
  let clvSum = 0;
  for (const value of scores.clv ?? []) clvSum += value;

  const error = (fitted: number, truth: number) => round(Math.abs(fitted / truth - 1), 4);
  const recovery = {
    r: error(bg.params.r, TRUE_BG.r),
    alpha: error(bg.params.alpha, TRUE_BG.alpha),
    a: error(bg.params.a, TRUE_BG.a),
    b: error(bg.params.b, TRUE_BG.b),
    p: error(gg.params.p, TRUE_GG.p),
    q: error(gg.params.q, TRUE_GG.q),
    v: error(gg.params.v, TRUE_GG.v),
  };
  const maxError = Math.max(...Object.values(recovery));

  const oneBgMs = timeMedian(() => plainBgNbdLogLikelihood(bg.params, data));
  const oneGgMs = timeMedian(() => plainGammaGammaLogLikelihood(gg.params, data));
  const limitMs = oneBgMs * bg.optimizer.evaluations + oneGgMs * gg.optimizer.evaluations;
  const fitMs = bgMs + ggMs;
  const totalMs = fitMs + scoreMs;

  const result = {
    bench: 'predict',
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    customers: CUSTOMERS,
    repeaters: gg.customers,
    seed: SEED,
    seconds: { simulate: round(simulateMs / 1000), fitBgNbd: round(bgMs / 1000), fitGammaGamma: round(ggMs / 1000), score: round(scoreMs / 1000), fitAndScore: round(totalMs / 1000) },
    evaluations: { bgnbd: bg.optimizer.evaluations, gammaGamma: gg.optimizer.evaluations },
    converged: bg.optimizer.converged && gg.optimizer.converged,
    params: { bgnbd: bg.params, gammaGamma: gg.params },
    truth: { bgnbd: TRUE_BG, gammaGamma: TRUE_GG },
    relativeError: recovery,
    recoveredWithin2pct: maxError <= 0.02,
    meanClv12Months: round(clvSum / CUSTOMERS, 4),
    memoryMb: { peakRss: round(peakRss / 1024 ** 2, 1), rssGrowth: round((peakRss - rssBefore) / 1024 ** 2, 1) },
    limit: {
      fitSeconds: round(limitMs / 1000),
      oneEvaluationMs: { bgnbd: round(oneBgMs, 1), gammaGamma: round(oneGgMs, 1) },
      how: 'one plain per-customer log-likelihood evaluation (all Gamma functions per customer, no gradient) over the same data, times the evaluations the fits used',
    },
    ratioFitToLimit: round(fitMs / limitMs, 3),
    target: { customers: 1_000_000, seconds: 30 },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (!result.recoveredWithin2pct) process.exitCode = 1;
}

main();
