import { normalizeIdentifier, normalizeIdentifierType, defaultIdentityRules, type IdentityRules, findIdentityOwner, listIdentities } from '../identity/index.js';
import type { TrackingMessage } from '../ingest/index.js';
import { RapportError } from '../shared/errors.js';
import type { Database } from '../storage/database.js';
import { countLiveProfiles, listMergedFrom, listMerges, listProfileIds, loadProfiles, profileHeadReader, type StoredProfile } from './store/profiles.js';
import { readProfileScores, type ScoreValue } from './store/profile-scores.js';
import { readTimeline, type TimelineFilter, type TimelinePosition } from './store/profiles-timeline.js';
import { profileView, type ComputedTraits, type ProfileConsent, type Reachability } from './view.js';
import { readShopCurrency } from '../catalog/index.js';

/** A unified profile as the API returns it. */
export interface Profile {
  id: string;
  /** Profiles merged into this one (their ids resolve here). */
  mergedFrom: string[];
  identities: { type: string; value: string }[];
  traits: Record<string, unknown>;
  consent: ProfileConsent;
  reachable: Reachability;
  computed: ComputedTraits;
  /** Scores computed by jobs (RFM group, predicted CLV, churn risk, ...), by key. */
  scores: Record<string, ScoreValue>;
  /** Time of the profile's first event. */
  createdAt: string;
  updatedAt: string;
}

export type TimelineEvent = TrackingMessage & { partition: number; seq: number };

export interface TimelinePage {
  /** Newest first. */
  events: TimelineEvent[];
  /** Pass back as `cursor` for the next (older) page; null at the end. */
  nextCursor: string | null;
}

export interface ProfileExplanation {
  profileId: string;
  identities: { type: string; value: string; addedAt: string; messageId: string | null }[];
  /** Every merge that formed this profile, oldest first. */
  merges: {
    from: string;
    into: string;
    reason: string;
    identifier: { type: string; value: string };
    messageId: string;
    at: string;
  }[];
}

export interface ProfileServiceDeps {
  database: Database;
  /** The same rules the processor uses, so lookups normalize values as ingest did. */
  identityRules?: (workspaceId: string) => IdentityRules;
}

const maxTimelineLimit = 500;

function encodeCursor(position: TimelinePosition): string {
  return Buffer.from(JSON.stringify([position.timestamp, position.partition, position.seq])).toString('base64url');
}

function timeOf(field: 'from' | 'to', value: string): number {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new RapportError('profile.range_invalid', `${field} is not a date`, [{ field, rule: 'format', message: 'an ISO 8601 date or date-time, e.g. 2026-01-31' }]);
  return time;
}

function decodeCursor(cursor: string): TimelinePosition | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3 || !value.every((part) => Number.isSafeInteger(part))) return undefined;
    const [timestamp, partition, seq]: unknown[] = value;
    if (typeof timestamp !== 'number' || typeof partition !== 'number' || typeof seq !== 'number') return undefined;
    return { timestamp, partition, seq };
  } catch {
    return undefined;
  }
}

/**
 * Read side of unified profiles: a profile by id or identifier, its timeline and how it came
 * to be. Ids of merged-away profiles resolve to the survivor.
 * @example
 * const profiles = new ProfileService({ database });
 * const profile = await profiles.lookupProfile('default', 'email', 'Ann@Shop.com');
 */
export class ProfileService {
  private readonly rulesFor: (workspaceId: string) => IdentityRules;
  private readonly headOf: ReturnType<typeof profileHeadReader>;

  constructor(private readonly deps: ProfileServiceDeps) {
    this.rulesFor = deps.identityRules ?? (() => defaultIdentityRules);
    this.headOf = profileHeadReader(deps.database);
  }

