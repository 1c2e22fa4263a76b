import { parseCondition, type Condition, eventStatSpecs, statsFromEvents, evaluateCondition, type SegmentSubject, membershipsOf } from '../segments/index.js';
import type { Database } from '../storage/database.js';
import { findIdentityOwner } from '../identity/index.js';
import { loadProfiles, readProfileScores, readTimeline } from '../profiles/index.js';
import type { AssignmentUnit, TargetingEvaluator } from './experiment-service.js';

/** Events read per profile when a targeting condition looks at event history. */
const HISTORY_LIMIT = 1000;

/**
 * Experiment targeting by segment condition (src/segments): the unit's profile is found by its
 * userId, then anonymousId, and the condition evaluated over its state, scores, segment
 * memberships and (when the condition needs them) its last 1,000 events. A unit without a
 * profile yet does not match.
 * @example const targeting = new ProfileTargeting(database); await targeting.matches('default', { anonymousId: 'a1' }, condition, Date.now());
 */
export class ProfileTargeting implements TargetingEvaluator {
  constructor(private readonly database: Pick<Database, 'db'>) {}

  parse(condition: unknown): Condition {
    return parseCondition(condition);
  }

  async matches(workspaceId: string, unit: AssignmentUnit, condition: unknown, now: number): Promise<boolean> {
    const parsed = parseCondition(condition);
    const { db } = this.database;
    let profileId: string | undefined;
    if (unit.userId !== undefined && unit.userId !== '') profileId = await findIdentityOwner(db, workspaceId, { type: 'user_id', value: unit.userId });
    if (profileId === undefined && unit.anonymousId !== undefined && unit.anonymousId !== '') profileId = await findIdentityOwner(db, workspaceId, { type: 'anonymous_id', value: unit.anonymousId });
    if (profileId === undefined) return false;
    let [profile] = await loadProfiles(db, workspaceId, [profileId]);
    for (let hops = 0; profile?.mergedInto != null && hops < 10; hops++) [profile] = await loadProfiles(db, workspaceId, [profile.mergedInto]);
    if (profile === undefined) return false;
    const specs = eventStatSpecs(parsed);
    let events: SegmentSubject['events'] = new Map();
    if (specs.size > 0) {
      const timeline = await readTimeline(db, workspaceId, profile.id, HISTORY_LIMIT);
      events = statsFromEvents(
        specs,
        timeline.map((entry) => ({ timestamp: entry.timestamp, message: entry.message })),
        now,
      );
    }
    const [scores, memberships] = await Promise.all([readProfileScores(db, workspaceId, [profile.id]), membershipsOf(db, workspaceId, [profile.id])]);
    const subject: SegmentSubject = { profileId: profile.id, state: profile.state, scores: scores.get(profile.id) ?? {}, events, memberships: memberships.get(profile.id) ?? new Set() };
    return evaluateCondition(parsed, subject, now);
  }
}
