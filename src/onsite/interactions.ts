import type { CouponService } from '../coupons/index.js';
import { normalizeEmail, normalizePhone } from '../identity/index.js';
import type { IngestService } from '../ingest/index.js';
import type { JourneyService } from '../journeys/index.js';
import type { ConsentService, PreferencesService } from '../privacy/index.js';
import type { Profile } from '../profiles/index.js';
import type { Job, Scheduler } from '../scheduler/index.js';
import type { Clock } from '../shared/clock.js';
import { RapportError, type FieldIssue } from '../shared/errors.js';
import { stableId } from '../shared/ids.js';
import type { Database } from '../storage/database.js';
import type { Content } from './campaign.js';
import { statusOf, type CampaignService, type StoredCampaign } from './campaign-service.js';
import * as repo from './store/repository.js';
import type { VisitorRequest, VisitorService } from './visitor.js';

export type RevealResult = { code: string; expiresAt?: string; discount: { kind: 'percent' | 'amount' | 'free_shipping'; value: number } } | { code: null; reason: string };

export interface SubmitRequest {
  campaignId: string;
  variant: string;
  anonymousId: string;
  email?: string | undefined;
  phone?: string | undefined;
  answers?: Record<string, unknown> | undefined;
  consent?: boolean | undefined;
  locale?: string | undefined;
}

interface FollowUp {
  campaignId: string;
  anonymousId: string;
  email: string | null;
  phone: string | null;
  consent: boolean;
  tries: number;
}

export interface InteractionDeps {
  database: Database;
  clock: Clock;
  campaigns: Pick<CampaignService, 'get'>;
  visitors: Pick<VisitorService, 'resolve' | 'forget'>;
  coupons: Pick<CouponService, 'issue'>;
  ingest: Pick<IngestService, 'ingest'>;
  profiles: { lookupProfile(workspaceId: string, type: string, value: string): Promise<Profile | undefined> };
  consent: Pick<ConsentService, 'record'>;
  preferences: Pick<PreferencesService, 'requestDoubleOptIn'>;
  journeys: Pick<JourneyService, 'enter'>;
  scheduler: Pick<Scheduler, 'enqueue' | 'register'>;
  logger?: { warn(object: object, message: string): void } | undefined;
}

export const SUBMIT_JOB = 'onsite.submit';
/** How long a submission waits for the processor to create the visitor's profile (tries × 2 s). */
const MAX_TRIES = 60;

function contentOf(campaign: StoredCampaign, variantKey: string): Content {
  const variant = campaign.definition.variants.find((entry) => entry.key === variantKey);
  if (variant === undefined) {
    throw new RapportError('invalid_request', `campaign "${campaign.id}" has no variant "${variantKey}"`, [
      { field: 'body.variant', rule: 'enum', message: `one of ${campaign.definition.variants.map((entry) => entry.key).join(', ')}` },
    ]);
  }
  const content = Object.hasOwn(variant.content, campaign.definition.defaultLocale) ? variant.content[campaign.definition.defaultLocale] : undefined;
  if (content === undefined) throw new Error(`campaign ${campaign.id} lost its default-locale content`);
  return content;
}

/** Answers checked against the campaign's questions: unknown ids and wrong kinds are refused by path. */
function checkAnswers(content: Content, answers: Record<string, unknown>): { traits: Map<string, unknown>; issues: FieldIssue[] } {
  const questions = new Map((content.questions ?? []).map((question) => [question.id, question]));
  const traits = new Map<string, unknown>();
  const issues: FieldIssue[] = [];
  for (const [id, value] of Object.entries(answers)) {
    const question = questions.get(id);
    const field = `body.answers.${id}`;
    if (question === undefined) {
      issues.push({ field, rule: 'unknown', message: 'is not a question of this campaign' });
      continue;
    }
    const ok =
      question.kind === 'nps'
        ? Number.isInteger(value) && typeof value === 'number' && value >= 0 && value <= 10
        : question.kind === 'multi'
          ? Array.isArray(value) && value.length <= 20 && value.every((entry) => typeof entry === 'string' && entry.length <= 200)
          : typeof value === 'string' && value.length <= (question.kind === 'text' ? 2000 : 200);
    if (!ok) issues.push({ field, rule: 'type', message: question.kind === 'nps' ? 'must be an integer 0-10' : question.kind === 'multi' ? 'must be a list of options' : 'must be text' });
    else traits.set(id, value);
  }
  return { traits, issues };
}

function discountOf(offer: { type: 'percent'; value: number } | { type: 'fixed'; value: number } | { type: 'free_shipping' }): Extract<RevealResult, { code: string }>['discount'] {
  if (offer.type === 'percent') return { kind: 'percent', value: offer.value };
  if (offer.type === 'fixed') return { kind: 'amount', value: offer.value };
  return { kind: 'free_shipping', value: 0 };
}

