import { performance } from 'node:perf_hooks';
import type { CouponService, IssuedCoupon } from '../coupons/index.js';
import { decideConsent, type ConsentDecision, type Purpose, type ConsentService } from '../privacy/index.js';
import type { Profile, ProfileService } from '../profiles/index.js';
import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { stableId } from '../shared/ids.js';
import type { TemplateLookups, RenderedMessage, TemplateService } from '../templates/index.js';
import { withAttempts, type SendRetry } from './attempts.js';
import { destinationOf, stringTrait, type Destination } from './destinations.js';
import type { MessageContent } from './message-content.js';
import { resultOf, type MessageLog } from './message-log.js';
import type { ChannelProvider, DeliveryOutcome, OutboundMessage } from './provider.js';
import type { PushSubscriptions } from './push-subscriptions.js';
import { consentFailure, messageOf, noProvider, type SendFailure } from './send-failure.js';
import type { ChannelName, SendRequest, SendResult } from './sender.js';
import { StallWatch } from './stall-watch.js';
import type { WebhookDestinations } from './webhook-destinations.js';

type Logger = { warn(object: object, message: string): void };

export interface SendPipelineDeps {
  clock: Clock;
  log: MessageLog;
  content: MessageContent;
  push: PushSubscriptions;
  webhooks: WebhookDestinations;
  templates: TemplateService;
  profiles: Pick<ProfileService, 'getProfile'>;
  coupons: CouponService;
  consent: ConsentService;
  providers: Partial<Record<ChannelName, ChannelProvider>>;
  retry: SendRetry;
  emailDoubleOptIn: boolean;
  sleep: (ms: number) => Promise<void>;
  logger?: Logger;
}

/** A provider's send with the configured attempts and backoff, each retryable failure logged. */
export function sendWithRetries(
  deps: { retry: SendRetry; sleep: (ms: number) => Promise<void>; logger?: Logger },
  provider: ChannelProvider,
  message: OutboundMessage,
): Promise<{ outcome: DeliveryOutcome; attempts: number }> {
  return withAttempts(
    deps.retry,
    deps.sleep,
    () => provider.send(message),
    (attempt, error) => deps.logger?.warn({ channel: provider.channel, messageId: message.messageId, attempt, error }, 'send attempt failed'),
  );
}

/**
 * How long a claimed, unsent message belongs to the server that claimed it: shorter than a job's
 * lease (60 s), so a job re-run after its worker died takes the message over instead of waiting.
 */
const TAKE_OVER_AFTER_MS = 30_000;

/**
 * The send pipeline: for each request it claims the message log row (idempotent on
 * `idempotencyKey`), checks address, consent and suppression at send time, issues the coupon,
 * renders the published template for the person, hands the message to the channel's provider
 * with retries and backoff, and records the outcome.
 */
export class SendPipeline {
  private readonly inflight = new Map<string, Promise<SendResult>>();
  /** Stalls of the event loop, which make a render hit its time limit through no fault of the template. */
  private readonly stalls = new StallWatch(500);

  constructor(private readonly deps: SendPipelineDeps) {}

