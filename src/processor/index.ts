/*
 * The processor module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { ProcessorExtensionSpec, ProcessorHost } from './extensions.js';
export type { BatchExtension, ExtensionBatch, Processor, ProcessorLogger } from './processor.js';
export { replay } from './replay.js';
export { lagSources, type LagSource } from './routes.js';
export { cursorPositions } from './store/processor-state.js';
export type { ProcessorControl } from './threaded-processor.js';
