import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Profile, ProfileService } from '../profiles/index.js';
import { BoundedCache } from '../shared/bounded-cache.js';
import type { Clock } from '../shared/clock.js';
import { toMinor } from '../shared/money.js';
import type { Database } from '../storage/database.js';
import type { ScoreTier, VisitorFacts } from './campaign.js';
import * as repo from './store/repository.js';
import type { VisitorCache } from './visitor-cache.js';
import type { VisitDays } from './visits.js';

export interface VisitorRequest {
  anonymousId: string;
  userId?: string | undefined;
  userHash?: string | undefined;
}

/** The visitor's profile as this request may see it. */
export interface ResolvedVisitor {
  profile: Profile | undefined;
  /** Has a user id, email or phone: personal data only with a valid userHash. */
  identified: boolean;
  /** The request proved the profile's user id with the workspace's HMAC. */
  verified: boolean;
}

export interface VisitorDeps {
  database: Database;
  clock: Clock;
  profiles: Pick<ProfileService, 'versionOf' | 'getProfile'>;
  segmentsOf: (workspaceId: string, profileId: string) => Promise<string[]>;
  secret: (workspaceId: string) => Promise<string>;
  visits: Pick<VisitDays, 'mark'>;
  /** The shop's currency (carts are valued in it), null when unknown. */
  currency: (workspaceId: string) => Promise<string | null>;
  /** Profiles and their segment ids as read at a profile version (bounded; see `VisitorCache`). */
  cache: VisitorCache<CachedProfile>;
}

/**
 * What the visitor endpoint keeps per profile version: everything it reads from other modules,
 * and this module's rows of the person (queued messages, conversions, earlier visit days) once a
 * personal request read them.
 */
export interface CachedProfile {
  profile: Profile;
  segments: string[];
  /** Read on `day` (earlier visit days change only when the day does). */
  records?: repo.VisitorRecords & { day: number };
}

/** A rough size of a cached profile in bytes (UTF-16 text of its JSON), for the cache's byte budget. */
const bytesOf = (entry: CachedProfile): number => {
  const ids = (list: readonly string[]) => list.reduce((sum, id) => sum + id.length + 4, 0);
  const records = entry.records === undefined ? 0 : ids(entry.records.converted) + entry.records.queued.reduce((sum, item) => sum + item.campaignId.length + (item.journeyId?.length ?? 0) + 40, 0);
  return 2 * (JSON.stringify(entry.profile).length + ids(entry.segments) + records) + 200;
};

/**
 * The hex HMAC-SHA256 of the user id under the workspace's on-site secret, as the shop's server
 * computes it for the SDK.
 * @example userHash('secret', 'user-42') // '4f1c…'
 */
export function userHash(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(userId, 'utf8').digest('hex');
}

function sameHash(expected: string, given: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(given)) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given.toLowerCase(), 'hex'));
}

const DAY = 86_400_000;

interface Owner {
  id: string;
  version: number;
  /** When the identity itself was read: a kept owner is used at most OWNER_TTL_MS after. */
  at: number;
}

/** As long as the profile cache keeps an entry: the identity rules' normalisation may change meanwhile. */
const OWNER_TTL_MS = 10_000;

// NUL cannot occur in a workspace id or an identifier type; values are trimmed as the identity module stores them.
const ownerKey = (workspaceId: string, type: string, value: string): string => `${workspaceId}\u0000${type}\u0000${value.trim()}`;

const identityOf = (profile: Profile, type: string): string | undefined => profile.identities.find((identity) => identity.type === type)?.value;

/** Predictive scores as tiers: `clv_tier` is stored as a tier, `churn_risk` as a probability. */
export function tiersOf(scores: Profile['scores']): VisitorFacts['tiers'] {
  const clv = scores.clv_tier;
  const churn = scores.churn_risk;
  const clvTier: ScoreTier | null = clv === 'low' || clv === 'medium' || clv === 'high' ? clv : null;
  const churnTier: ScoreTier | null = typeof churn === 'number' ? (churn >= 2 / 3 ? 'high' : churn >= 1 / 3 ? 'medium' : 'low') : null;
  return { clv: clvTier, churn: churnTier };
}

