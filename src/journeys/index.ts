/*
 * The journeys module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { JourneysModule } from './module.js';
export { JourneyDefinitionSchema } from './definition.js';
export type { JourneyService } from './journey-service.js';
export { createJourneys } from './journeys.js';
export { recipeNeeds, recipes } from './recipes.js';
export { StoreRecordingSender } from './recording-sender.js';
export { countActiveJourneys } from './store/journeys.js';
export { JourneyWorkspaceSettingsSchema } from './workspace-settings.js';
