/*
 * The workspaces module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { WorkspacesModule } from './module.js';
export { BrandService, BrandViewSchema, brandContext, cartUrl, fromHeader, unbranded } from './brand.js';
export type { BrandView } from './brand.js';
export { listWorkspaces } from './store/workspaces.js';
export { ACCESS_SCOPES, DEFAULT_WORKSPACE, MAX_CREDENTIAL_LENGTH, WRITE_KEY_SCOPES, WorkspaceService, missingWriteKeyScope, requireWriteKeyScope } from './workspace-service.js';
export type { AccessScope, AdminToken, Bootstrap, WriteKey, WriteKeyScope } from './workspace-service.js';
export { writeKeyOf } from './write-key.js';
