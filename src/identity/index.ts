/*
 * The identity module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { IdentityModule } from './module.js';
export { IdentityGraph } from './graph.js';
export type { MergeReason } from './graph.js';
export { extractIdentifiers, normalizeEmail, normalizeIdentifier, normalizeIdentifierType, normalizePhone } from './identifiers.js';
export type { MessageIdentifiers } from './identifiers.js';
export { IdentityRulesInput, IdentityRulesStore, describeRules } from './identity-rules-store.js';
export { resolveIdentity, resolvePreviousId } from './resolve.js';
export { defaultIdentityRules, identifierKey } from './rules.js';
export type { Identifier, IdentityRules } from './rules.js';
export { deleteWorkspaceIdentities, findIdentities, findIdentityOwner, groupBySurvivor, insertIdentities, listIdentities, moveIdentities } from './store/identities.js';
export type { IdentityOwner, IdentityRecord } from './store/identities.js';
