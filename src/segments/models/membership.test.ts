import { describe, expect, it } from 'vitest';
import type { TrackingMessage } from '../../ingest/message.js';
import { emptyState } from '../../profiles/state.js';
import { compileSegment, SegmentSet } from '../compile.js';
import { parseCondition } from '../condition.js';
import type { EventStat } from '../event-stats.js';
import { decodeStats, encodeStats, evaluateMemberships, nextDue, updateStats } from './membership.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-06-15T12:00:00Z');

function order(at: number, total: number, index: number): { timestamp: number; message: TrackingMessage } {
  const time = new Date(at).toISOString();
  return { timestamp: at, message: { type: 'track', event: 'Order Completed', messageId: `m${index}`, userId: 'u1', properties: { total }, context: {}, timestamp: time, receivedAt: time } };
}

// Two orders in the last 7 days; members of "buyers" are what "loyal" reads.
const buyers = compileSegment({
  id: 'buyers',
  name: 'Buyers',
  version: 1,
  status: 'live',
  backfillCursor: '',
  condition: parseCondition({ type: 'event', event: 'Order Completed', count: { op: 'at_least', value: 2 }, window: { type: 'last', amount: 7, unit: 'days' } }),
});
const loyal = compileSegment({ id: 'loyal', name: 'Loyal', version: 1, status: 'live', backfillCursor: '', condition: parseCondition({ type: 'segment', segmentId: 'buyers' }) });
const set = new SegmentSet([loyal, buyers]);
const events = [order(T0 - 3 * DAY, 20, 1), order(T0 - 2 * DAY, 30, 2), order(T0 - DAY, 50, 3)];

describe('segment membership core', () => {
  it('folds batches live into the stats a rebuild from the timeline builds', () => {
    const live = new Map<string, EventStat>();
    expect(updateStats(live, set, { recompute: undefined, events: events.slice(0, 1) }, [], T0)).toBe(true);
    const stored = decodeStats(encodeStats(live, set.horizons, T0));
    expect(updateStats(stored, set, { recompute: undefined, events: events.slice(1) }, [], T0)).toBe(true);
    const rebuilt = new Map<string, EventStat>();
    expect(updateStats(rebuilt, set, { recompute: 'all', events: [] }, events, T0)).toBe(true);
    expect(encodeStats(stored, set.horizons, T0)).toBe(encodeStats(rebuilt, set.horizons, T0));
    expect(updateStats(new Map(), set, { recompute: undefined, events: [] }, [], T0)).toBe(false);
  });

  it('evaluates in dependency order, so a segment reading another sees its new membership, and says when time changes it', () => {
    const stats = new Map<string, EventStat>();
    updateStats(stats, set, { recompute: undefined, events: events.slice(1) }, [], T0);
    const subject = { profileId: 'p1', state: emptyState(), scores: {}, events: stats, memberships: new Set<string>() };
    const { changes, due } = evaluateMemberships(set.ordered, subject, () => true, T0);
    expect(changes.map((change) => `${change.segment.id}:${change.kind}`)).toEqual(['buyers:entered', 'loyal:entered']);
    // The older of the two orders leaves the 7-day window 5 days from now.
    expect(due).toBe(T0 - 2 * DAY + 7 * DAY);
    expect(evaluateMemberships(set.ordered, subject, () => true, T0).changes).toEqual([]);
    expect(evaluateMemberships(set.ordered, { ...subject, memberships: new Set() }, (segment) => segment.id !== 'buyers', T0).changes).toEqual([]);
  });

  it('keeps an earlier scheduled due time unless every time-dependent segment was evaluated', () => {
    expect(nextDue(100, 200, false)).toBe(100);
    expect(nextDue(100, 200, true)).toBe(200);
    expect(nextDue(undefined, 200, false)).toBe(200);
    expect(nextDue(300, undefined, false)).toBe(300);
    expect(nextDue(300, undefined, true)).toBeUndefined();
  });
});
