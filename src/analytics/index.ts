/*
 * The analytics module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { AnalyticsService } from './analytics-service.js';
export { AttributionRequest, CohortQuery, DroppedRequest, FunnelRequest, PeriodRequest, RfmQuery } from './queries.js';
export { reportFrequencies } from './report/digest.js';
export type { ReportService } from './report/report-service.js';
export { attributionTables, cohortTables, funnelTables, kpiTables, maturityTables, rfmTables, toCsv } from './tables.js';
export type { Table } from './tables.js';
