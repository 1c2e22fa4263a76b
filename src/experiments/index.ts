/*
 * The experiments module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export { ExperimentInputSchema } from './definition.js';
export type { ExperimentService } from './experiment-service.js';
export { minimumDetectableEffect, power, sampleSizePerVariant } from './stats/power.js';
export { countExperimentsRun } from './store/experiments.js';
