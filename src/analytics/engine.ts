import type { AttributionQuery, CohortQuery, DroppedQuery, FunnelQuery } from './queries.js';
import type { AttributionResult, CohortResult, FunnelResult, MaturitySignals, PeriodFigures, RfmGroupSummary, RfmProfileRow } from './results.js';
import type { ReplicaStatus, SyncReport } from './replica.js';
import type { SegmentMembers } from './duckdb/funnel-sql.js';

export type { ReplicaStatus, SyncReport } from './replica.js';
export type { SegmentMembers } from './duckdb/funnel-sql.js';

/** An attribution result before ad spend is joined (spend lives in the state store). */
export type RawAttribution = Omit<AttributionResult, 'totals'>;

/**
 * The analytics store: a replica of the event log fed by a cursor, and the analyses over it.
 * Two implementations give the same results (engine-contract.test.ts): `DuckDbEngine`, a file
 * of one process, and `ClickHouseEngine`, shared by every process and grown past one machine.
 */
export interface AnalyticsEngine {
  /** Copies what the processor applied since the last pass. */
  sync(): Promise<SyncReport>;
  /** Removes erased profiles' rows from the replica (the privacy service calls it); returns rows removed. */
  eraseProfiles(workspaceId: string, profileIds: readonly string[]): Promise<number>;
  /** Drops the replica and copies the whole log again. */
  rebuild(onProgress?: (done: number, total: number) => void): Promise<SyncReport>;
  status(): Promise<ReplicaStatus>;
  /** Changes whenever the replica's data changes (caches key on it). */
  readonly version: number;
  funnel(workspaceId: string, query: FunnelQuery, segments?: readonly SegmentMembers[]): Promise<FunnelResult>;
  droppedProfiles(workspaceId: string, query: DroppedQuery): Promise<string[]>;
  cohorts(workspaceId: string, query: CohortQuery): Promise<CohortResult>;
  rfmSummary(workspaceId: string, asOf: number): Promise<{ customers: number; groups: RfmGroupSummary[] }>;
  /** Scored customers by profile id; all of them without `limit`. */
  rfmProfiles(workspaceId: string, asOf: number, limit?: number): Promise<RfmProfileRow[]>;
  rfmMovement(workspaceId: string, asOf: number, compareTo: number): Promise<{ from: string; to: string; profiles: number }[]>;
  attribution(workspaceId: string, query: AttributionQuery): Promise<RawAttribution>;
  periodFigures(workspaceId: string, from: number, to: number): Promise<PeriodFigures>;
  maturitySignals(workspaceId: string): Promise<MaturitySignals>;
  close(): Promise<void>;
}
