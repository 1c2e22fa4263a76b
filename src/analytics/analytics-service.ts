import { performance } from 'node:perf_hooks';
import { FollowerLoop, type PassResult } from '../log/follower-loop.js';
import type { ProfileScores } from '../profiles/index.js';
import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import type { Database } from '../storage/database.js';
import { countScored } from './store/analytics-feed.js';
import { roundMoney, sumMoney } from '../shared/money.js';
import { readShopCurrency } from '../catalog/index.js';
import { readWorkspaceActivity } from './workspace-activity.js';
import { listAdSpend, noteAnalysisRun, readAnalysisUsage, upsertAdSpend, type AdSpendRow } from './store/analytics-settings.js';
import type { AnalyticsEngine, ReplicaStatus, SegmentMembers, SyncReport } from './engine.js';
import { kpiReport, type KpiLine } from './kpi.js';
import { assessMaturity, type MaturityAssessment } from './maturity.js';
import {
  DEFAULT_PERIOD_DAYS,
  type AnalysisPeriod,
  type AttributionRequest,
  type CohortQuery,
  type DroppedRequest,
  type FunnelQuery,
  type FunnelRequest,
  type PeriodRequest,
  type RfmQuery,
} from './queries.js';
import type { AttributionResult, AttributionRow, CohortResult, FunnelResult, RfmResult } from './results.js';

export type { AdSpendRow } from './store/analytics-settings.js';

export interface KpiReport {
  from: string;
  to: string;
  previousFrom: string;
  /** The period compared with [previousFrom, from), and whether the request named it or the default (the last 30 days) filled it in. */
  period: AnalysisPeriod;
  lines: KpiLine[];
}

export interface AnalyticsServiceDeps {
  database: Database;
  engine: AnalyticsEngine;
  clock: Clock;
  scores: Pick<ProfileScores, 'write'>;
  /** Members of a segment (for funnel breakdowns by segment); absent when segments are not wired. */
  segmentMembers?: (workspaceId: string, segmentId: string) => Promise<string[]>;
  /** Background replica sync interval; 0 disables the timer (reads still sync first). */
  syncIntervalMs?: number;
  /**
   * While this thread is busy (more than `busyUtilization` of the last interval spent working,
   * e.g. an ingest burst) background passes are put off, but never for longer than this. A pass
   * costs about as much per event whenever it runs, and fewer, larger passes read each changed
   * profile once instead of once per interval. Default 60 s; reads still sync first.
   */
  maxSyncDeferMs?: number;
  /** Event-loop utilization (0..1) above which this thread counts as busy. Default 0.5. */
  busyUtilization?: number;
  onError?: (error: unknown) => void;
}

const CACHE_ENTRIES = 256;
// Score rows per write: about a thousand profiles' RFM scores, a few milliseconds of work.
const SCORE_SLICE = 4000;
const DAY = 86_400_000;
const MINUTE = 60_000;

/**
 * The analyses a shop asks for, over the analytics engine: each call first brings the replica
 * up to date, then answers from a cache keyed by the replica's version, so a repeated question
 * costs nothing until new data arrives.
 * @example const funnel = await analytics.funnel('ws', { steps: [...], from, to });
 */
export class AnalyticsService {
  readonly #cache = new Map<string, { version: number; value: unknown }>();
  #follower: FollowerLoop | undefined;
  #syncing: Promise<SyncReport> | undefined;

  constructor(private readonly deps: AnalyticsServiceDeps) {}

  get engine(): AnalyticsEngine {
    return this.deps.engine;
  }