  /**
   * The profile, following merges to the survivor; undefined when no such profile exists.
   * `options.shopCurrency` is the shop currency when the caller keeps it (null: none), saving the
   * catalog aggregation that finds it (a scan of the workspace's products) on each call.
   */
  async getProfile(workspaceId: string, profileId: string, options: { shopCurrency?: string | null } = {}): Promise<Profile | undefined> {
    const stored = await this.survivor(workspaceId, profileId);
    if (stored === undefined) return undefined;
    // Committed state through the read connection: not queued behind a transaction this process holds open.
    const db = this.deps.database.reads;
    const known = options.shopCurrency;
    const [identities, mergedFrom, scores, currency] = await Promise.all([
      listIdentities(db, workspaceId, stored.id),
      listMergedFrom(db, workspaceId, stored.id),
      readProfileScores(db, workspaceId, [stored.id]),
      known === undefined ? readShopCurrency(db, workspaceId) : (known ?? undefined),
    ]);
    const view = profileView(stored.state, currency);
    return {
      id: stored.id,
      mergedFrom,
      identities: identities.map((identity) => ({ type: identity.type, value: identity.value })),
      traits: view.traits,
      consent: view.consent,
      reachable: view.reachable,
      computed: view.computed,
      scores: scores.get(stored.id) ?? {},
      createdAt: new Date(stored.createdAt).toISOString(),
      updatedAt: new Date(stored.updatedAt).toISOString(),
    };
  }

  /** Profiles in the workspace (merged ones counted once, under their survivor). */
  count(workspaceId: string): Promise<number> {
    return countLiveProfiles(this.deps.database.db, workspaceId);
  }

  /** A page of profiles in id order; `nextCursor` continues it (null at the end). */
  async listProfiles(workspaceId: string, options: { limit?: number; cursor?: string } = {}): Promise<{ profiles: Profile[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(1, Math.trunc(options.limit ?? 50)), 200);
    let after: string | undefined;
    if (options.cursor !== undefined) {
      after = Buffer.from(options.cursor, 'base64url').toString('utf8');
      if (!after.startsWith('prf_'))
        throw new RapportError('profile.cursor_invalid', 'cursor is not a profile-list cursor; pass nextCursor from the previous page', [
          { field: 'query.cursor', rule: 'cursor', message: 'use nextCursor as given' },
        ]);
    }
    const ids = await listProfileIds(this.deps.database.db, workspaceId, after, limit + 1);
    const page = ids.slice(0, limit);
    const profiles = (await Promise.all(page.map((id) => this.getProfile(workspaceId, id)))).filter((profile): profile is Profile => profile !== undefined);
    const last = page.at(-1);
    return { profiles, nextCursor: ids.length > limit && last !== undefined ? Buffer.from(last).toString('base64url') : null };
  }

  /**
   * The profile an identifier belongs to. The value is normalized as the processor does
   * (email lower-cased, phone to E.164, external id types to snake_case).
   */
  async lookupProfile(workspaceId: string, type: string, value: string): Promise<Profile | undefined> {
    const normalizedType = normalizeIdentifierType(type);
    if (normalizedType === undefined) return undefined;
    const identifier = normalizeIdentifier(this.rulesFor(workspaceId), normalizedType, value);
    if (identifier === undefined) return undefined;
    const owner = await findIdentityOwner(this.deps.database.reads, workspaceId, identifier);
    return owner === undefined ? undefined : this.getProfile(workspaceId, owner);
  }

  /**
   * The surviving profile an identifier belongs to and its version, without reading its state:
   * the processor moves `updated_at` on every write of the profile (events, merges, identities),
   * so a reader may keep what it derived from a profile while the version stays the same.
   * Scores written by jobs do not move it.
   * `seen` is what an earlier call answered for the same identifier: while that profile still has
   * that version and was not merged away, the identifier still points at it (identities move only
   * when their profile is merged, which moves its version), so one read of the profile's head
   * answers instead of two.
   * @example const head = await profiles.versionOf('default', 'anonymous_id', 'a1'); // { id: 'prf_…', version: 1733… }
   */
  async versionOf(workspaceId: string, type: string, value: string, seen?: { id: string; version: number }): Promise<{ id: string; version: number } | undefined> {
    const normalizedType = normalizeIdentifierType(type);
    if (normalizedType === undefined) return undefined;
    const identifier = normalizeIdentifier(this.rulesFor(workspaceId), normalizedType, value);
    if (identifier === undefined) return undefined;
    if (seen !== undefined) {
      const head = await this.headOf(workspaceId, seen.id);
      if (head !== undefined && head.mergedInto === null && head.updatedAt === seen.version) return seen;
    }
    let id = await findIdentityOwner(this.deps.database.reads, workspaceId, identifier);
    // Merges keep chains one hop long; the bound only guards against a corrupted store.
    for (let hops = 0; id !== undefined && hops < 16; hops++) {
      const head = await this.headOf(workspaceId, id);
      if (head === undefined) return undefined;
      if (head.mergedInto === null) return { id, version: head.updatedAt };
      id = head.mergedInto;
    }
    return undefined;
  }

