import type { Database } from '../../storage/database.js';
import { RapportError } from '../../shared/errors.js';
import type { AnalyticsEngine, RawAttribution, SegmentMembers } from '../engine.js';
import type { AttributionQuery, CohortQuery, DroppedQuery, FunnelQuery } from '../queries.js';
import type { CohortResult, FunnelResult, MaturitySignals, PeriodFigures, RfmGroupSummary, RfmProfileRow } from '../results.js';
import { attributionSql } from './attribution-sql.js';
import { cohortResult, cohortSql } from './cohort-sql.js';
import { count, DuckFile, text } from './connection.js';
import { checkDropped, checkRange, checkSegments, rawAttribution } from '../engine-shared.js';
import { funnelDroppedSql, funnelResult, funnelSummarySql } from './funnel-sql.js';
import { maturitySignals, orderFiguresSql, periodFigures, sessionFiguresSql, signalsSql } from './kpi-sql.js';
import { Replica, type ReplicaOptions, type ReplicaStatus, type SyncReport } from '../replica.js';
import { DuckReplicaStore } from './duck-replica-store.js';
import { rfmGroupSummaries, rfmMovementSql, rfmProfileRows, rfmRowsSql, rfmSummarySql } from './rfm-sql.js';

export interface DuckDbEngineOptions extends ReplicaOptions {
  /** The DuckDB file, e.g. `<dataDir>/analytics.duckdb`, or `:memory:`. */
  file: string;
  /** DuckDB worker threads (default: all cores). */
  threads?: number;
}

/**
 * The DuckDB analytics engine: the replica plus every analysis as one SQL query over it.
 * @example const engine = await DuckDbEngine.open(database, { file: 'data/analytics.duckdb' }); await engine.sync();
 */
export class DuckDbEngine implements AnalyticsEngine {
  private constructor(
    private readonly duck: DuckFile,
    private readonly replica: Replica,
  ) {}

  static async open(database: Database, options: DuckDbEngineOptions): Promise<DuckDbEngine> {
    const duck = await DuckFile.open(options.file, options.threads === undefined ? {} : { threads: options.threads });
    const replica = new Replica(new DuckReplicaStore(duck), database, options);
    await replica.init();
    return new DuckDbEngine(duck, replica);
  }

  /** The underlying file, for benchmarks that time hand-written SQL against the engine. */
  get file(): DuckFile {
    return this.duck;
  }

  get version(): number {
    return this.replica.version;
  }

  sync(): Promise<SyncReport> {
    return this.replica.sync();
  }

  rebuild(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    return this.replica.rebuild(onProgress);
  }

  eraseProfiles(workspaceId: string, profileIds: readonly string[]): Promise<number> {
    return this.replica.eraseProfiles(workspaceId, profileIds);
  }

  status(): Promise<ReplicaStatus> {
    return this.replica.status();
  }

  async funnel(workspaceId: string, query: FunnelQuery, segments: readonly SegmentMembers[] = []): Promise<FunnelResult> {
    checkRange(query.from, query.to);
    checkSegments(query, segments);
    if (query.breakdown === 'segment') {
      const overall = funnelSummarySql(workspaceId, { ...query, breakdown: undefined }, false);
      const split = funnelSummarySql(workspaceId, query, true);
      return this.duck.exclusive(async (connection) => {
        await connection.run('create or replace temp table funnel_segments (segment varchar, profile_id varchar)');
        const appender = await connection.createAppender('funnel_segments', 'main', 'temp');
        for (const segment of segments) {
          for (const id of segment.profileIds) {
            appender.appendVarchar(segment.id);
            appender.appendVarchar(id);
            appender.endRow();
          }
        }
        appender.flushSync();
        appender.closeSync();
        const [total] = (await connection.runAndReadAll(overall.text, overall.params.values)).getRowObjectsJS();
        const rows = (await connection.runAndReadAll(split.text, split.params.values)).getRowObjectsJS();
        await connection.run('drop table funnel_segments');
        return funnelResult(query, rows, total);
      });
    }
    const sql = funnelSummarySql(workspaceId, query, false);
    const rows = await this.duck.all(sql.text, sql.params.values);
    const total = query.breakdown === undefined ? rows[0] : rows.find((row) => count(row.is_total) === 1);
    return funnelResult(query, rows, total);
  }

  async droppedProfiles(workspaceId: string, query: DroppedQuery): Promise<string[]> {
    checkDropped(query);
    const sql = funnelDroppedSql(workspaceId, query, query.step, query.limit ?? 1000);
    const rows = await this.duck.all(sql.text, sql.params.values);
    return rows.map((row) => text(row.profile_id) ?? '');
  }

  async cohorts(workspaceId: string, query: CohortQuery): Promise<CohortResult> {
    if (query.from !== undefined && query.to !== undefined) checkRange(query.from, query.to);
    const sql = cohortSql(workspaceId, query);
    return cohortResult(query, await this.duck.all(sql.text, sql.params.values));
  }

  async rfmSummary(workspaceId: string, asOf: number): Promise<{ customers: number; groups: RfmGroupSummary[] }> {
    const sql = rfmSummarySql(workspaceId, asOf);
    return rfmGroupSummaries(await this.duck.all(sql.text, sql.params.values));
  }

  async rfmProfiles(workspaceId: string, asOf: number, limit?: number): Promise<RfmProfileRow[]> {
    const sql = rfmRowsSql(workspaceId, asOf, limit);
    return rfmProfileRows(await this.duck.all(sql.text, sql.params.values));
  }

  async rfmMovement(workspaceId: string, asOf: number, compareTo: number): Promise<{ from: string; to: string; profiles: number }[]> {
    if (!(compareTo < asOf)) throw new RapportError('analytics.range_invalid', 'compareTo must be earlier than asOf');
    const sql = rfmMovementSql(workspaceId, asOf, compareTo);
    const rows = await this.duck.all(sql.text, sql.params.values);
    return rows.map((row) => ({ from: text(row.from_group) ?? 'none', to: text(row.to_group) ?? 'none', profiles: count(row.profiles) }));
  }

  async attribution(workspaceId: string, query: AttributionQuery): Promise<RawAttribution> {
    checkRange(query.from, query.to);
    const sql = attributionSql(workspaceId, query);
    return rawAttribution(query, await this.duck.all(sql.text, sql.params.values));
  }

  async periodFigures(workspaceId: string, from: number, to: number): Promise<PeriodFigures> {
    const sessions = sessionFiguresSql(workspaceId, from, to);
    const orders = orderFiguresSql(workspaceId, from, to);
    const sessionRows = await this.duck.all(sessions.text, sessions.params.values);
    const [orderRow] = await this.duck.all(orders.text, orders.params.values);
    return periodFigures(sessionRows, orderRow);
  }

  async maturitySignals(workspaceId: string): Promise<MaturitySignals> {
    const sql = signalsSql(workspaceId);
    const [row] = await this.duck.all(sql.text, sql.params.values);
    return maturitySignals(row);
  }

  async close(): Promise<void> {
    await this.duck.exclusive(async () => undefined);
    this.duck.close();
  }
}
