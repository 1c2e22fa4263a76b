/*
 * The imports module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export { ImportFormat, ImportJob, ImportKind, importKinds, isImportKind } from './import-job.js';
export type { ImportService } from './import-service.js';
export { readRecords } from './readers.js';
