import { stableId } from '../shared/ids.js';
import { compareIdentifiers, ruleOf, type Identifier, type IdentityRules } from './rules.js';

/**
 * What the resolver needs to know about a profile. `ids` holds every identifier value except
 * anonymous ids (which are unlimited and never decide a merge), keyed by type; limits keep it small.
 */
export interface ProfileIdentityView {
  id: string;
  /** Event time of the profile's first event: decides the survivor of a merge. */
  createdAt: number;
  ids: Readonly<Record<string, readonly string[]>>;
}

/** Read access to the identity graph as it stands before the event. */
export interface IdentityLookup {
  /** The canonical (not merged away) profile owning an identifier, if any. */
  ownerOf(identifier: Identifier): ProfileIdentityView | undefined;
}

export interface PlannedMerge {
  /** The profile that disappears into `into`. */
  from: string;
  into: string;
  /** The identifier both profiles were seen with. */
  via: Identifier;
}

export interface SkippedIdentifier {
  identifier: Identifier;
  /** `limit`: the profile already holds the maximum of this type; `conflict`: its owner cannot merge. */
  reason: 'limit' | 'conflict';
  /** For `conflict`, the profile that keeps it. */
  ownerId?: string;
}

/** The decision for one event, applied by the caller to its graph. */
export interface ResolutionPlan {
  /** The profile the event belongs to after every merge of the plan. */
  profileId: string;
  /** A profile created by this event, as created (before `attached`); it may be merged away within the plan. */
  created: ProfileIdentityView | undefined;
  /** Identifiers that had no owner and now belong to `profileId`. */
  attached: Identifier[];
  /** Merges in the order they happen. */
  merges: PlannedMerge[];
  skipped: SkippedIdentifier[];
}

interface WorkingProfile {
  id: string;
  createdAt: number;
  ids: Map<string, Set<string>>;
}

/** Deterministic id of the profile an identifier creates, so a replay rebuilds the same ids. */
export function profileIdFor(workspaceId: string, identifier: Identifier): string {
  return stableId('prf', workspaceId, identifier.type, identifier.value);
}

/**
 * The identifier an alias `previousId` stands for: a known user_id first, then a known
 * anonymous_id; unknown values are taken as anonymous ids.
 */
export function resolvePreviousId(value: string, lookup: IdentityLookup): Identifier {
  const asUser = { type: 'user_id', value };
  if (lookup.ownerOf(asUser) !== undefined) return asUser;
  return { type: 'anonymous_id', value };
}

function working(view: ProfileIdentityView): WorkingProfile {
  const ids = new Map<string, Set<string>>();
  for (const [type, values] of Object.entries(view.ids)) ids.set(type, new Set(values));
  return { id: view.id, createdAt: view.createdAt, ids };
}

function hasUserId(profile: WorkingProfile): boolean {
  return (profile.ids.get('user_id')?.size ?? 0) > 0;
}

/**
 * The survivor of a merge, independent of argument order: a profile with a user_id wins, then
 * the earlier first event, then the smaller id.
 */
function survivorOf(a: WorkingProfile, b: WorkingProfile): WorkingProfile {
  const userA = hasUserId(a);
  if (userA !== hasUserId(b)) return userA ? a : b;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? a : b;
  return a.id < b.id ? a : b;
}

function canAttach(rules: IdentityRules, profile: WorkingProfile, identifier: Identifier): boolean {
  const max = ruleOf(rules, identifier.type).maxPerProfile;
  if (max === null) return true;
  const values = profile.ids.get(identifier.type);
  if (values?.has(identifier.value)) return true;
  return (values?.size ?? 0) < max;
}

function canMerge(rules: IdentityRules, a: WorkingProfile, b: WorkingProfile): boolean {
  for (const [type, values] of a.ids) {
    const max = ruleOf(rules, type).maxPerProfile;
    const other = b.ids.get(type);
    if (max === null || other === undefined) continue;
    let union = values.size;
    for (const value of other) if (!values.has(value)) union += 1;
    if (union > max) return false;
  }
  return true;
}

function addId(profile: WorkingProfile, identifier: Identifier): void {
  if (identifier.type === 'anonymous_id') return;
  const values = profile.ids.get(identifier.type);
  if (values) values.add(identifier.value);
  else profile.ids.set(identifier.type, new Set([identifier.value]));
}