/**
 * The visitor's actions a widget sends to the server: revealing a coupon (scratch, spin, submit)
 * and submitting a form or survey. Both are idempotent per campaign and visitor, so a replayed
 * request never yields a second coupon or a second identity.
 * @example const result = await interactions.reveal('ws', { campaignId, variant: 'a', anonymousId: 'a1' });
 */
export class Interactions {
  constructor(private readonly deps: InteractionDeps) {
    deps.scheduler.register<FollowUp>(SUBMIT_JOB, (job) => this.followUp(job), { maxAttempts: 10 });
  }

  private async liveCampaign(workspaceId: string, id: string): Promise<StoredCampaign> {
    const campaign = await this.deps.campaigns.get(workspaceId, id);
    const status = statusOf(campaign, this.deps.clock.now());
    if (status !== 'live') throw new RapportError('conflict', `campaign "${id}" is ${status}, not live`);
    return campaign;
  }

  /**
   * Issues the campaign's coupon to the visitor's profile: one code per (campaign, profile),
   * replays return it again. `tiered` content passes the CLV tier to the pool's rule (only for
   * a visitor whose profile this request may read); `withholdAbovePropensity` keeps codes from
   * people likely to buy anyway.
   */
  async reveal(workspaceId: string, request: VisitorRequest & { campaignId: string; variant: string }): Promise<RevealResult> {
    const campaign = await this.liveCampaign(workspaceId, request.campaignId);
    const coupon = contentOf(campaign, request.variant).coupon;
    if (coupon === undefined) return { code: null, reason: 'no_coupon' };
    const visitor = await this.deps.visitors.resolve(workspaceId, request);
    if (visitor.profile === undefined) return { code: null, reason: 'unknown_visitor' };
    const profile = visitor.profile;
    const personal = !visitor.identified || visitor.verified;
    // A code revealed before a merge stays bound to the profile that revealed it.
    const owner = await repo.revealedBy(this.deps.database.db, workspaceId, campaign.id, [profile.id, ...profile.mergedFrom]);
    const holder = owner ?? profile.id;
    const messageId = `onsite:${campaign.id}:${holder}`;
    const propensity = profile.scores.propensity_30d;
    if (owner === undefined && personal && coupon.withholdAbovePropensity !== undefined && typeof propensity === 'number' && propensity >= coupon.withholdAbovePropensity) {
      return { code: null, reason: 'likely_to_buy' };
    }
    const scores = coupon.tiered === true && personal ? profile.scores : {};
    const issued = await this.deps.database.transaction(async (trx) => {
      const result = await this.deps.coupons.issue(workspaceId, coupon.pool, { profileId: holder, messageId, scores }, trx);
      await repo.recordConversion(trx, workspaceId, { profileId: holder, campaignId: campaign.id, kind: 'reveal', at: this.deps.clock.now() });
      return result;
    });
    // Committed: the visitor endpoint reads the conversion on the next request.
    this.deps.visitors.forget(workspaceId, [profile.id, holder]);
    return { code: issued.code, ...(issued.expiresAt === null ? {} : { expiresAt: issued.expiresAt }), discount: discountOf(issued.offer) };
  }

  /**
   * Identifies the visitor with the email or phone they typed, stores answers as traits
   * `survey_<campaign>_<question>` and one `Survey Answered` event, then (durably, once the
   * profile exists) records consent with source `onsite:<campaign>` and enters the journey.
   */
  async submit(workspaceId: string, sourceId: string, request: SubmitRequest): Promise<{ ok: true; doubleOptIn: boolean }> {
    const campaign = await this.liveCampaign(workspaceId, request.campaignId);
    const content = contentOf(campaign, request.variant);
    const issues: FieldIssue[] = [];
    const email = request.email === undefined ? undefined : normalizeEmail(request.email);
    const phone = request.phone === undefined ? undefined : normalizePhone(request.phone);
    if (request.email !== undefined && email === undefined) issues.push({ field: 'body.email', rule: 'format', message: 'is not an email address' });
    if (request.phone !== undefined && phone === undefined) issues.push({ field: 'body.phone', rule: 'format', message: 'is not a phone number in international form (+32...)' });
    const answers = checkAnswers(content, request.answers ?? {});
    issues.push(...answers.issues);
    if (email === undefined && phone === undefined && answers.traits.size === 0 && issues.length === 0) issues.push({ field: 'body', rule: 'required', message: 'send email, phone or answers' });
    if (issues.length > 0) throw new RapportError('invalid_request', issues.map((found) => `${found.field} ${found.message}`).join('; '), issues);
    await this.record(workspaceId, sourceId, campaign, request, { email, phone, answers: answers.traits });
    const followUp: FollowUp = { campaignId: campaign.id, anonymousId: request.anonymousId, email: email ?? null, phone: phone ?? null, consent: request.consent === true, tries: 0 };
    await this.deps.scheduler.enqueue({ workspaceId, kind: SUBMIT_JOB, key: `onsite-submit:${campaign.id}:${request.anonymousId}`, payload: followUp });
    return { ok: true, doubleOptIn: request.consent === true && email !== undefined && campaign.definition.doubleOptIn !== undefined };
  }

