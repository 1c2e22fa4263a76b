/*
 * The ingest module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { IngestModule } from './module.js';
export type { EventCompaction } from './compaction.js';
export type { EventLogService } from './event-log-service.js';
export type { IngestService, ItemRejection, SystemMessage } from './ingest-service.js';
export { isJsonObject, messageTypes } from './message.js';
export type { JsonObject, TrackingMessage } from './message.js';
