/*
 * The recommendations module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { RecommendationsModule } from './module.js';
export { readInteractionFiles } from './eval-files.js';
export type { InteractionFormat } from './eval-files.js';
export { evalStrategy, evalStrategyNames, isEvalStrategyName } from './eval-strategies.js';
export { evaluate } from './evaluation.js';
export type { Protocol } from './evaluation.js';
export type { RecommendationService } from './recommendation-service.js';
export { RecommendationResultSchema } from './recommendation.js';
export { BusinessRules, StrategyName, strategyNames } from './rules.js';