  /** The identify and the answers event, with message ids fixed by (campaign, visitor): replays are duplicates. */
  private async record(
    workspaceId: string,
    sourceId: string,
    campaign: StoredCampaign,
    request: SubmitRequest,
    values: { email: string | undefined; phone: string | undefined; answers: Map<string, unknown> },
  ): Promise<void> {
    const traits: Record<string, unknown> = Object.create(null);
    if (values.email !== undefined) traits.email = values.email;
    if (values.phone !== undefined) traits.phone = values.phone;
    if (request.locale !== undefined) traits.locale = request.locale;
    const answers: Record<string, unknown> = Object.create(null);
    for (const [id, value] of values.answers) {
      Object.defineProperty(traits, `survey_${campaign.id}_${id}`, { value, enumerable: true, writable: true, configurable: true });
      Object.defineProperty(answers, id, { value, enumerable: true, writable: true, configurable: true });
    }
    const now = this.deps.clock.now();
    const key = (part: string) => stableId('onsite', workspaceId, campaign.id, request.anonymousId, part);
    const items: unknown[] = [{ type: 'identify', anonymousId: request.anonymousId, traits: { ...traits }, messageId: key('identify'), timestamp: new Date(now).toISOString() }];
    if (values.answers.size > 0) {
      items.push({
        type: 'track',
        event: 'Survey Answered',
        anonymousId: request.anonymousId,
        properties: { campaign_id: campaign.id, variant: request.variant, answers: { ...answers } },
        messageId: key('answers'),
        timestamp: new Date(now).toISOString(),
      });
    }
    const outcome = await this.deps.ingest.ingest({ workspaceId, sourceId, receivedAt: now }, { items });
    if (outcome.rejected.length > 0) throw new RapportError('invalid_request', `the submission was refused: ${outcome.rejected.map((item) => item.message).join('; ')}`);
  }

  /** Consent, double opt-in and the journey, once the processor has made the profile. */
  private async followUp(job: Job<FollowUp>): Promise<void | { rescheduleAt: number; payload: FollowUp }> {
    const { workspaceId, payload } = job;
    const { profiles } = this.deps;
    const profile =
      (payload.email === null ? undefined : await profiles.lookupProfile(workspaceId, 'email', payload.email)) ??
      (payload.phone === null ? undefined : await profiles.lookupProfile(workspaceId, 'phone', payload.phone)) ??
      (await profiles.lookupProfile(workspaceId, 'anonymous_id', payload.anonymousId));
    if (profile === undefined) {
      if (payload.tries >= MAX_TRIES) {
        this.deps.logger?.warn({ workspaceId, campaignId: payload.campaignId }, 'on-site submission: no profile appeared; consent and journey skipped');
        return;
      }
      return { rescheduleAt: this.deps.clock.now() + 2000, payload: { ...payload, tries: payload.tries + 1 } };
    }
    const campaign = await this.deps.campaigns.get(workspaceId, payload.campaignId);
    await repo.recordConversion(this.deps.database.db, workspaceId, { profileId: profile.id, campaignId: campaign.id, kind: 'submit', at: this.deps.clock.now() });
    this.deps.visitors.forget(workspaceId, [profile.id]);
    const source = `onsite:${campaign.id}`;
    if (payload.consent && payload.email !== null) {
      const doubleOptIn = campaign.definition.doubleOptIn;
      if (doubleOptIn === undefined) await this.deps.consent.record(workspaceId, profile.id, { channel: 'email', status: 'subscribed', source, address: payload.email });
      else await this.deps.preferences.requestDoubleOptIn(workspaceId, profile.id, doubleOptIn.templateId, source, doubleOptIn.confirmBaseUrl);
    }
    if (payload.consent && payload.phone !== null) await this.deps.consent.record(workspaceId, profile.id, { channel: 'sms', status: 'subscribed', source, address: payload.phone });
    const journeyId = campaign.definition.journeyId;
    if (journeyId !== undefined) {
      try {
        await this.deps.journeys.enter(workspaceId, journeyId, { profileId: profile.id, entryKey: source });
      } catch (error) {
        // A paused or archived journey is the marketer's choice, not a failure to retry.
        if (!(error instanceof RapportError) || error.code !== 'conflict') throw error;
        this.deps.logger?.warn({ workspaceId, journeyId }, `on-site submission: journey not entered (${error.message})`);
      }
    }
  }
}
