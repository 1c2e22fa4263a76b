import { ownValue, setOwn } from '../shared/own.js';
import type { IdentityLookup, ProfileIdentityView, ResolutionPlan } from './resolve.js';
import { identifierKey, type Identifier } from './rules.js';

export type MergeReason = 'identify' | 'alias' | 'event';

/** A profile as the graph knows it: identity view plus where it was merged to, if it was. */
export interface GraphProfile extends ProfileIdentityView {
  mergedInto: string | null;
}

/** An identifier the graph added, with its provenance. */
export interface AddedIdentity extends Identifier {
  profileId: string;
  /** Event time of the message that added it. */
  createdAt: number;
  messageId: string;
}

/** A merge the graph performed, ready to be recorded. */
export interface MergeRecord {
  from: string;
  into: string;
  reason: MergeReason;
  via: Identifier;
  messageId: string;
  /** Event time of the message that caused it. */
  mergedAt: number;
}

export interface ApplyMeta {
  messageId: string;
  time: number;
  reason: MergeReason;
}

/**
 * The part of the identity graph one batch touches, held in memory: loaded ownership plus the
 * changes of the batch. Pure: the processor loads it, resolves events against it and writes
 * out what it collected.
 */
export class IdentityGraph implements IdentityLookup {
  private readonly owners = new Map<string, string>();
  private readonly profiles = new Map<string, GraphProfile>();
  private readonly added = new Map<string, AddedIdentity>();
  private readonly mergeLog: MergeRecord[] = [];
  private readonly createdIds = new Set<string>();

  constructor(identities: Iterable<Identifier & { profileId: string }>, profiles: Iterable<GraphProfile>) {
    for (const profile of profiles) this.profiles.set(profile.id, { ...profile, ids: copyIds(profile.ids) });
    for (const identity of identities) this.owners.set(identifierKey(identity), identity.profileId);
  }

  /** Follows `mergedInto` to the profile that absorbed `id` (itself when it was not merged). */
  canonical(id: string): string {
    let current = id;
    for (let hops = 0; hops < 1000; hops++) {
      const next = this.profiles.get(current)?.mergedInto;
      if (next === null || next === undefined) return current;
      current = next;
    }
    throw new Error(`merge chain of profile ${id} does not end`);
  }

  profile(id: string): GraphProfile | undefined {
    return this.profiles.get(id);
  }

  ownerOf(identifier: Identifier): ProfileIdentityView | undefined {
    const owner = this.owners.get(identifierKey(identifier));
    if (owner === undefined) return undefined;
    const profile = this.profiles.get(this.canonical(owner));
    // An identity whose profile row is missing is a broken store, not an expected state.
    if (profile === undefined) throw new Error(`identity ${identifier.type}:${identifier.value} points to unknown profile ${owner}`);
    return profile;
  }

  /** Applies a resolver plan: creates, merges and attaches. */
  apply(plan: ResolutionPlan, meta: ApplyMeta): void {
    if (plan.created !== undefined) {
      this.profiles.set(plan.created.id, { ...plan.created, ids: copyIds(plan.created.ids), mergedInto: null });
      this.createdIds.add(plan.created.id);
    }
    for (const merge of plan.merges) {
      const from = this.mustGet(merge.from);
      const into = this.mustGet(merge.into);
      for (const [type, values] of Object.entries(from.ids)) for (const value of values) addValue(into, type, value);
      into.createdAt = Math.min(into.createdAt, from.createdAt);
      from.mergedInto = into.id;
      this.mergeLog.push({ from: from.id, into: into.id, reason: meta.reason, via: merge.via, messageId: meta.messageId, mergedAt: meta.time });
    }
    const target = this.mustGet(plan.profileId);
    for (const identifier of plan.attached) {
      const key = identifierKey(identifier);
      if (this.owners.has(key)) continue;
      this.owners.set(key, target.id);
      if (identifier.type !== 'anonymous_id') addValue(target, identifier.type, identifier.value);
      this.added.set(key, { ...identifier, profileId: target.id, createdAt: meta.time, messageId: meta.messageId });
    }
  }

  /** An event of `time` now belongs to the profile: its first-event time may move earlier. */
  noteEvent(profileId: string, time: number): void {
    const profile = this.mustGet(profileId);
    if (time < profile.createdAt) profile.createdAt = time;
  }

  /** Identifiers added in this batch, each pointing at its profile's survivor. */
  addedIdentities(): AddedIdentity[] {
    return [...this.added.values()].map((identity) => ({ ...identity, profileId: this.canonical(identity.profileId) }));
  }

  merges(): readonly MergeRecord[] {
    return this.mergeLog;
  }

  /** Every profile merged away in this batch, mapped to its final survivor. */
  mergedAway(): Map<string, string> {
    const result = new Map<string, string>();
    for (const merge of this.mergeLog) result.set(merge.from, this.canonical(merge.from));
    return result;
  }

  wasCreated(id: string): boolean {
    return this.createdIds.has(id);
  }

  private mustGet(id: string): GraphProfile {
    const profile = this.profiles.get(id);
    if (profile === undefined) throw new Error(`profile ${id} is not in the graph`);
    return profile;
  }
}

// Identifier types are named by the workspace's rules and by events' external ids, so a type may
// be `constructor` or `__proto__`: `ids` is read and written through own properties only.
function copyIds(ids: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const copy: Record<string, string[]> = {};
  for (const [type, values] of Object.entries(ids)) setOwn(copy, type, [...values]);
  return copy;
}

function addValue(profile: GraphProfile, type: string, value: string): void {
  const values = ownValue(profile.ids, type) ?? [];
  if (values.includes(value)) return;
  const ids = copyIds(profile.ids);
  setOwn(ids, type, [...values, value].sort());
  profile.ids = ids;
}
