/*
 * The predictive module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { PredictiveService, RefreshPhase } from './jobs/predictive-service.js';
export { fitBgBb } from './models/bgbb.js';
export { fitBgNbd } from './models/bgnbd.js';
export type { FitOutcome } from './models/fit.js';
export { fitGammaGamma } from './models/gamma-gamma.js';
export { fitMbgNbd } from './models/mbgnbd.js';
export { fitParetoNbd } from './models/pareto-nbd.js';
export { bgbbRowsFromRecords, parseDate, summariesFromRecords, transactionsFromRecords } from './models/records.js';
export type { CsvRecord } from './models/records.js';
export { summarize, toColumns } from './models/summary.js';
export type { CustomerSummary, PeriodUnit } from './models/summary.js';
