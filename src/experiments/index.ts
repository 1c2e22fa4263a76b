/*
 * The experiments module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { ExperimentService } from './experiment-service.js';
export { bucketRanges, chooseVariant, hashBucket } from './hash.js';
export { thompsonWeights } from './stats/bandit.js';
export { welchTTest } from './stats/frequentist.js';
export { statisticOf } from './stats/moments.js';
export type { Aggregate } from './stats/moments.js';
export { minimumDetectableEffect, sampleSizePerVariant } from './stats/power.js';
export { countExperimentsRun, readMetricEvents } from './store/experiments.js';
