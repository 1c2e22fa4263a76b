import type { TrackingMessage } from '../../ingest/index.js';
import type { CompiledSegment, SegmentSet } from '../compile.js';
import { evaluateCondition, nextChangeAt, type SegmentSubject } from '../evaluate.js';
import { foldEvents, pruneRecent, type EventStat, type EventStatSpec } from '../event-stats.js';

/*
 * The segment rules for one profile, without I/O: fold its new events (or rebuild from its
 * timeline) into its stats, evaluate the segments that may have changed, and say when time
 * alone may change its membership next. The engine (../engine.ts) is the shell: it reads the
 * stored stats, memberships and due times, calls these, and writes rows, history, events and
 * webhook deliveries.
 */

type StoredEvent = { timestamp: number; message: TrackingMessage };

/** How a profile's stats move in this batch: stats keys rebuilt from its timeline, then its new events folded in. */
export interface StatsWork {
  /** Rebuild these stats keys from the timeline ('all': every key). */
  recompute: 'all' | ReadonlySet<string> | undefined;
  events: readonly StoredEvent[];
}

/**
 * Updates a profile's stats in place: the keys to rebuild are rebuilt from `timeline`, then the
 * batch's events are folded in. Returns whether anything was (re)computed.
 * @example const changed = updateStats(stats, set, { recompute: undefined, events }, [], now);
 */
export function updateStats(stats: Map<string, EventStat>, set: SegmentSet, work: StatsWork, timeline: readonly StoredEvent[], now: number): boolean {
  let changed = false;
  const { recompute } = work;
  if (recompute !== undefined) {
    const wanted = new Map<string, { spec: EventStatSpec; horizonMs: number }[]>();
    for (const [event, list] of set.specsByEvent) {
      const kept = list.filter((entry) => recompute === 'all' || recompute.has(entry.spec.key));
      if (kept.length > 0) wanted.set(event, kept);
    }
    const rebuilt = new Map<string, EventStat>();
    foldEvents(rebuilt, wanted, timeline, now);
    for (const list of wanted.values()) {
      for (const { spec } of list) {
        const value = rebuilt.get(spec.key);
        if (value === undefined) stats.delete(spec.key);
        else stats.set(spec.key, value);
      }
    }
    changed = true;
  }
  return foldEvents(stats, set.specsByEvent, work.events, now) || changed;
}

/** A profile's stored stats (the column only this module writes); empty when none. */
export function decodeStats(text: string | undefined): Map<string, EventStat> {
  const stats = new Map<string, EventStat>();
  if (text === undefined) return stats;
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) return stats;
  for (const [key, stat] of Object.entries(value)) {
    // Narrow adapter: only this module writes the column.
    if (typeof stat === 'object' && stat !== null && 'count' in stat) stats.set(key, stat as EventStat);
  }
  return stats;
}

/**
 * The stats as stored: only keys some segment still reads, each pruned to its horizon (stats no
 * segment reads any more are dropped when the profile is next written).
 */
export function encodeStats(stats: ReadonlyMap<string, EventStat>, horizons: ReadonlyMap<string, number>, now: number): string {
  const record: Record<string, EventStat> = {};
  for (const [key, stat] of stats) {
    const horizon = horizons.get(key);
    if (horizon === undefined) continue;
    pruneRecent(stat, now, horizon);
    record[key] = stat;
  }
  return JSON.stringify(record);
}

/** A change of one profile's membership. */
export interface MembershipChange {
  segment: CompiledSegment;
  kind: 'entered' | 'exited';
}

/**
 * Evaluates `candidates` (in dependency order) for a subject. `subject.memberships` is updated
 * as it goes, so a segment that reads another sees its new membership. Returns the changes and
 * the earliest time any time-dependent candidate may change by time alone.
 * @example const { changes, due } = evaluateMemberships(set.ordered, subject, () => true, now);
 */
export function evaluateMemberships(
  candidates: readonly CompiledSegment[],
  subject: SegmentSubject & { memberships: Set<string> },
  applies: (segment: CompiledSegment) => boolean,
  now: number,
): { changes: MembershipChange[]; due: number | undefined } {
  const members = subject.memberships;
  const changes: MembershipChange[] = [];
  let due: number | undefined;
  for (const segment of candidates) {
    if (!applies(segment)) continue;
    const isMember = evaluateCondition(segment.condition, subject, now);
    if (isMember !== members.has(segment.id)) {
      if (isMember) members.add(segment.id);
      else members.delete(segment.id);
      changes.push({ segment, kind: isMember ? 'entered' : 'exited' });
    }
    if (segment.timeDependent) {
      const next = nextChangeAt(segment.condition, subject, now);
      if (next !== undefined && (due === undefined || next < due)) due = next;
    }
  }
  return { changes, due };
}

/**
 * A profile's next due time. When every time-dependent segment was just evaluated (`complete`)
 * the evaluated time is exact; otherwise an earlier time already scheduled is kept (at worst one
 * re-check that changes nothing).
 */
export function nextDue(scheduled: number | undefined, evaluated: number | undefined, complete: boolean): number | undefined {
  if (complete) return evaluated;
  return scheduled !== undefined && (evaluated === undefined || scheduled < evaluated) ? scheduled : evaluated;
}
