/*
 * The profiles module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { ProfilesModule } from './module.js';
export type { ProfileScores } from './profile-scores.js';
export type { ProfileService } from './profile-service.js';
