import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Profile } from '../profiles/index.js';
import type { Clock } from '../shared/clock.js';
import { toMinor } from '../shared/money.js';
import type { Database } from '../storage/database.js';
import type { ScoreTier, VisitorFacts } from './campaign.js';
import * as repo from './store/repository.js';
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
  profiles: { lookupProfile(workspaceId: string, type: string, value: string): Promise<Profile | undefined> };
  segmentsOf: (workspaceId: string, profileId: string) => Promise<string[]>;
  secret: (workspaceId: string) => Promise<string>;
  visits: Pick<VisitDays, 'record'>;
  /** The shop's currency (carts are valued in it), null when unknown. */
  currency: (workspaceId: string) => Promise<string | null>;
}

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
  constructor(private readonly deps: VisitorDeps) {}

  /** Resolves the request's profile: by a verified user id first, else by the anonymous id. */
  async resolve(workspaceId: string, request: VisitorRequest): Promise<ResolvedVisitor> {
    const { profiles } = this.deps;
    let verifiedUser: string | undefined;
    if (request.userId !== undefined && request.userHash !== undefined && sameHash(userHash(await this.deps.secret(workspaceId), request.userId), request.userHash)) verifiedUser = request.userId;
    const byUser = verifiedUser === undefined ? undefined : await profiles.lookupProfile(workspaceId, 'user_id', verifiedUser);
    const profile = byUser ?? (await profiles.lookupProfile(workspaceId, 'anonymous_id', request.anonymousId));
    if (profile === undefined) return { profile: undefined, identified: false, verified: false };
    const userId = identityOf(profile, 'user_id');
    const identified = userId !== undefined || identityOf(profile, 'email') !== undefined || identityOf(profile, 'phone') !== undefined;
    return { profile, identified, verified: verifiedUser !== undefined && userId === verifiedUser };
  }

  async facts(workspaceId: string, request: VisitorRequest): Promise<VisitorFacts> {
    const visitor = await this.resolve(workspaceId, request);
    const now = this.deps.clock.now();
    const { profile } = visitor;
    const personal = profile !== undefined && (!visitor.identified || visitor.verified);
    const visitorKey = personal ? `p:${profile.id}` : `a:${request.anonymousId}`;
    const { db } = this.deps.database;
    const days = await this.deps.visits.record(workspaceId, visitorKey);
    if (!personal) return this.safeFacts(visitor, days);
    const [segments, queued, converted, currency] = await Promise.all([
      this.deps.segmentsOf(workspaceId, profile.id),
      // Rows written before a merge name the merged-away profile.
      repo.queuedFor(db, workspaceId, [profile.id, ...profile.mergedFrom], now),
      repo.convertedCampaigns(db, workspaceId, [profile.id, ...profile.mergedFrom]),
      this.deps.currency(workspaceId),
    ]);
    return {
      profileId: profile.id,
      identified: visitor.identified,
      verified: visitor.verified,
      country: text(profile.traits.country),
      locale: text(profile.traits.locale) ?? text(profile.traits.language),
      segments,
      tiers: tiersOf(profile.scores),
      cart: cartOf(profile, currency),
      subscribed: { email: profile.consent.email.status === 'subscribed', sms: profile.consent.sms.status === 'subscribed', push: profile.consent.push.status === 'subscribed' },
      visits: { first: profile.computed.firstSeenAt, last30d: days },
      queued: queued.map((entry) => ({ campaignId: entry.campaignId, ...(entry.journeyId === null ? {} : { journeyId: entry.journeyId }) })),
      converted,
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
