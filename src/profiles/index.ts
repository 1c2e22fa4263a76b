/*
 * The profiles module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { ProfilesModule } from './module.js';
export { applyEvent, deviceTypeOf } from './apply-event.js';
export type { ProfileScores } from './profile-scores.js';
export type { Profile, ProfileService } from './profile-service.js';
export { deviceTypes, emptyState, engagementChannels, mergeStates } from './state.js';
export type { ProfileState } from './state.js';
export { readProfileScores, readScoreByKey } from './store/profile-scores.js';
export { countTimelineRows, eventsOfProfiles, insertProfileEvents, moveProfileEvents, readTimeline, readTimelinePage } from './store/profiles-timeline.js';
export type { ProfileEventRow, TimelineKey } from './store/profiles-timeline.js';
export {
  countLiveProfiles,
  deleteWorkspaceProfiles,
  insertMerges,
  listMergedFrom,
  listProfileIds,
  loadProfiles,
  lockProfiles,
  profileIdBefore,
  profileIdsAfter,
  profileVersions,
  redirectMerged,
  survivingProfileIdBefore,
  upsertProfiles,
} from './store/profiles.js';
export type { MergeRow, StoredProfile } from './store/profiles.js';
export { touchPointOf } from './traffic-source.js';
export { normalizeTraits, parseConsent } from './traits.js';
export { argmax, currentTraits } from './view.js';
