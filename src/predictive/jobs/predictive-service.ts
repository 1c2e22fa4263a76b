import { type ProfileScores, countTimelineRows, readScoreByKey } from '../../profiles/index.js';
import { type Scheduler, scheduleChore, type Chore } from '../../scheduler/index.js';
import type { Clock } from '../../shared/clock.js';
import { RapportError } from '../../shared/errors.js';
import { randomId } from '../../shared/ids.js';
import type { Database } from '../../storage/database.js';
import {
  failStaleReports,
  findPredictiveReport,
  finishPredictiveReport,
  insertPredictiveReport,
  listPredictiveReports,
  readBehaviourPage,
  type BehaviourRow,
  type PredictiveReportRow,
  type TimelineKey,
} from '../store/predictive.js';
import { readTrackedInventory } from '../../catalog/index.js';
import { parseOrder, runPipeline, type PipelineOptions, type PipelinePhase, type PredictiveReport, type ProfileBehaviour } from '../models/pipeline.js';
import type { ActivityKind } from '../models/propensity.js';
import { distribution, moneyDistribution, type Distribution } from '../models/distribution.js';
import { ownValue } from '../../shared/own.js';

/** A stored model report as the API shows it. */
export interface PredictiveReportView {
  id: string;
  status: 'running' | 'completed' | 'failed';
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  seconds: number | null;
  report: PredictiveReport | null;
  error: string | null;
}

export type RefreshPhase = 'read' | PipelinePhase | 'write';

export interface RefreshProgress {
  phase: RefreshPhase;
  /** Units done and total in this phase (timeline rows, fraction × 100, score rows). */
  done: number;
  total: number;
}

export interface PredictiveServiceDeps {
  database: Database;
  clock: Clock;
  scores: Pick<ProfileScores, 'write'>;
  /** How often the scheduled job refreshes each workspace (default 24 h; 0 disables it). */
  refreshIntervalMs?: number;
  options?: PipelineOptions;
}

const PAGE = 5000;
/** Page or screen views closer than this belong to one session. */
const SESSION_GAP_MS = 30 * 60_000;
/** Score rows per write (one transaction each), so a big workspace does not hold one huge transaction. */
const WRITE_CHUNK = 20_000;
/** The scheduler job kind (and key, one per workspace) of the periodic refresh. */
export const REFRESH_JOB = 'predictive.refresh';

const ACTIVITY: Record<string, ActivityKind> = {
  'Product Viewed': 'product_view',
  'Product Added': 'cart_add',
  'Email Opened': 'email_open',
  'Email Link Clicked': 'email_click',
};

/**
 * Refreshes a workspace's predictive models: reads orders and behaviour resolved to profiles,
 * runs the pure pipeline, writes the scores to profiles and stores the model report. Runs on
 * demand (`rapport predict`, the admin API) and as a scheduled job every `refreshIntervalMs`.
 * @example const report = await predictive.refresh('default', { trigger: 'cli' });
 */
/** The orders' currency a stored report names (`report.clv.currency`), or null. */
function reportCurrency(text: string): string | null {
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    return null;
  }
  const clv: unknown = typeof report === 'object' && report !== null ? Reflect.get(report, 'clv') : undefined;
  const currency: unknown = typeof clv === 'object' && clv !== null ? Reflect.get(clv, 'currency') : undefined;
  return typeof currency === 'string' ? currency : null;
}

export class PredictiveService {
  readonly #deps: PredictiveServiceDeps;
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(deps: PredictiveServiceDeps) {
    this.#deps = deps;
  }

  /** Runs one refresh now. Throws a `conflict` RapportError when one is already running for the workspace. */
  async refresh(
    workspaceId: string,
    options: { trigger: 'job' | 'cli' | 'api'; onProgress?: (progress: RefreshProgress) => void; onStarted?: (reportId: string) => void },
  ): Promise<PredictiveReportView> {
    const run = this.#refresh(workspaceId, options);
    this.#inFlight.add(run);
    try {
      return await run;
    } finally {
      this.#inFlight.delete(run);
    }
  }