  /** Starts following the event log in the background, one pass per `syncIntervalMs` at most. */
  start(): void {
    const interval = this.deps.syncIntervalMs ?? 0;
    if (interval <= 0 || this.#follower !== undefined) return;
    const maxDefer = this.deps.maxSyncDeferMs ?? 60_000;
    const busyAbove = this.deps.busyUtilization ?? 0.5;
    let lastPass = Date.now();
    let usage = performance.eventLoopUtilization();
    const pass = async (): Promise<PassResult> => {
      const now = Date.now();
      const since = performance.eventLoopUtilization(usage);
      usage = performance.eventLoopUtilization();
      if (since.utilization > busyAbove && now - lastPass < maxDefer) return { moved: 0, full: false, linger: false };
      lastPass = now;
      const report = await this.sync();
      return { moved: report.events, full: false, linger: false };
    };
    // The first pass waits an interval too: opening DuckDB and copying the log is no start-up work.
    this.#follower = new FollowerLoop(pass, { pollIntervalMs: interval, lingerMs: 0, minPassIntervalMs: interval, firstPassAfterMs: interval, onError: (error) => this.deps.onError?.(error) });
    this.#follower.start();
  }

  /** New events were processed: the replica follows at its next pass. */
  wake(): void {
    this.#follower?.wake();
  }

  async stop(): Promise<void> {
    await this.#follower?.stop();
    this.#follower = undefined;
    await this.#syncing?.catch(() => undefined);
  }

  /** Stops following the log and closes the engine. */
  async close(): Promise<void> {
    await this.stop();
    await this.deps.engine.close();
  }

  /** One replica pass; concurrent callers share it. */
  sync(): Promise<SyncReport> {
    if (this.#syncing === undefined) {
      this.#syncing = this.deps.engine
        .sync()
        .then((report) => {
          for (const failure of report.failed) this.deps.onError?.(new Error(`replica partition ${failure.workspaceId}/${failure.partition} not copied: ${failure.reason}`));
          return report;
        })
        .finally(() => {
          this.#syncing = undefined;
        });
    }
    return this.#syncing;
  }

  rebuild(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    this.#cache.clear();
    return this.deps.engine.rebuild(onProgress);
  }

  status(): Promise<ReplicaStatus> {
    return this.deps.engine.status();
  }

  async #cached<T>(workspaceId: string, analysis: string, params: unknown, compute: () => Promise<T>, isT: (value: unknown) => value is T): Promise<T> {
    await this.sync();
    await noteAnalysisRun(this.deps.database.db, workspaceId, analysis, this.deps.clock.now());
    const key = `${workspaceId}\u0000${analysis}\u0000${JSON.stringify(params)}`;
    const hit = this.#cache.get(key);
    if (hit !== undefined && hit.version === this.deps.engine.version && isT(hit.value)) {
      // Refresh its place: the map's order is least recently used first.
      this.#cache.delete(key);
      this.#cache.set(key, hit);
      return hit.value;
    }
    const version = this.deps.engine.version;
    const value = await compute();
    this.#cache.set(key, { version, value });
    while (this.#cache.size > CACHE_ENTRIES) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
    return value;
  }

  /** Entries currently cached (for tests and the status API). */
  get cacheSize(): number {
    return this.#cache.size;
  }

  async funnel(workspaceId: string, request: FunnelRequest): Promise<FunnelResult> {
    const { query, period } = this.#withPeriod(request);
    return this.#cached(
      workspaceId,
      'funnel',
      query,
      async () => ({ period, ...(await this.deps.engine.funnel(workspaceId, query, await this.#segments(workspaceId, query))) }),
      isObject<FunnelResult>,
    );
  }

  /** Profiles who dropped at `query.step`; with `saveAs`, also stored as a score segments can use. */
  async droppedProfiles(workspaceId: string, request: DroppedRequest): Promise<string[]> {
    const { query } = this.#withPeriod(request);
    const { saveAs, ...question } = query;
    const ids = await this.#cached(workspaceId, 'funnel_dropped', question, () => this.deps.engine.droppedProfiles(workspaceId, question), isStringArray);
    if (saveAs !== undefined && ids.length > 0) {
      await this.#writeScores(
        workspaceId,
        ids.map((profileId) => ({ profileId, key: `funnel_${saveAs}`, value: query.step })),
        'analytics:funnel',
      );
    }
    return ids;
  }

  async cohorts(workspaceId: string, query: CohortQuery): Promise<CohortResult> {
    const result = await this.#cached(workspaceId, 'cohorts', query, () => this.deps.engine.cohorts(workspaceId, query), isObject<CohortResult>);
    const currency = await this.#currency(workspaceId);
    return {
      ...result,
      cohorts: result.cohorts.map((row) => ({
        ...row,
        revenue: roundMoney(row.revenue, currency),
        periods: row.periods.map((period) => ({ ...period, revenue: roundMoney(period.revenue, currency) })),
      })),
    };
  }

  /** RFM as of `asOf` (default now); with `write`, stores the scores on the profiles. */
  async rfm(workspaceId: string, query: RfmQuery): Promise<RfmResult> {
    const asOf = query.asOf === undefined ? this.deps.clock.now() : parseInstant(query.asOf, 'asOf');
    const compareTo = query.compareTo === undefined ? undefined : parseInstant(query.compareTo, 'compareTo');
    const result = await this.#cached(
      workspaceId,
      'rfm',
      { ...query, asOf, write: undefined },
      async (): Promise<RfmResult> => {
        const summary = await this.deps.engine.rfmSummary(workspaceId, asOf);
        const profiles = await this.deps.engine.rfmProfiles(workspaceId, asOf, query.limit ?? 100);
        const result: RfmResult = { asOf: new Date(asOf).toISOString(), customers: summary.customers, groups: summary.groups, profiles };
        if (compareTo !== undefined) result.movement = await this.deps.engine.rfmMovement(workspaceId, asOf, compareTo);
        return result;
      },
      isObject<RfmResult>,
    );
    if (query.write === true) await this.writeRfmScores(workspaceId, asOf);
    const currency = await this.#currency(workspaceId);
    return {
      ...result,
      groups: result.groups.map((group) => ({ ...group, revenue: roundMoney(group.revenue, currency), avgRevenue: roundMoney(group.avgRevenue, currency) })),
      profiles: result.profiles.map((row) => ({ ...row, revenue: roundMoney(row.revenue, currency) })),
    };
  }

  /** Stores rfm_recency, rfm_frequency, rfm_monetary and rfm_group on every scored profile. */
  async writeRfmScores(workspaceId: string, asOf: number): Promise<number> {
    await this.sync();
    const rows = await this.deps.engine.rfmProfiles(workspaceId, asOf);
    const scores = rows.flatMap((row) => [
      { profileId: row.profileId, key: 'rfm_recency', value: row.r },
      { profileId: row.profileId, key: 'rfm_frequency', value: row.f },
      { profileId: row.profileId, key: 'rfm_monetary', value: row.m },
      { profileId: row.profileId, key: 'rfm_group', value: row.group },
    ]);
    await this.#writeScores(workspaceId, scores, 'analytics:rfm');
    return rows.length;
  }

  /**
   * Writes scores a slice at a time, yielding between slices: one transaction over every
   * profile of a shop held the event loop (and, on SQLite, the connection) for its whole length.
   */
  async #writeScores(workspaceId: string, rows: Parameters<ProfileScores['write']>[1], source: string): Promise<void> {
    for (let start = 0; start < rows.length; start += SCORE_SLICE) {
      if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      await this.deps.scores.write(workspaceId, rows.slice(start, start + SCORE_SLICE), source);
    }
  }

  async attribution(workspaceId: string, request: AttributionRequest): Promise<AttributionResult> {
    const { query, period } = this.#withPeriod(request);
    const raw = await this.#cached(workspaceId, 'attribution', query, () => this.deps.engine.attribution(workspaceId, query), isObject<Awaited<ReturnType<AnalyticsEngine['attribution']>>>);
    const spend = await this.#spendBy(workspaceId, query.from, query.to, raw.by);
    const currency = await this.#currency(workspaceId);
    const rows: AttributionRow[] = raw.rows.map((row) => {
      const amount = spend.get(row.key);
      const revenue = roundMoney(row.revenue, currency);
      if (amount === undefined) return { ...row, revenue };
      return { ...row, revenue, spend: roundMoney(amount, currency), cpa: row.orders > 0 ? roundMoney(amount / row.orders, currency) : null, roas: amount > 0 ? row.revenue / amount : null };
    });
    const totals = {
      orders: rows.reduce((sum, row) => sum + row.orders, 0),
      revenue: sumMoney(
        rows.map((row) => row.revenue),
        currency,
      ),
      spend: sumMoney(spend.values(), currency),
    };
    return { period, ...raw, rows, totals };
  }

  /** KPIs of [from, to) against the references and the period of equal length before it. */
  async kpis(workspaceId: string, request: PeriodRequest): Promise<KpiReport> {
    const { query, period } = this.#withPeriod(request);
    const from = parseInstant(query.from, 'from');
    const to = parseInstant(query.to, 'to');
    if (!(from < to)) throw new RapportError('analytics.range_invalid', `from (${query.from}) must be before to (${query.to})`);
    const previousFrom = from - (to - from);
    const figures = await this.#cached(
      workspaceId,
      'kpis',
      { from, to },
      async () => ({ current: await this.deps.engine.periodFigures(workspaceId, from, to), previous: await this.deps.engine.periodFigures(workspaceId, previousFrom, from) }),
      isObject<{ current: Awaited<ReturnType<AnalyticsEngine['periodFigures']>>; previous: Awaited<ReturnType<AnalyticsEngine['periodFigures']>> }>,
    );
    const spend = { current: await this.#totalSpend(workspaceId, from, to), previous: await this.#totalSpend(workspaceId, previousFrom, from) };
    const currency = await this.#currency(workspaceId);
    const lines = kpiReport({ ...figures, spend }).map((line) =>
      line.unit === 'currency' ? { ...line, value: roundMoney(line.value, currency), previous: roundMoney(line.previous, currency), change: roundMoney(line.change, currency) } : line,
    );
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), previousFrom: new Date(previousFrom).toISOString(), period, lines };
  }

  async maturity(workspaceId: string): Promise<MaturityAssessment> {
    await this.sync();
    const signals = await this.deps.engine.maturitySignals(workspaceId);
    const usage = Object.fromEntries(await readAnalysisUsage(this.deps.database.db, workspaceId));
    const rfmScored = await countScored(this.deps.database.db, workspaceId, 'rfm_group');
    const now = this.deps.clock.now();
    const kpis = await this.kpis(workspaceId, { from: new Date(now - 90 * DAY).toISOString(), to: new Date(now).toISOString() });
    const ltvToCac = kpis.lines.find((line) => line.key === 'ltv_cac')?.value ?? null;
    const activity = await readWorkspaceActivity(this.deps.database.db, workspaceId);
    return assessMaturity({ ...signals, usage, rfmScored, ltvToCac, activity });
  }

  async setAdSpend(workspaceId: string, rows: readonly AdSpendRow[]): Promise<void> {
    rows.forEach((row, index) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(row.day) || !Number.isFinite(Date.parse(`${row.day}T00:00:00Z`))) {
        throw new RapportError('analytics.cost_row_invalid', `rows[${index}].day must be a date like 2024-05-01, got "${row.day}"`);
      }
      if (!Number.isFinite(row.amount) || row.amount < 0) throw new RapportError('analytics.cost_row_invalid', `rows[${index}].amount must be a number >= 0`);
    });
    const normalized = rows.map((row) => ({ ...row, source: row.source.trim().toLowerCase(), campaign: row.campaign.trim() }));
    await this.deps.database.transaction((trx) => upsertAdSpend(trx, workspaceId, normalized, this.deps.clock.now()));
  }

  listAdSpend(workspaceId: string, request: PeriodRequest): Promise<AdSpendRow[]> {
    const { from, to } = this.#withPeriod(request).query;
    return listAdSpend(this.deps.database.db, workspaceId, dayOf(parseInstant(from, 'from')), dayOf(parseInstant(to, 'to') + DAY - 1));
  }

  async #totalSpend(workspaceId: string, from: number, to: number): Promise<number> {
    const rows = await listAdSpend(this.deps.database.db, workspaceId, dayOf(from), dayOf(to - 1 + DAY));
    return rows.filter((row) => Date.parse(`${row.day}T00:00:00Z`) < to).reduce((sum, row) => sum + row.amount, 0);
  }

  /** Spend of the period keyed like the attribution rows: by source, campaign, or `paid` for channels. */
  async #spendBy(workspaceId: string, from: string, to: string, by: AttributionResult['by']): Promise<Map<string, number>> {
    const end = parseInstant(to, 'to');
    const rows = (await listAdSpend(this.deps.database.db, workspaceId, dayOf(parseInstant(from, 'from')), dayOf(end - 1 + DAY))).filter((row) => Date.parse(`${row.day}T00:00:00Z`) < end);
    const spend = new Map<string, number>();
    for (const row of rows) {
      const key = by === 'source' ? row.source : by === 'campaign' ? row.campaign || '(none)' : by === 'channel' ? 'paid' : undefined;
      if (key === undefined) continue;
      spend.set(key, (spend.get(key) ?? 0) + row.amount);
    }
    return spend;
  }

  /** The currency money is rounded to on output: the catalog's (USD for an empty catalog). */
  async #currency(workspaceId: string): Promise<string> {
    return (await readShopCurrency(this.deps.database.db, workspaceId)) ?? 'USD';
  }

  /** Fills in a period the request left out: `to` now, `from` 30 days before `to`. */
  #withPeriod<Q extends { from?: string | undefined; to?: string | undefined }>(request: Q): { query: Q & { from: string; to: string }; period: AnalysisPeriod } {
    // Up to the end of the current minute rather than this millisecond: the same question asked
    // again within the minute is the same cache key, and no event lies in the future anyway.
    const to = request.to ?? new Date(Math.ceil(this.deps.clock.now() / MINUTE) * MINUTE).toISOString();
    const from = request.from ?? new Date(parseInstant(to, 'to') - DEFAULT_PERIOD_DAYS * DAY).toISOString();
    return { query: { ...request, from, to }, period: { from, to, source: request.from === undefined || request.to === undefined ? 'default' : 'requested' } };
  }

  async #segments(workspaceId: string, query: FunnelQuery): Promise<SegmentMembers[]> {
    if (query.breakdown !== 'segment') return [];
    const ids = query.segmentIds ?? [];
    if (ids.length === 0) throw new RapportError('analytics.segments_required', 'breakdown=segment needs segmentIds: the segments to compare');
    const members = this.deps.segmentMembers;
    if (members === undefined) throw new RapportError('analytics.segments_required', 'segment breakdowns need the segments module, which is not running in this process');
    return Promise.all(ids.map(async (id) => ({ id, profileIds: await members(workspaceId, id) })));
  }
}

function parseInstant(value: string, name: string): number {
  const parsed = Date.parse(value);
  if (!Number.isFinite(parsed)) throw new RapportError('analytics.range_invalid', `${name} must be an ISO-8601 date-time, got "${value}"`);
  return parsed;
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

// The cache holds what `compute` returned for the same key; these guards only satisfy the compiler.
function isObject<T extends object>(value: unknown): value is T {
  return typeof value === 'object' && value !== null;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