  /**
   * A page of the profile's events, newest first, including events that arrived on profiles
   * merged into it, narrowed by type, track event name and a time range (`from` inclusive, `to`
   * exclusive, ISO dates). Throws `invalid_request` for a cursor this method did not issue or a
   * date it cannot read.
   */
  async timeline(
    workspaceId: string,
    profileId: string,
    options: { limit?: number; cursor?: string; type?: readonly string[]; event?: readonly string[]; from?: string; to?: string } = {},
  ): Promise<TimelinePage | undefined> {
    const stored = await this.survivor(workspaceId, profileId);
    if (stored === undefined) return undefined;
    const limit = Math.min(Math.max(1, Math.trunc(options.limit ?? 50)), maxTimelineLimit);
    let before: TimelinePosition | undefined;
    if (options.cursor !== undefined) {
      before = decodeCursor(options.cursor);
      if (before === undefined) {
        throw new RapportError('profile.cursor_invalid', 'cursor is not a timeline cursor', [{ field: 'cursor', rule: 'format', message: 'pass the nextCursor of a previous page' }]);
      }
    }
    const filter: TimelineFilter = {
      ...(options.type === undefined ? {} : { types: options.type }),
      ...(options.event === undefined ? {} : { events: options.event }),
      ...(options.from === undefined ? {} : { from: timeOf('from', options.from) }),
      ...(options.to === undefined ? {} : { to: timeOf('to', options.to) }),
    };
    if (filter.from !== undefined && filter.to !== undefined && filter.from >= filter.to) {
      throw new RapportError('profile.range_invalid', 'from must be before to', [{ field: 'to', rule: 'range', message: 'pick a date after from' }]);
    }
    const rows = await readTimeline(this.deps.database.db, workspaceId, stored.id, limit + 1, before, filter);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      events: page.map((row) => ({ ...row.message, partition: row.partition, seq: row.seq })),
      nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null,
    };
  }

  /** Identities with the message that added each, and the merge history of the profile. */
  async explainProfile(workspaceId: string, profileId: string): Promise<ProfileExplanation | undefined> {
    const stored = await this.survivor(workspaceId, profileId);
    if (stored === undefined) return undefined;
    const { db } = this.deps.database;
    const [identities, mergedFrom] = await Promise.all([listIdentities(db, workspaceId, stored.id), listMergedFrom(db, workspaceId, stored.id)]);
    const merges = await listMerges(db, workspaceId, [stored.id, ...mergedFrom]);
    return {
      profileId: stored.id,
      identities: identities.map((identity) => ({
        type: identity.type,
        value: identity.value,
        addedAt: new Date(identity.createdAt).toISOString(),
        messageId: identity.messageId,
      })),
      merges: merges.map((merge) => ({
        from: merge.from,
        into: merge.into,
        reason: merge.reason,
        identifier: { type: merge.identifierType, value: merge.identifierValue },
        messageId: merge.messageId,
        at: new Date(merge.mergedAt).toISOString(),
      })),
    };
  }

  private async survivor(workspaceId: string, profileId: string): Promise<StoredProfile | undefined> {
    let id = profileId;
    // Merges keep chains one hop long; the bound only guards against a corrupted store.
    for (let hops = 0; hops < 16; hops++) {
      const [stored] = await loadProfiles(this.deps.database.reads, workspaceId, [id]);
      if (stored === undefined) return undefined;
      if (stored.mergedInto === null) return stored;
      id = stored.mergedInto;
    }
    throw new Error(`merge chain of profile ${profileId} is longer than 16`);
  }
}