/**
 * Decides which profile an event belongs to and which identifiers and profiles join it.
 *
 * The highest-priority identifier picks the target: its owner, or else the owner of the first
 * owned identifier when the new identifier may join it and that profile would survive a merge
 * with a fresh one anyway; otherwise a fresh profile. Every other identifier then joins the
 * target (unowned, under its type's limit) or brings its owner in by a merge, unless the merge
 * would exceed a limit: two user ids never merge, so on a shared device the event goes to the
 * user's profile and the other profile is left alone.
 *
 * @example
 * const plan = resolveIdentity(rules, 'ws', [{ type: 'user_id', value: 'u1' }, { type: 'anonymous_id', value: 'a1' }], t, lookup);
 */
export function resolveIdentity(rules: IdentityRules, workspaceId: string, identifiers: readonly Identifier[], eventTime: number, lookup: IdentityLookup): ResolutionPlan {
  const sorted = [...identifiers].sort((a, b) => compareIdentifiers(rules, a, b));
  const primary = sorted[0];
  if (primary === undefined) throw new Error('resolveIdentity needs at least one identifier');

  const owners = sorted.map((identifier) => lookup.ownerOf(identifier));
  // Fast path, by far the most common case: every identifier already belongs to one profile.
  const firstOwner = owners[0];
  if (firstOwner !== undefined && owners.every((owner) => owner !== undefined && owner.id === firstOwner.id)) {
    return { profileId: firstOwner.id, created: undefined, attached: [], merges: [], skipped: [] };
  }

  const profiles = new Map<string, WorkingProfile>();
  const redirect = new Map<string, string>();
  const current = (view: ProfileIdentityView): WorkingProfile => {
    let id = view.id;
    for (let next = redirect.get(id); next !== undefined; next = redirect.get(id)) id = next;
    const known = profiles.get(id);
    if (known) return known;
    const fresh = working(view);
    profiles.set(fresh.id, fresh);
    return fresh;
  };
  const attached: Identifier[] = [];
  const merges: PlannedMerge[] = [];
  const skipped: SkippedIdentifier[] = [];
  let created: ProfileIdentityView | undefined;

  let target: WorkingProfile;
  const primaryOwner = owners[0];
  if (primaryOwner !== undefined) {
    target = current(primaryOwner);
  } else {
    const fresh: WorkingProfile = { id: profileIdFor(workspaceId, primary), createdAt: eventTime, ids: new Map() };
    addId(fresh, primary);
    const firstOwned = owners.find((owner) => owner !== undefined);
    const existing = firstOwned === undefined ? undefined : current(firstOwned);
    if (existing !== undefined && canAttach(rules, existing, primary) && survivorOf(fresh, existing) === existing) {
      // Creating the fresh profile would only merge it away again at once.
      target = existing;
      addId(existing, primary);
    } else {
      target = fresh;
      created = { id: fresh.id, createdAt: eventTime, ids: {} };
      profiles.set(fresh.id, fresh);
    }
    attached.push(primary);
  }

  for (let index = 1; index < sorted.length; index++) {
    const identifier = sorted[index];
    if (identifier === undefined) continue;
    const ownerView = owners[index];
    if (ownerView === undefined) {
      if (canAttach(rules, target, identifier)) {
        addId(target, identifier);
        attached.push(identifier);
      } else {
        skipped.push({ identifier, reason: 'limit' });
      }
      continue;
    }
    const owner = current(ownerView);
    if (owner.id === target.id) continue;
    if (!canMerge(rules, target, owner)) {
      skipped.push({ identifier, reason: 'conflict', ownerId: owner.id });
      continue;
    }
    const survivor = survivorOf(target, owner);
    const loser = survivor === target ? owner : target;
    for (const [type, values] of loser.ids) for (const value of values) addId(survivor, { type, value });
    survivor.createdAt = Math.min(survivor.createdAt, loser.createdAt);
    redirect.set(loser.id, survivor.id);
    profiles.delete(loser.id);
    merges.push({ from: loser.id, into: survivor.id, via: identifier });
    target = survivor;
  }

  return { profileId: target.id, created, attached, merges, skipped };
}