  async send(request: SendRequest): Promise<SendResult> {
    const key = `${request.workspaceId}\u0000${request.idempotencyKey}`;
    const running = this.inflight.get(key);
    if (running !== undefined) return running;
    const promise = this.sendOnce(request).finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  private async sendOnce(request: SendRequest): Promise<SendResult> {
    const { workspaceId } = request;
    if (request.idempotencyKey.trim() === '') throw new RapportError('channels.idempotency_key_empty', 'idempotencyKey must not be empty');
    const now = this.deps.clock.now();
    const purpose: Purpose = request.purpose ?? 'marketing';
    // The claim commits (grouped with the claims of concurrent sends) before anything is sent.
    const { record, created } = await this.deps.log.claim(workspaceId, {
      id: stableId('msg', workspaceId, request.idempotencyKey),
      idempotencyKey: request.idempotencyKey,
      profileId: request.profileId,
      channel: request.channel,
      templateId: request.templateId,
      templateVersion: null,
      purpose,
      status: 'queued',
      reason: null,
      address: null,
      couponCode: null,
      providerId: null,
      source: request.source === undefined ? null : JSON.stringify(request.source),
      attempts: 0,
      createdAt: now,
      updatedAt: now,
      sentAt: null,
      deliveredAt: null,
      openedAt: null,
      clickedAt: null,
    });
    // Same key again: the first call's result. A row still queued with no attempt was claimed
    // by a call that crashed before sending, or (several servers) by a call still sending it on
    // another server: carried on here only when that cannot be so (see MessageLog.mayCarryOn);
    // otherwise the caller is told to retry (a job retries with backoff, so nothing is lost).
    // A queued row with attempts was deferred (the provider could not take it): nobody is sending it, so it is carried on at once (atomically on PostgreSQL).
    if (!created && record.status !== 'queued') return resultOf(record);
    if (!created && !(await this.deps.log.mayCarryOn(workspaceId, record, record.attempts > 0 ? 0 : TAKE_OVER_AFTER_MS))) {
      throw new RapportError('channels.send_in_progress', `message ${record.id} (idempotency key "${request.idempotencyKey}") is being sent by another server; retry to get its outcome`);
    }
    const { log } = this.deps;

    const profile = await this.deps.profiles.getProfile(workspaceId, request.profileId);
    if (profile === undefined) return log.finish(workspaceId, record, undefined, { status: 'suppressed', failure: { code: 'no_profile' } });

    const provider = this.deps.providers[request.channel];
    if (provider === undefined) return log.finish(workspaceId, record, profile, { status: 'failed', failure: noProvider(request.channel) });

    let resolved;
    try {
      resolved = await this.deps.templates.resolve(workspaceId, request.templateId);
    } catch (error) {
      return log.finish(workspaceId, record, profile, { status: 'failed', failure: { code: 'template_unavailable', detail: messageOf(error) } });
    }
    if (resolved.template.channel !== request.channel) {
      return log.finish(workspaceId, record, profile, {
        status: 'failed',
        failure: { code: 'template_channel_mismatch', detail: `template ${request.templateId} is for ${resolved.template.channel}` },
      });
    }

    const destination = await destinationOf(this.deps, request, profile);
    if (destination === undefined) return log.finish(workspaceId, record, profile, { status: 'suppressed', failure: { code: 'no_address', detail: request.channel } });

    const decision = await this.checkConsent(workspaceId, profile, request.channel, purpose, destination.address, typeof request.data?.topic === 'string' ? request.data.topic : undefined);
    if (!decision.allowed) return log.finish(workspaceId, record, profile, { status: 'suppressed', failure: consentFailure(decision.reason), address: destination.address });

    let coupon: IssuedCoupon | undefined;
    if (request.coupon !== undefined) {
      try {
        coupon = await this.deps.coupons.issue(workspaceId, request.coupon.poolId, { profileId: profile.id, messageId: record.id, scores: profile.scores });
      } catch (error) {
        return log.finish(workspaceId, record, profile, { status: 'failed', failure: { code: 'coupon_unavailable', detail: messageOf(error) }, address: destination.address });
      }
    }

    const { content } = this.deps;
    const brand = await content.brandOf(workspaceId);
    const data = content.templateData(workspaceId, profile, record.id, request, coupon, brand);
    const render = await this.renderWithRetries((lookups) => this.deps.templates.render(resolved, stringTrait(profile, 'locale'), data, lookups), content.lookups(workspaceId, profile, request));
    const base = { address: destination.address, couponCode: coupon?.code ?? null, templateVersion: resolved.version };
    if (!render.ok) return log.finish(workspaceId, record, profile, { ...base, status: 'failed', failure: render.failure, attempts: render.attempts });
    const outbound = content.outbound(workspaceId, profile, record.id, request.channel, render.rendered, destination, brand);
    const delivered = await this.deliver(workspaceId, provider, outbound, destination);
    const { outcome } = delivered;
    // Attempts add up over deferrals, so the message log shows every try.
    const attempts = record.attempts + delivered.attempts;
    if (outcome.ok) return log.finish(workspaceId, record, profile, { ...base, attempts, status: 'sent', providerId: outcome.providerId, sentAt: this.deps.clock.now() });
    if (outcome.retryable && destination.push === undefined) {
      // The provider is down past the in-process attempts (an SMTP outage longer than their
      // backoff): recording it failed lost the message. It stays queued and the caller retries
      // (a journey's job, with the scheduler's backoff); the same key carries it on then.
      await log.defer(workspaceId, record, { ...base, attempts, reason: `provider unavailable after ${attempts} attempts: ${outcome.error}` });
      throw new RapportError(
        'channels.provider_unavailable',
        `message ${record.id} was not sent: the ${request.channel} provider could not take it after ${attempts} attempts (${outcome.error}); retry with the same idempotency key`,
      );
    }
    return log.finish(workspaceId, record, profile, { ...base, attempts, status: 'failed', failure: { code: 'provider_error', detail: outcome.error } });
  }

  /** The consent decision for one person, channel and address, as sends make it. */
  private async checkConsent(workspaceId: string, profile: Profile, channel: ChannelName, purpose: Purpose, address: string, topic?: string): Promise<ConsentDecision> {
    const [ledger, suppression] = await Promise.all([
      this.deps.consent.ledger(workspaceId, [profile.id, ...profile.mergedFrom]),
      channel === 'email' || channel === 'sms' ? this.deps.consent.suppression(workspaceId, channel, address) : Promise.resolve(undefined),
    ]);
    const profileConsent = channel === 'email' || channel === 'sms' || channel === 'push' ? profile.consent[channel] : undefined;
    return decideConsent({
      channel,
      purpose,
      topic,
      profileConsent: profileConsent === undefined ? undefined : { status: profileConsent.status, at: profileConsent.at === null ? null : Date.parse(profileConsent.at) },
      ledger,
      suppressedFor: suppression?.reason,
      emailDoubleOptIn: this.deps.emailDoubleOptIn,
    });
  }

  /** Sends with retries and backoff; push goes to every subscription and drops the gone ones. */
  private async deliver(workspaceId: string, provider: ChannelProvider, message: OutboundMessage, destination: Destination): Promise<{ outcome: DeliveryOutcome; attempts: number }> {
    if (destination.push === undefined) return sendWithRetries(this.deps, provider, message);
    let best: DeliveryOutcome | undefined;
    let attempts = 0;
    for (const subscription of destination.push) {
      const result = await sendWithRetries(this.deps, provider, { ...message, to: subscription.endpoint, push: { p256dh: subscription.p256dh, auth: subscription.auth } });
      attempts += result.attempts;
      if (!result.outcome.ok && result.outcome.gone === true) await this.deps.push.drop(workspaceId, subscription.endpoint);
      if (best === undefined || (!best.ok && result.outcome.ok)) best = result.outcome;
    }
    return { outcome: best ?? { ok: false, retryable: false, error: 'no subscription' }, attempts };
  }

  /**
   * Renders with the same attempts and backoff as provider sends when a failure is transient: a
   * lookup (catalog, recommendations) that threw, or a render time limit hit while the event
   * loop stood still (the server was busy, not the template slow). Anything else the template
   * itself caused (its render or memory limit, a runtime error) fails the same way every time,
   * so it fails at once with a reason that says so.
   */
  private async renderWithRetries(
    render: (lookups: TemplateLookups) => Promise<RenderedMessage>,
    lookups: TemplateLookups,
  ): Promise<{ ok: true; rendered: RenderedMessage } | { ok: false; failure: SendFailure; attempts: number }> {
    const { attempts: max, baseDelayMs } = this.deps.retry;
    this.stalls.start();
    let lastError = '';
    for (let attempt = 1; attempt <= Math.max(1, max); attempt++) {
      let lookupFailed = false;
      const started = performance.now();
      const watch = <T>(lookup: Promise<T>): Promise<T> =>
        lookup.catch((error: unknown) => {
          lookupFailed = true;
          throw error;
        });
      const watched: TemplateLookups = { product: (id) => watch(lookups.product(id)), recommendations: (slot, limit) => watch(lookups.recommendations(slot, limit)) };
      try {
        return { ok: true, rendered: await render(watched) };
      } catch (error) {
        lastError = messageOf(error);
        const overLimit = error instanceof RapportError && error.code === 'template_render_limit';
        const stalled = overLimit && this.stalls.stalledSince(started);
        if (!lookupFailed && !stalled) return { ok: false, failure: permanentRenderFailure(lastError, overLimit), attempts: attempt };
        this.deps.logger?.warn({ attempt, error: lastError }, stalled ? 'render hit its time limit while the server was busy' : 'render attempt failed on a lookup');
        if (attempt < max) await this.deps.sleep(baseDelayMs * 4 ** (attempt - 1));
      }
    }
    const detail = `a lookup failed or the server was busy on each of ${Math.max(1, max)} attempts (transient; last error: ${lastError})`;
    return { ok: false, failure: { code: 'render_error', detail }, attempts: Math.max(1, max) };
  }

  /** Waits for the sends in flight and stops watching for stalls. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inflight.values()]);
    this.stalls.stop();
  }
}

/**
 * Why a render failed for good, in words that say what to change in the template.
 * `overLimit`: the render failed with `template_render_limit` (time, output or allocation).
 * @example reasonText(permanentRenderFailure('rendering took more than 1000 ms', true)) // 'render_limit: ...'
 */
function permanentRenderFailure(message: string, overLimit: boolean): SendFailure {
  if (overLimit) return { code: 'render_limit', detail: `the template exceeded its render time or memory limit (${message}); permanent, not retried: shorten its loops or lookups` };
  return { code: 'render_error', detail: `${message} (permanent, not retried: fix the template)` };
}
