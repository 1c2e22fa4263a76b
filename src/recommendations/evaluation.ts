import { groupStarts, itemCounts, type InteractionDataset } from './dataset.js';
import { topK } from './select.js';

/*
 * The offline evaluation harness: split a dataset by a protocol, train a strategy on the
 * training part, rank the whole catalogue for every test user and measure. Pure: plain data in,
 * metrics out; the CLI reads files and prints.
 *
 * Leave-one-out follows the S3-Rec protocol (Zhou et al., CIKM 2020; aHuiWang/CIKM2020-S3Rec
 * `trainers.py`): per user, the last interaction is the test target, the one before it the
 * validation target, the rest trains; the target is ranked against every item, with the user's
 * s[:-1] items removed from the ranking. Interactions sharing one time form a group (a basket),
 * so on basket data the last basket is the target, as in next-basket evaluation.
 */

/** What a strategy sees when it trains. */
export interface TrainingData {
  numItems: number;
  /** Training interactions per user, in time order. */
  sequences: Int32Array[];
  times: Float64Array[];
  /**
   * Every interaction of every user, test targets included. Only the S3-Rec PopRec
   * reproduction reads it: the original code counts popularity over complete sequences.
   */
  complete: Int32Array[];
}

/** Scores every item for one user; higher is better. */
export interface Scorer {
  score(history: Int32Array, historyTimes: Float64Array, scores: Float64Array): void;
}

export interface EvalStrategy {
  name: string;
  train(data: TrainingData): Scorer;
}

export type Protocol = 'loo' | 'time';

