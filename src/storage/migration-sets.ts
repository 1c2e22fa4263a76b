/*
 * Every module's migrations, one line a module: a module that adds tables exports its list
 * from `src/<module>/store/migrations/index.ts` and gets one line here. The migrator merges the
 * lists and orders them by name, so the order of these lines does not matter.
 */
export { baselineMigrations } from './migrations/index.js';
export { analyticsMigrations } from '../analytics/store/migrations/index.js';
export { experimentMigrations } from '../experiments/store/migrations/index.js';
export { identityMigrations } from '../identity/store/migrations/index.js';
export { logMigrations } from '../log/store/migrations/index.js';
export { predictiveMigrations } from '../predictive/store/migrations/index.js';
export { profileMigrations } from '../profiles/store/migrations/index.js';
export { recommendationMigrations } from '../recommendations/store/migrations/index.js';
export { segmentMigrations } from '../segments/store/migrations/index.js';
export { userMigrations } from '../users/store/migrations/index.js';
export { templateMigrations } from '../templates/store/migrations/index.js';
export { workspaceMigrations } from '../workspaces/store/migrations/index.js';
export { onsiteMigrations } from '../onsite/store/migrations/index.js';
export { channelMigrations } from '../channels/store/migrations/index.js';
export { privacyMigrations } from '../privacy/store/migrations/index.js';
