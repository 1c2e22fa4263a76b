/*
 * The segments module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { SegmentsModule } from './module.js';
export { ConditionSchema, PropertyFilterSchema, conditionTypes, parseCondition, referencedSegments } from './condition.js';
export type { Condition, PropertyFilter } from './condition.js';
export { evaluateCondition } from './evaluate.js';
export type { SegmentSubject } from './evaluate.js';
export { eventNameOf, eventStatSpecs, pathValue, statsFromEvents } from './event-stats.js';
export type { Segment, SegmentService } from './segment-service.js';
export { SegmentSchema } from './segment.js';
export { countSegments, membershipsOf } from './store/segments.js';
export { testValue, toTime } from './values.js';
export type { ValueTest } from './values.js';
export { WebhookDestinationSchema } from './webhook.js';