  /** Waits for refreshes in flight (an API-started one runs after its request returned). */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }

  async #refresh(
    workspaceId: string,
    options: { trigger: 'job' | 'cli' | 'api'; onProgress?: (progress: RefreshProgress) => void; onStarted?: (reportId: string) => void },
  ): Promise<PredictiveReportView> {
    const { database, clock } = this.#deps;
    const result = await database.tryWithLock(`predictive:${workspaceId}`, async () => {
      const id = randomId('pred', 10);
      const startedAt = clock.now();
      // A report still "running" from before this lock was taken belongs to a dead process.
      await failStaleReports(database.db, workspaceId, startedAt, startedAt);
      await insertPredictiveReport(database.db, workspaceId, { id, trigger: options.trigger, startedAt });
      options.onStarted?.(id);
      try {
        const profiles = await this.#readBehaviour(workspaceId, options.onProgress);
        const inventory = await readTrackedInventory(database.db, workspaceId);
        const { report, scores } = runPipeline({ profiles, inventory, now: startedAt, options: this.#deps.options }, (phase, fraction) =>
          options.onProgress?.({ phase, done: Math.round(fraction * 100), total: 100 }),
        );
        if (report.failure !== null) {
          // Nothing is written: the profiles keep the scores of the last refresh that succeeded.
          const previous = (await listPredictiveReports(database.db, workspaceId, 50)).find((row) => row.status === 'completed');
          const kept =
            previous === undefined
              ? 'no earlier refresh succeeded, so profiles have no predictive scores yet'
              : `profiles keep the scores of refresh ${previous.id} (${new Date(previous.startedAt).toISOString()})`;
          await finishPredictiveReport(database.db, workspaceId, id, { status: 'failed', finishedAt: clock.now(), report: JSON.stringify(report), error: `${report.failure}: ${kept}` });
          const failed = await findPredictiveReport(database.db, workspaceId, id);
          if (failed === undefined) throw new Error(`predictive report ${id} vanished`);
          return toView(failed);
        }
        const total = scores.reduce((sum, group) => sum + group.rows.length, 0);
        let done = 0;
        for (const group of scores) {
          for (let start = 0; start < group.rows.length; start += WRITE_CHUNK) {
            const chunk = group.rows.slice(start, start + WRITE_CHUNK);
            await this.#deps.scores.write(workspaceId, chunk, group.source);
            done += chunk.length;
            options.onProgress?.({ phase: 'write', done, total });
          }
        }
        await finishPredictiveReport(database.db, workspaceId, id, { status: 'completed', finishedAt: clock.now(), report: JSON.stringify(report), error: null });
      } catch (error) {
        await finishPredictiveReport(database.db, workspaceId, id, { status: 'failed', finishedAt: clock.now(), report: '{}', error: error instanceof Error ? error.message : String(error) });
        throw error;
      }
      const row = await findPredictiveReport(database.db, workspaceId, id);
      if (row === undefined) throw new Error(`predictive report ${id} vanished`);
      return toView(row);
    });
    if (result === undefined) throw new RapportError('conflict', `a predictive refresh is already running for workspace "${workspaceId}"; wait for it to finish`);
    return result;
  }

  /** The newest reports first. */
  async reports(workspaceId: string, limit = 20): Promise<PredictiveReportView[]> {
    return (await listPredictiveReports(this.#deps.database.db, workspaceId, limit)).map(toView);
  }

  /** One report by id, or undefined. */
  async report(workspaceId: string, id: string): Promise<PredictiveReportView | undefined> {
    const row = await findPredictiveReport(this.#deps.database.db, workspaceId, id);
    return row === undefined ? undefined : toView(row);
  }

  /**
   * How the current scores spread over the workspace's profiles: predicted CLV (in the shop's
   * currency, from the newest completed report) and churn risk (0–1), as histograms.
   */
  async distributions(workspaceId: string): Promise<{ currency: string | null; clv: Distribution; churnRisk: Distribution }> {
    const { db } = this.#deps.database;
    const numbers = (scores: Map<string, unknown>) => [...scores.values()].filter((value): value is number => typeof value === 'number');
    const [clv, churn, reports] = await Promise.all([readScoreByKey(db, workspaceId, 'predicted_clv'), readScoreByKey(db, workspaceId, 'churn_risk'), listPredictiveReports(db, workspaceId, 20)]);
    const completed = reports.find((row) => row.status === 'completed');
    const currency = completed === undefined ? null : reportCurrency(completed.report);
    return { currency, clv: moneyDistribution(numbers(clv)), churnRisk: distribution(numbers(churn), { bins: 10, lower: 0, upper: 1 }) };
  }

  /**
   * The daily refresh as a chore: a durable job per workspace, `refreshIntervalMs` after
   * start-up and then again after each run (leased, so one worker runs it when several share
   * the store). Undefined when the interval is 0.
   */
  refreshChore(): Chore | undefined {
    const interval = this.#deps.refreshIntervalMs ?? 24 * 3_600_000;
    if (interval <= 0) return undefined;
    return {
      kind: REFRESH_JOB,
      everyMs: interval,
      maxAttempts: 3,
      run: async (workspaceId) => {
        try {
          await this.refresh(workspaceId, { trigger: 'job' });
        } catch (error) {
          // Another process refreshing the same workspace right now is not a failure.
          if (!(error instanceof RapportError && error.code === 'conflict')) throw error;
        }
      },
    };
  }

  /** Registers the refresh chore on a scheduler and gives every workspace its job. Idempotent: an existing job is left as it is. */
  async schedule(scheduler: Pick<Scheduler, 'register' | 'enqueue'>): Promise<void> {
    const chore = this.refreshChore();
    if (chore !== undefined) await scheduleChore(scheduler, this.#deps, chore);
  }

  async #readBehaviour(workspaceId: string, onProgress?: (progress: RefreshProgress) => void): Promise<ProfileBehaviour[]> {
    const db = this.#deps.database.db;
    const total = await countTimelineRows(db, workspaceId);
    const profiles: ProfileBehaviour[] = [];
    let current: ProfileBehaviour | undefined;
    let lastSession = Number.NEGATIVE_INFINITY;
    let after: TimelineKey | undefined;
    let scanned = 0;
    const add = (row: BehaviourRow) => {
      if (current === undefined || current.profileId !== row.profileId) {
        current = { profileId: row.profileId, orders: [], activity: [] };
        profiles.push(current);
        lastSession = Number.NEGATIVE_INFINITY;
      }
      if (row.type === 'page' || row.type === 'screen') {
        if (row.timestamp - lastSession > SESSION_GAP_MS) current.activity.push({ at: row.timestamp, kind: 'session' });
        lastSession = row.timestamp;
        return;
      }
      if (row.event === 'Order Completed') {
        current.orders.push(parseOrder(safeJson(row.payload), row.timestamp));
        return;
      }
      const kind = row.event === null ? undefined : ownValue(ACTIVITY, row.event);
      if (kind !== undefined) current.activity.push({ at: row.timestamp, kind });
    };
    for (;;) {
      const page = await readBehaviourPage(db, workspaceId, after, PAGE);
      for (const row of page.rows) add(row);
      if (page.last === undefined) break;
      after = page.last;
      scanned += PAGE;
      onProgress?.({ phase: 'read', done: Math.min(scanned, total), total });
    }
    onProgress?.({ phase: 'read', done: total, total });
    return profiles;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function toView(row: PredictiveReportRow): PredictiveReportView {
  let report: PredictiveReport | null = null;
  if (row.status !== 'running') report = parseReport(row.report);
  return {
    id: row.id,
    status: row.status,
    trigger: row.trigger,
    startedAt: new Date(row.startedAt).toISOString(),
    finishedAt: row.finishedAt === null ? null : new Date(row.finishedAt).toISOString(),
    seconds: row.finishedAt === null ? null : (row.finishedAt - row.startedAt) / 1000,
    report,
    error: row.error,
  };
}

// Narrow adapter: the report JSON was written by `runPipeline` through this service.
function parseReport(text: string): PredictiveReport | null {
  const value: unknown = safeJson(text);
  return isReport(value) ? value : null;
}

function isReport(value: unknown): value is PredictiveReport {
  return typeof value === 'object' && value !== null && 'clv' in value && 'propensity' in value && 'data' in value;
}
