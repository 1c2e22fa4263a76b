import {
  IdentityGraph,
  type MergeReason,
  extractIdentifiers,
  type MessageIdentifiers,
  resolveIdentity,
  resolvePreviousId,
  identifierKey,
  type Identifier,
  type IdentityRules,
  type IdentityOwner,
  type IdentityRecord,
} from '../identity/index.js';
import { applyEvent, emptyState, mergeStates, type ProfileState, type MergeRow, type StoredProfile, type ProfileEventRow } from '../profiles/index.js';
import type { LogEntry } from '../log/store/event-log.js';
import { stableId } from '../shared/ids.js';

/** A log entry with the identifiers it carries (undefined: a system event that belongs to no profile). */
export interface PreparedEntry {
  entry: LogEntry;
  ids: MessageIdentifiers | undefined;
}

/** Extracts identifiers of a batch and everything the graph must load for it. */
export function prepareBatch(rules: IdentityRules, entries: readonly LogEntry[]): { prepared: PreparedEntry[]; lookups: Identifier[] } {
  const lookups = new Map<string, Identifier>();
  const prepared = entries.map((entry) => {
    const ids = extractIdentifiers(rules, entry.message);
    if (ids !== undefined) {
      for (const identifier of ids.identifiers) lookups.set(identifierKey(identifier), identifier);
      if (ids.previousId !== undefined) {
        // Whether previousId is a user id or an anonymous id is decided by what exists.
        for (const type of ['user_id', 'anonymous_id']) {
          const identifier = { type, value: ids.previousId };
          lookups.set(identifierKey(identifier), identifier);
        }
      }
    }
    return { entry, ids };
  });
  return { prepared, lookups: [...lookups.values()] };
}

/** Everything one batch writes, in one transaction. */
export interface BatchWrites {
  profiles: StoredProfile[];
  addedIdentities: IdentityRecord[];
  /** Merged-away profile → its final survivor: identities, timeline rows and merge chains move. */
  moves: Map<string, string>;
  profileEvents: ProfileEventRow[];
  merges: MergeRow[];
  /** Surviving profiles whose state changed, sorted. */
  changedProfiles: string[];
  /** Events that belong to a profile (the rest are system events). */
  attributed: number;
}

function reasonOf(entry: LogEntry): MergeReason {
  if (entry.message.type === 'identify') return 'identify';
  if (entry.message.type === 'alias') return 'alias';
  return 'event';
}

/**
 * Applies a prepared batch in memory: resolves each event's identity against the loaded graph,
 * merges profile states, folds the event into its profile, and returns the rows to write.
 * Pure: no I/O, so the processor can run it inside its transaction.
 * @example const writes = applyBatch({ workspaceId, rules, prepared, owners, profiles, now: clock.now() });
 */
export function applyBatch(input: {
  workspaceId: string;
  rules: IdentityRules;
  prepared: readonly PreparedEntry[];
  owners: readonly IdentityOwner[];
  profiles: readonly StoredProfile[];
  now: number;
}): BatchWrites {
  const { workspaceId, rules } = input;
  const graph = new IdentityGraph(
    input.owners,
    input.profiles.map((profile) => ({ id: profile.id, createdAt: profile.createdAt, ids: profile.ids, mergedInto: profile.mergedInto })),
  );
  const states = new Map<string, ProfileState>();
  for (const profile of input.profiles) states.set(profile.id, profile.state);
  const stateOf = (id: string): ProfileState => {
    let state = states.get(id);
    if (state === undefined) {
      state = emptyState();
      states.set(id, state);
    }
    return state;
  };
  const dirty = new Set<string>();
  const profileEvents: ProfileEventRow[] = [];
  const options = { defaultPhoneRegion: rules.defaultPhoneRegion };

  for (const { entry, ids } of input.prepared) {
    if (ids === undefined) continue;
    let identifiers = ids.identifiers;
    if (ids.previousId !== undefined) {
      const previous = resolvePreviousId(ids.previousId, graph);
      if (!identifiers.some((identifier) => identifierKey(identifier) === identifierKey(previous))) identifiers = [...identifiers, previous];
    }
    const plan = resolveIdentity(rules, workspaceId, identifiers, entry.timestamp, graph);
    graph.apply(plan, { messageId: entry.messageId, time: entry.timestamp, reason: reasonOf(entry) });
    for (const merge of plan.merges) {
      states.set(merge.into, mergeStates(stateOf(merge.into), stateOf(merge.from)));
      dirty.add(merge.from);
      dirty.add(merge.into);
    }
    graph.noteEvent(plan.profileId, entry.timestamp);
    applyEvent(stateOf(plan.profileId), entry, options);
    dirty.add(plan.profileId);
    profileEvents.push({ profileId: plan.profileId, timestamp: entry.timestamp, partition: entry.partition, seq: entry.seq });
  }

  const profiles: StoredProfile[] = [];
  const changed = new Set<string>();
  for (const id of [...dirty].sort()) {
    const profile = graph.profile(id);
    if (profile === undefined) throw new Error(`profile ${id} vanished from the graph`);
    const survivor = graph.canonical(id);
    if (survivor === id) changed.add(id);
    profiles.push({
      id,
      mergedInto: survivor === id ? null : survivor,
      createdAt: profile.createdAt,
      updatedAt: input.now,
      ids: Object.fromEntries(Object.entries(profile.ids).map(([type, values]) => [type, [...values]])),
      state: stateOf(id),
    });
  }
  for (const row of profileEvents) row.profileId = graph.canonical(row.profileId);
  const merges: MergeRow[] = graph.merges().map((merge) => ({
    id: stableId('mrg', workspaceId, merge.from, merge.into, merge.messageId),
    into: merge.into,
    from: merge.from,
    reason: merge.reason,
    identifierType: merge.via.type,
    identifierValue: merge.via.value,
    messageId: merge.messageId,
    mergedAt: merge.mergedAt,
  }));
  return {
    profiles,
    addedIdentities: graph.addedIdentities(),
    moves: graph.mergedAway(),
    profileEvents,
    merges,
    changedProfiles: [...changed],
    attributed: profileEvents.length,
  };
}