function cartOf(profile: Profile, currency: string | null): VisitorFacts['cart'] {
  const cart = profile.computed.openCart;
  if (cart === null) return null;
  return {
    // Minor units, as the cart rules and the free-shipping threshold are written.
    value: toMinor(cart.value, currency ?? 'USD'),
    currency,
    items: cart.items.reduce((sum, item) => sum + item.qty, 0),
    productIds: cart.items.map((item) => item.id).slice(0, 100),
  };
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' && value.length <= 35 ? value : null);

/**
 * What only the server knows about a visitor, for the SDK's targeting: segments, score tiers,
 * open cart, consent, visits, messages journeys queued, campaigns converted. An identified
 * profile reached without a valid userHash gets the anonymous-safe subset, so guessing an id or
 * stealing an anonymous id reveals nothing personal.
 * @example const facts = await visitors.facts('ws', { anonymousId: 'a1' });
 */
export class VisitorService {
  /** Identifier → the profile and version it led to when last read, so an unchanged profile costs one read. */
  private readonly owners = new BoundedCache<string, Owner>({ maxEntries: 20_000, maxBytes: 8 * 1024 * 1024, sizeOf: (key) => key.length * 2 + 120 });

  constructor(private readonly deps: VisitorDeps) {}

  /** Resolves the request's profile: by a verified user id first, else by the anonymous id. */
  async resolve(workspaceId: string, request: VisitorRequest): Promise<ResolvedVisitor> {
    return (await this.lookup(workspaceId, request)).visitor;
  }

  /**
   * Two indexed reads when the profile's version is unchanged since it was last read (identity
   * owner, profile version), then the cached profile and segments; a changed version reads them again.
   */
  private async lookup(workspaceId: string, request: VisitorRequest): Promise<{ visitor: ResolvedVisitor; entry: CachedProfile | undefined; version: number }> {
    const { profiles, cache } = this.deps;
    let verifiedUser: string | undefined;
    if (request.userId !== undefined && request.userHash !== undefined && sameHash(userHash(await this.deps.secret(workspaceId), request.userId), request.userHash)) verifiedUser = request.userId;
    const byUser = verifiedUser === undefined ? undefined : await this.versionOf(workspaceId, 'user_id', verifiedUser);
    const head = byUser ?? (await this.versionOf(workspaceId, 'anonymous_id', request.anonymousId));
    const none = { visitor: { profile: undefined, identified: false, verified: false }, entry: undefined, version: 0 };
    if (head === undefined) return none;
    let entry = cache.get(workspaceId, head.id, head.version);
    if (entry === undefined) {
      // Read after the version: what is read is at least that version, so it is kept under it.
      const shopCurrency = await this.deps.currency(workspaceId);
      const [profile, segments] = await Promise.all([profiles.getProfile(workspaceId, head.id, { shopCurrency }), this.deps.segmentsOf(workspaceId, head.id)]);
      if (profile === undefined) return none;
      entry = { profile, segments };
      cache.set(workspaceId, head.id, head.version, entry, bytesOf(entry));
    }
    const { profile } = entry;
    const userId = identityOf(profile, 'user_id');
    const identified = userId !== undefined || identityOf(profile, 'email') !== undefined || identityOf(profile, 'phone') !== undefined;
    return { visitor: { profile, identified, verified: verifiedUser !== undefined && userId === verifiedUser }, entry, version: head.version };
  }

  /**
   * The identifier's profile and version. What the last read found is passed on as `seen`, so
   * while that profile is unchanged one read of its head answers (the identity read is skipped).
   */
  private async versionOf(workspaceId: string, type: 'user_id' | 'anonymous_id', value: string): Promise<{ id: string; version: number } | undefined> {
    const key = ownerKey(workspaceId, type, value);
    const now = this.deps.clock.now();
    const kept = this.owners.get(key);
    const seen = kept !== undefined && now - kept.at < OWNER_TTL_MS && now >= kept.at ? kept : undefined;
    const head = await this.deps.profiles.versionOf(workspaceId, type, value, seen);
    if (head === undefined) this.owners.delete(key);
    else if (head !== seen) this.owners.set(key, { id: head.id, version: head.version, at: now });
    return head;
  }

  /** Forgets what is kept of these profiles (this process wrote a conversion for them). */
  forget(workspaceId: string, profileIds: readonly string[]): void {
    this.deps.cache.drop(workspaceId, profileIds);
  }

  /** Forgets which profile these identifiers led to (an erasure). */
  forgetIdentifiers(workspaceId: string, identifiers: readonly { type: string; value: string }[]): void {
    for (const { type, value } of identifiers) this.owners.delete(ownerKey(workspaceId, type, value));
  }

  async facts(workspaceId: string, request: VisitorRequest): Promise<VisitorFacts> {
    const { visitor, entry, version } = await this.lookup(workspaceId, request);
    const now = this.deps.clock.now();
    const { profile } = visitor;
    const personal = profile !== undefined && entry !== undefined && (!visitor.identified || visitor.verified);
    const visitorKey = personal ? `p:${profile.id}` : `a:${request.anonymousId}`;
    const today = Math.floor(now / DAY);
    this.deps.visits.mark(workspaceId, visitorKey, today);
    // The read connection: not queued behind a transaction this process holds open (visit days, segment due times).
    const read = (profileIds: string[]) => repo.visitorRecords(this.deps.database.reads, workspaceId, { profileIds, visitor: visitorKey, now, sinceDay: today - 30, beforeDay: today });
    if (!personal) return this.safeFacts(visitor, (await read([])).visitDays + 1);
    let records = entry.records;
    if (records?.day !== today) {
      // Rows written before a merge name the merged-away profile.
      records = { ...(await read([profile.id, ...profile.mergedFrom])), day: today };
      entry.records = records;
      this.deps.cache.resize(workspaceId, profile.id, version, bytesOf(entry));
    }
    const currency = await this.deps.currency(workspaceId);
    return {
      profileId: profile.id,
      identified: visitor.identified,
      verified: visitor.verified,
      country: text(profile.traits.country),
      locale: text(profile.traits.locale) ?? text(profile.traits.language),
      segments: entry.segments,
      tiers: tiersOf(profile.scores),
      cart: cartOf(profile, currency),
      subscribed: { email: profile.consent.email.status === 'subscribed', sms: profile.consent.sms.status === 'subscribed', push: profile.consent.push.status === 'subscribed' },
      visits: { first: profile.computed.firstSeenAt, last30d: records.visitDays + 1 },
      queued: records.queued.filter((item) => item.expiresAt > now).map((item) => ({ campaignId: item.campaignId, ...(item.journeyId === null ? {} : { journeyId: item.journeyId }) })),
      converted: records.converted,
    };
  }

  /** Nothing personal: no profile id, segments, tiers, cart, consent, queue or conversions. */
  private safeFacts(visitor: ResolvedVisitor, days: number): VisitorFacts {
    return {
      profileId: null,
      identified: visitor.identified,
      verified: false,
      country: null,
      locale: null,
      segments: [],
      tiers: { clv: null, churn: null },
      cart: null,
      subscribed: { email: false, sms: false, push: false },
      visits: { first: null, last30d: days },
      queued: [],
      converted: [],
    };
  }
}
