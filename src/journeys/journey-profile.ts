import { referencedSegments, type Condition, eventStatSpecs, statsFromEvents, evaluateCondition, type SegmentSubject, membershipsOf } from '../segments/index.js';
import { currentTraits, loadProfiles, readProfileScores, readTimeline } from '../profiles/index.js';
import type { Tx } from '../storage/database.js';
import { zoneOr } from './local-time.js';

/** What a journey knows of a customer when it takes a step. */
export interface JourneyProfile {
  /** The surviving profile (runs started on a profile that was merged away follow it). */
  id: string;
  traits: Record<string, unknown>;
  /** The customer's IANA zone from the `timezone` trait, when valid. */
  timeZone: string | undefined;
  subject: SegmentSubject;
}

/** Events read per profile when a condition looks at event history. */
const historyLimit = 1000;

/**
 * Loads profiles for conditions and local times. Event conditions are evaluated over the last
 * 1,000 events of the profile's timeline, read only when one of `conditions` needs them;
 * segment memberships likewise.
 * @example const profiles = await loadJourneyProfiles(db, 'default', ['prf_1'], { now: Date.now() });
 */
export async function loadJourneyProfiles(db: Tx, workspaceId: string, ids: readonly string[], options: { conditions?: readonly Condition[]; now: number }): Promise<Map<string, JourneyProfile>> {
  const result = new Map<string, JourneyProfile>();
  if (ids.length === 0) return result;
  let stored = await loadProfiles(db, workspaceId, ids);
  const byId = new Map(stored.map((profile) => [profile.id, profile]));
  // Follow merges to the survivor.
  const survivors = [...new Set(stored.map((profile) => profile.mergedInto).filter((id): id is string => id !== null && !byId.has(id)))];
  if (survivors.length > 0) {
    stored = await loadProfiles(db, workspaceId, survivors);
    for (const profile of stored) byId.set(profile.id, profile);
  }
  const resolve = (id: string): string => {
    let current = id;
    for (let hops = 0; hops < 10; hops++) {
      const next = byId.get(current)?.mergedInto;
      if (next === null || next === undefined) return current;
      current = next;
    }
    return current;
  };
  const wanted = [...new Set(ids.map(resolve))].filter((id) => byId.has(id));
  const scores = await readProfileScores(db, workspaceId, wanted);
  // Segment memberships (kept by the segments module), read only when a condition names a segment.
  const needsMemberships = (options.conditions ?? []).some((condition) => referencedSegments(condition).length > 0);
  const memberships = needsMemberships ? await membershipsOf(db, workspaceId, wanted) : new Map<string, Set<string>>();
  const specs = new Map<string, ReturnType<typeof eventStatSpecs> extends Map<string, infer V> ? V : never>();
  for (const condition of options.conditions ?? []) for (const [key, value] of eventStatSpecs(condition)) specs.set(key, value);
  const built = new Map<string, JourneyProfile>();
  for (const id of wanted) {
    const profile = byId.get(id);
    if (profile === undefined) continue;
    let events: SegmentSubject['events'] = new Map();
    if (specs.size > 0) {
      const timeline = await readTimeline(db, workspaceId, id, historyLimit);
      events = statsFromEvents(
        specs,
        timeline.map((entry) => ({ timestamp: entry.timestamp, message: entry.message })),
        options.now,
      );
    }
    const traits = currentTraits(profile.state);
    built.set(id, {
      id,
      traits,
      timeZone: zoneOr(traits.timezone ?? traits.timeZone ?? traits.time_zone, '') || undefined,
      subject: {
        profileId: id,
        state: profile.state,
        scores: scores.get(id) ?? {},
        events,
        memberships: memberships.get(id) ?? new Set(),
      },
    });
  }
  for (const id of ids) {
    const profile = built.get(resolve(id));
    if (profile !== undefined) result.set(id, profile);
  }
  return result;
}

/**
 * A condition's verdict for a journey profile at `now` (the segments module's evaluator).
 * @example holds({ type: 'computed', key: 'orders', op: 'gte', value: 1 }, profile, Date.now())
 */
export function holds(condition: Condition, profile: JourneyProfile, now: number): boolean {
  return evaluateCondition(condition, profile.subject, now);
}
