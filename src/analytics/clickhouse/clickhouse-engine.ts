import { randomUUID } from 'node:crypto';
import type { Database } from '../../storage/database.js';
import { RapportError } from '../../shared/errors.js';
import type { AnalyticsEngine, RawAttribution, SegmentMembers } from '../engine.js';
import { checkDropped, checkRange, checkSegments, rawAttribution } from '../engine-shared.js';
import type { AttributionQuery, CohortQuery, DroppedQuery, FunnelQuery } from '../queries.js';
import type { CohortResult, FunnelResult, MaturitySignals, PeriodFigures, RfmGroupSummary, RfmProfileRow } from '../results.js';
import { Replica, type ReplicaOptions, type ReplicaStatus, type SyncReport } from '../replica.js';
import { cohortResult } from '../duckdb/cohort-sql.js';
import { funnelResult } from '../duckdb/funnel-sql.js';
import { maturitySignals, periodFigures } from '../duckdb/kpi-sql.js';
import { rfmGroupSummaries, rfmProfileRows } from '../duckdb/rfm-sql.js';
import { attributionSql } from './attribution-sql.js';
import { ClickHouseReplicaStore } from './clickhouse-replica-store.js';
import { cohortSql } from './cohort-sql.js';
import { count, text, type ClickHouseConnection, type ClickHouseRow } from './connection.js';
import { funnelDroppedSql, funnelSummarySql } from './funnel-sql.js';
import { orderFiguresSql, sessionFiguresSql, signalsSql } from './kpi-sql.js';
import type { Params } from './params.js';
import { rfmMovementSql, rfmRowsSql, rfmSummarySql } from './rfm-sql.js';

/*
 * The ClickHouse analytics engine: the same replica follower as DuckDB's (src/analytics/replica.ts)
 * writing to ClickHouse tables, and every analysis as ClickHouse SQL with `{name:Type}` parameters.
 * Rows come back in the shape the DuckDB engine's readers take, so both give one answer.
 */

// Members of the segments a funnel is broken down by, under the id of the question that uses them.
const segmentTable = `create table if not exists funnel_segments (query_id String, segment String, profile_id String) engine = MergeTree order by query_id`;

/**
 * @example const engine = await ClickHouseEngine.open(database, await chdbConnection(dir)); await engine.sync();
 */
export class ClickHouseEngine implements AnalyticsEngine {
  private constructor(
    private readonly ch: ClickHouseConnection,
    private readonly replica: Replica,
    private readonly materialize: boolean,
  ) {}

  /** Opens the engine on a connection it then owns (closed by `close`). */
  static async open(database: Database, connection: ClickHouseConnection, options: ReplicaOptions = {}): Promise<ClickHouseEngine> {
    const replica = new Replica(new ClickHouseReplicaStore(connection), database, options);
    await replica.init();
    await connection.command(segmentTable);
    const [setting] = await connection.query(`select count() as n from system.settings where name = 'enable_materialized_cte'`);
    return new ClickHouseEngine(connection, replica, count(setting?.n) > 0);
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

  #rows(sql: { text: string; params: Params }): Promise<ClickHouseRow[]> {
    return this.ch.query(sql.text, sql.params.values);
  }

  async funnel(workspaceId: string, query: FunnelQuery, segments: readonly SegmentMembers[] = []): Promise<FunnelResult> {
    checkRange(query.from, query.to);
    checkSegments(query, segments);
    if (query.breakdown === 'segment') {
      const queryId = randomUUID();
      await this.ch.insert(
        'funnel_segments',
        segments.flatMap((segment) => segment.profileIds.map((id) => ({ query_id: queryId, segment: segment.id, profile_id: id }))),
      );
      try {
        const [total] = await this.#rows(funnelSummarySql(workspaceId, { ...query, breakdown: undefined }, { materialize: this.materialize }));
        const rows = await this.#rows(funnelSummarySql(workspaceId, query, { segmentsQuery: queryId, materialize: this.materialize }));
        return funnelResult(query, rows, total);
      } finally {
        await this.ch.command('delete from funnel_segments where query_id = {id:String}', { id: queryId });
      }
    }
    const rows = await this.#rows(funnelSummarySql(workspaceId, query, { materialize: this.materialize }));
    const total = query.breakdown === undefined ? rows[0] : rows.find((row) => count(row.is_total) === 1);
    return funnelResult(query, rows, total);
  }

  async droppedProfiles(workspaceId: string, query: DroppedQuery): Promise<string[]> {
    checkDropped(query);
    const rows = await this.#rows(funnelDroppedSql(workspaceId, query, query.step, query.limit ?? 1000, { materialize: this.materialize }));
    return rows.map((row) => text(row.profile_id) ?? '');
  }

  async cohorts(workspaceId: string, query: CohortQuery): Promise<CohortResult> {
    if (query.from !== undefined && query.to !== undefined) checkRange(query.from, query.to);
    return cohortResult(query, await this.#rows(cohortSql(workspaceId, query)));
  }

  async rfmSummary(workspaceId: string, asOf: number): Promise<{ customers: number; groups: RfmGroupSummary[] }> {
    return rfmGroupSummaries(await this.#rows(rfmSummarySql(workspaceId, asOf)));
  }

  async rfmProfiles(workspaceId: string, asOf: number, limit?: number): Promise<RfmProfileRow[]> {
    return rfmProfileRows(await this.#rows(rfmRowsSql(workspaceId, asOf, limit)));
  }

  async rfmMovement(workspaceId: string, asOf: number, compareTo: number): Promise<{ from: string; to: string; profiles: number }[]> {
    if (!(compareTo < asOf)) throw new RapportError('analytics.range_invalid', 'compareTo must be earlier than asOf');
    const rows = await this.#rows(rfmMovementSql(workspaceId, asOf, compareTo));
    return rows.map((row) => ({ from: text(row.from_group) ?? 'none', to: text(row.to_group) ?? 'none', profiles: count(row.profiles) }));
  }

  async attribution(workspaceId: string, query: AttributionQuery): Promise<RawAttribution> {
    checkRange(query.from, query.to);
    return rawAttribution(query, await this.#rows(attributionSql(workspaceId, query)));
  }

  async periodFigures(workspaceId: string, from: number, to: number): Promise<PeriodFigures> {
    const sessionRows = await this.#rows(sessionFiguresSql(workspaceId, from, to));
    const [orderRow] = await this.#rows(orderFiguresSql(workspaceId, from, to));
    return periodFigures(sessionRows, orderRow);
  }

  async maturitySignals(workspaceId: string): Promise<MaturitySignals> {
    const [row] = await this.#rows(signalsSql(workspaceId));
    return maturitySignals(row === undefined ? undefined : { ...row, profiles: row.n_profiles });
  }

  async close(): Promise<void> {
    await this.replica.stop();
    await this.ch.close();
  }
}
