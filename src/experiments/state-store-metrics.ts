import type { Database } from '../storage/database.js';
import { readExposures, readMetricEvents } from './store/experiments.js';
import type { VariantMetricData } from './analysis.js';
import type { MetricDefinition, MetricPart } from './definition.js';
import { metricParts, numeric, passesFilter, propertyAt, windowMs, type MetricAggregates, type MetricRequest, type MetricSource } from './metric-source.js';

const PAGE = 5000;

interface Accumulator {
  metric: MetricDefinition;
  window: number;
  numerator: MetricPart;
  denominator: MetricPart | undefined;
  /** Per unit (index): the metric value after exposure, and the same window before it (CUPED). */
  value: Float64Array;
  denominatorValue: Float64Array | undefined;
  pre: Float64Array | undefined;
}

/**
 * Metric aggregates from the event log in the state store: the experiment's exposures are read
 * into memory (unit → variant, exposure time), then the events of the metrics' names over the
 * exposure span are scanned once, each attributed to its unit (by userId or anonymousId) when
 * it falls in the metric's window after that unit's exposure.
 * @example const source = new StateStoreMetricSource(database); await source.aggregate({ workspaceId, experimentId, definition, now });
 */
export class StateStoreMetricSource implements MetricSource {
  constructor(private readonly database: Pick<Database, 'db'>) {}

  async aggregate(request: MetricRequest): Promise<MetricAggregates> {
    const { db } = this.database;
    const { definition, workspaceId } = request;
    const variantIndex = new Map(definition.variants.map((variant, index) => [variant.key, index]));
    const unitIndex = new Map<string, number>();
    const variants: number[] = [];
    const exposedAt: number[] = [];
    let after: string | null = null;
    let earliest = Infinity;
    let latest = -Infinity;
    for (;;) {
      const page = await readExposures(db, workspaceId, request.experimentId, after, PAGE);
      for (const row of page) {
        const index = variantIndex.get(row.variant);
        if (index === undefined) continue; // a variant removed from the definition
        unitIndex.set(row.unitId, variants.length);
        variants.push(index);
        exposedAt.push(row.exposedAt);
        earliest = Math.min(earliest, row.exposedAt);
        latest = Math.max(latest, row.exposedAt);
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]?.unitId ?? null;
    }
    const unitCount = variants.length;
    const cupedOn = definition.analysis.cuped;
    const accumulators: Accumulator[] = definition.metrics.map((metric) => {
      const parts = metricParts(metric);
      return {
        metric,
        window: windowMs(metric),
        numerator: parts.numerator,
        denominator: parts.denominator,
        value: new Float64Array(unitCount),
        denominatorValue: parts.denominator === undefined ? undefined : new Float64Array(unitCount),
        pre: cupedOn && metric.kind !== 'ratio' ? new Float64Array(unitCount) : undefined,
      };
    });
    if (unitCount > 0) {
      const events = [...new Set(accumulators.flatMap((acc) => [acc.numerator.event, ...(acc.denominator ? [acc.denominator.event] : [])]))];
      const longest = Math.max(...accumulators.map((acc) => acc.window));
      const from = cupedOn ? earliest - longest : earliest;
      const to = Math.min(latest + longest, request.now + 1);
      const needsPayload = new Set(
        accumulators
          .flatMap((acc) => [acc.numerator, ...(acc.denominator ? [acc.denominator] : [])])
          .filter((part) => (part.filters?.length ?? 0) > 0 || part.valueProperty !== undefined)
          .map((part) => part.event),
      );
      let cursor: { timestamp: number; partition: number; seq: number } | null = null;
      for (;;) {
        const page = await readMetricEvents(db, workspaceId, events, from, to, cursor, PAGE);
        for (const row of page) {
          const unit = (row.userId !== null ? unitIndex.get(row.userId) : undefined) ?? (row.anonymousId !== null ? unitIndex.get(row.anonymousId) : undefined);
          if (unit === undefined) continue;
          const exposure = exposedAt[unit] ?? 0;
          let properties: unknown;
          if (needsPayload.has(row.event)) properties = propertiesOf(row.payload);
          for (const acc of accumulators) {
            const offset = row.timestamp - exposure;
            const inWindow = offset >= 0 && offset < acc.window;
            const inPre = acc.pre !== undefined && offset < 0 && offset >= -acc.window;
            if (!inWindow && !inPre) continue;
            if (acc.numerator.event === row.event && matches(acc.numerator, properties)) {
              const amount = amountOf(acc.numerator, properties);
              const target = inWindow ? acc.value : acc.pre;
              if (target !== undefined) target[unit] = acc.metric.kind === 'conversion' ? 1 : (target[unit] ?? 0) + amount;
            }
            if (inWindow && acc.denominator !== undefined && acc.denominatorValue !== undefined && acc.denominator.event === row.event && matches(acc.denominator, properties)) {
              acc.denominatorValue[unit] = (acc.denominatorValue[unit] ?? 0) + amountOf(acc.denominator, properties);
            }
          }
        }
        const last = page[page.length - 1];
        if (page.length < PAGE || last === undefined) break;
        cursor = { timestamp: last.timestamp, partition: last.partition, seq: last.seq };
      }
    }
    const units = definition.variants.map(() => 0);
    for (const variant of variants) units[variant] = (units[variant] ?? 0) + 1;
    const metrics = new Map<string, VariantMetricData[]>();
    for (const acc of accumulators) metrics.set(acc.metric.id, reduce(acc, variants, definition.variants.length, cupedOn));
    return { units, metrics };
  }
}

