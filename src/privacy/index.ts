/*
 * The privacy module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export { ConsentService, normalizeAddress } from './consent-service.js';
export { decideConsent } from './consent.js';
export type { ConsentDecision, Purpose } from './consent.js';
export { renderMessagePage } from './preferences-page.js';
export { PreferencesService } from './preferences-service.js';
export type { PreferenceAction } from './preferences-service.js';
export type { PersonalDataHandler, Subject } from './privacy-registry.js';
export type { PrivacyService } from './privacy-service.js';