export interface EvalOptions {
  protocol: Protocol;
  /** Cut-offs; metrics are reported at each. Default [10]. */
  ks?: number[];
  /** Remove the user's history items from the ranking (the S3-Rec protocol; default true for loo, false for time). */
  maskHistory?: boolean;
  /**
   * loo only: what trains the model. `train` = s[:-2] (validation and test held out, as the
   * published models were fitted); `history` = s[:-1] (the validation item trains too).
   */
  fitOn?: 'train' | 'history';
  /** time only: share of interactions (by time) that trains; the rest is the test period. Default 0.8. */
  trainShare?: number;
  /**
   * loo only: `validation` drops every user's last group first, so the validation item is the
   * target; tune parameters there and report the test target once.
   */
  target?: 'test' | 'validation';
  /** Evaluate at most this many users (the first ones in dataset order); all by default. */
  maxUsers?: number;
  /**
   * Evaluate every n-th test user only (a systematic sample). Files are often ordered (S3-Rec
   * numbers users so that later ones have shorter, easier histories), so a sample that spans the
   * file represents it where the first n users do not.
   */
  userStep?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface EvalResult {
  strategy: string;
  protocol: Protocol;
  users: number;
  items: number;
  interactions: number;
  trainMs: number;
  evalMs: number;
  /** `hr@10`, `ndcg@10`, `recall@10`, `coverage@10`, `arp@10`, `pop_pct@10` for each K. */
  metrics: Record<string, number>;
}

interface TestCase {
  history: Int32Array;
  historyTimes: Float64Array;
  targets: Int32Array;
}

interface Split {
  training: TrainingData;
  cases: TestCase[];
}

/**
 * Splits by the protocol. Exposed for tests and for strategies that need the same split.
 * @example const { training, cases } = splitDataset(dataset, { protocol: 'loo' });
 */
export function splitDataset(dataset: InteractionDataset, options: EvalOptions): Split {
  const numItems = dataset.items.length;
  const sequences: Int32Array[] = [];
  const times: Float64Array[] = [];
  const complete: Int32Array[] = [];
  const cases: TestCase[] = [];
  if (options.protocol === 'loo') {
    for (const full of dataset.sequences) {
      complete.push(full.items);
      let user = full;
      if (options.target === 'validation') {
        const fullStarts = groupStarts(full.times);
        const lastStart = fullStarts[fullStarts.length - 2] ?? 0;
        user = { user: full.user, items: full.items.subarray(0, lastStart), times: full.times.subarray(0, lastStart) };
      }
      const starts = groupStarts(user.times);
      const groups = starts.length - 1;
      if (groups < 3) {
        // Too short to hold out a validation and a test group: it only trains.
        sequences.push(user.items);
        times.push(user.times);
        continue;
      }
      const testStart = starts[groups - 1] ?? 0;
      const validStart = starts[groups - 2] ?? 0;
      const fitEnd = options.fitOn === 'history' ? testStart : validStart;
      sequences.push(user.items.subarray(0, fitEnd));
      times.push(user.times.subarray(0, fitEnd));
      cases.push({ history: user.items.subarray(0, testStart), historyTimes: user.times.subarray(0, testStart), targets: distinct(user.items.subarray(testStart)) });
    }
  } else {
    const all: number[] = [];
    for (const user of dataset.sequences) for (const time of user.times) all.push(time);
    all.sort((a, b) => a - b);
    const share = options.trainShare ?? 0.8;
    const cutoff = all[Math.min(all.length - 1, Math.max(0, Math.floor(all.length * share)))] ?? 0;
    for (const user of dataset.sequences) {
      complete.push(user.items);
      let split = 0;
      while (split < user.times.length && (user.times[split] ?? 0) < cutoff) split++;
      sequences.push(user.items.subarray(0, split));
      times.push(user.times.subarray(0, split));
      if (split === 0 || split === user.items.length) continue;
      cases.push({ history: user.items.subarray(0, split), historyTimes: user.times.subarray(0, split), targets: distinct(user.items.subarray(split)) });
    }
  }
  return { training: { numItems, sequences, times, complete }, cases };
}

function distinct(items: Int32Array): Int32Array {
  return Int32Array.from(new Set(items));
}

/**
 * Trains `strategy` on the protocol's training split and ranks every item for each test user.
 * HR@K: share of users with a target in the top K; Recall@K: targets found / targets; NDCG@K
 * with binary relevance; coverage@K: share of the catalogue recommended to anyone; arp@K: mean
 * training popularity of recommended items; pop_pct@K: their mean popularity percentile (1 =
 * the most popular item).
 * @example const result = evaluate(dataset, popularity(), { protocol: 'loo', ks: [10] }); result.metrics['hr@10'];
 */
export function evaluate(dataset: InteractionDataset, strategy: EvalStrategy, options: EvalOptions): EvalResult {
  const ks = [...new Set(options.ks ?? [10])].sort((a, b) => a - b);
  const maxK = ks.at(-1) ?? 10;
  const maskHistory = options.maskHistory ?? options.protocol === 'loo';
  const split = splitDataset(dataset, options);
  const numItems = dataset.items.length;
  const trainStarted = performance.now();
  const scorer = strategy.train(split.training);
  const trainMs = performance.now() - trainStarted;

  const popularity = itemCounts(split.training.sequences, numItems);
  const percentile = popularityPercentiles(popularity);
  const step = Math.max(1, Math.floor(options.userStep ?? 1));
  const sampled = step === 1 ? split.cases : split.cases.filter((_, index) => index % step === 0);
  const cases = options.maxUsers === undefined ? sampled : sampled.slice(0, options.maxUsers);
  const scores = new Float64Array(numItems);
  const masked = new Uint8Array(numItems);
  const accept = (item: number) => masked[item] === 0;
  const sums = new Map<string, number>();
  const add = (key: string, value: number) => sums.set(key, (sums.get(key) ?? 0) + value);
  const recommended = ks.map(() => new Uint8Array(numItems));
  const discount = Array.from({ length: maxK }, (_, rank) => 1 / Math.log2(rank + 2));

  const evalStarted = performance.now();
  cases.forEach((testCase, index) => {
    scores.fill(0);
    scorer.score(testCase.history, testCase.historyTimes, scores);
    if (maskHistory) for (const item of testCase.history) masked[item] = 1;
    const top = topK(numItems, (item) => scores[item] ?? 0, maxK, undefined, accept);
    if (maskHistory) for (const item of testCase.history) masked[item] = 0;
    const targets = new Set(testCase.targets);
    ks.forEach((k, kIndex) => {
      let hits = 0;
      let dcg = 0;
      for (let rank = 0; rank < Math.min(k, top.length); rank++) {
        const item = top[rank] ?? 0;
        const seen = recommended[kIndex];
        if (seen !== undefined) seen[item] = 1;
        add(`arp@${k}`, (popularity[item] ?? 0) / Math.min(k, top.length));
        add(`pop_pct@${k}`, (percentile[item] ?? 0) / Math.min(k, top.length));
        if (targets.has(item)) {
          hits++;
          dcg += discount[rank] ?? 0;
        }
      }
      let ideal = 0;
      for (let rank = 0; rank < Math.min(k, targets.size); rank++) ideal += discount[rank] ?? 0;
      add(`hr@${k}`, hits > 0 ? 1 : 0);
      add(`recall@${k}`, targets.size === 0 ? 0 : hits / targets.size);
      add(`ndcg@${k}`, ideal === 0 ? 0 : dcg / ideal);
    });
    if (options.onProgress !== undefined && (index % 1000 === 999 || index === cases.length - 1)) options.onProgress(index + 1, cases.length);
  });
  const evalMs = performance.now() - evalStarted;

  const metrics: Record<string, number> = {};
  const users = cases.length;
  ks.forEach((k, kIndex) => {
    for (const name of ['hr', 'ndcg', 'recall']) metrics[`${name}@${k}`] = users === 0 ? 0 : (sums.get(`${name}@${k}`) ?? 0) / users;
    let covered = 0;
    for (const flag of recommended[kIndex] ?? []) covered += flag;
    metrics[`coverage@${k}`] = numItems === 0 ? 0 : covered / numItems;
    metrics[`arp@${k}`] = users === 0 ? 0 : (sums.get(`arp@${k}`) ?? 0) / users;
    metrics[`pop_pct@${k}`] = users === 0 ? 0 : (sums.get(`pop_pct@${k}`) ?? 0) / users;
  });
  let interactions = 0;
  for (const user of dataset.sequences) interactions += user.items.length;
  return { strategy: strategy.name, protocol: options.protocol, users, items: numItems, interactions, trainMs, evalMs, metrics };
}

/** Popularity percentile of each item: 1 for the most popular, near 0 for the least (ties share the lower rank). */
function popularityPercentiles(popularity: Float64Array): Float64Array {
  const order = Array.from(popularity.keys()).sort((a, b) => (popularity[a] ?? 0) - (popularity[b] ?? 0));
  const result = new Float64Array(popularity.length);
  const n = Math.max(1, popularity.length - 1);
  let rank = 0;
  order.forEach((item, position) => {
    if (position > 0 && (popularity[item] ?? 0) !== (popularity[order[position - 1] ?? 0] ?? 0)) rank = position;
    result[item] = rank / n;
  });
  return result;
}