function propertiesOf(payload: string): unknown {
  try {
    const message: unknown = JSON.parse(payload);
    return message !== null && typeof message === 'object' && Object.hasOwn(message, 'properties') ? Reflect.get(message, 'properties') : undefined;
  } catch {
    return undefined;
  }
}

function matches(part: MetricPart, properties: unknown): boolean {
  return (part.filters ?? []).every((filter) => passesFilter(properties, filter));
}

function amountOf(part: MetricPart, properties: unknown): number {
  if (part.valueProperty === undefined) return 1;
  return numeric(propertyAt(properties, part.valueProperty)) ?? 0;
}

/** Per-unit values to per-variant sums (n, Σ, Σ², and the pre-period sums for CUPED). */
function reduce(acc: Accumulator, variants: readonly number[], variantCount: number, cupedOn: boolean): VariantMetricData[] {
  const n = new Float64Array(variantCount);
  const sum = new Float64Array(variantCount);
  const squares = new Float64Array(variantCount);
  const dSum = new Float64Array(variantCount);
  const dSquares = new Float64Array(variantCount);
  const cross = new Float64Array(variantCount);
  const preSum = new Float64Array(variantCount);
  const preSquares = new Float64Array(variantCount);
  const preCross = new Float64Array(variantCount);
  for (let unit = 0; unit < variants.length; unit++) {
    const v = variants[unit] ?? 0;
    const y = acc.value[unit] ?? 0;
    n[v] = (n[v] ?? 0) + 1;
    sum[v] = (sum[v] ?? 0) + y;
    squares[v] = (squares[v] ?? 0) + y * y;
    if (acc.denominatorValue !== undefined) {
      const d = acc.denominatorValue[unit] ?? 0;
      dSum[v] = (dSum[v] ?? 0) + d;
      dSquares[v] = (dSquares[v] ?? 0) + d * d;
      cross[v] = (cross[v] ?? 0) + y * d;
    }
    if (acc.pre !== undefined) {
      const x = acc.pre[unit] ?? 0;
      preSum[v] = (preSum[v] ?? 0) + x;
      preSquares[v] = (preSquares[v] ?? 0) + x * x;
      preCross[v] = (preCross[v] ?? 0) + x * y;
    }
  }
  const result: VariantMetricData[] = [];
  for (let v = 0; v < variantCount; v++) {
    const units = n[v] ?? 0;
    const s = sum[v] ?? 0;
    const entry: VariantMetricData =
      acc.metric.kind === 'ratio'
        ? {
            aggregate: {
              kind: 'ratio',
              n: units,
              numeratorSum: s,
              numeratorSumSquares: squares[v] ?? 0,
              denominatorSum: dSum[v] ?? 0,
              denominatorSumSquares: dSquares[v] ?? 0,
              crossSum: cross[v] ?? 0,
            },
          }
        : acc.metric.kind === 'conversion' && !cupedOn
          ? { aggregate: { kind: 'proportion', n: units, sum: s } }
          : { aggregate: { kind: 'mean', n: units, sum: s, sumSquares: squares[v] ?? 0 } };
    if (acc.pre !== undefined) entry.covariate = { n: units, sum: s, sumSquares: squares[v] ?? 0, preSum: preSum[v] ?? 0, preSumSquares: preSquares[v] ?? 0, crossSum: preCross[v] ?? 0 };
    result.push(entry);
  }
  return result;
}
