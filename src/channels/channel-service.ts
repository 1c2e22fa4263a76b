import type { CatalogService } from '../catalog/index.js';
import type { CouponService, IssuedCoupon } from '../coupons/index.js';
import { decideConsent, type Purpose, normalizeAddress, type ConsentService } from '../privacy/index.js';
import type { Profile, ProfileService } from '../profiles/index.js';
import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { randomId, stableId } from '../shared/ids.js';
import type { Database } from '../storage/database.js';
import { deletePushSubscription, listPushSubscriptions, upsertPushSubscription } from './store/channel-endpoints.js';
import { listInbox, markInbox } from './store/inbox.js';
import { claimMessage, claimMessages, findMessage, findMessageByProviderId, listMessages, updateMessage, type MessageChanges, type MessageRecord } from './store/messages.js';
import type { TemplateLookups, RecommendationSlotProvider, SlotProduct, RenderedMessage, TemplateService } from '../templates/index.js';
import { brandContext, cartUrl, fromHeader, unbranded, type BrandService, type BrandView } from '../workspaces/index.js';
import { performance } from 'node:perf_hooks';
import { withAttempts, type SendRetry } from './attempts.js';
import { GroupCommit } from './group-commit.js';
import { StallWatch } from './stall-watch.js';
import { addTracking, linkUrls, type LinkSigner } from './links.js';
import type { ProfileEvents } from './profile-events.js';
import type { ChannelProvider, DeliveryOutcome, OutboundMessage } from './provider.js';
import type { ChannelName, MessageSender, SendRequest, SendResult } from './sender.js';
import type { WebhookDestinations, WebhookDestinationView } from './webhook-destinations.js';
import { maskCredentials } from './outbound/url.js';

const PRODUCT_TTL_MS = 2000;
const PRODUCT_CACHE_LIMIT = 10_000;

/** Where a message stands. Later states never move back (an open after a click stays clicked). */
export const messageStatuses = ['queued', 'sent', 'delivered', 'opened', 'clicked', 'failed', 'bounced', 'complained', 'suppressed'] as const;
export type MessageStatus = (typeof messageStatuses)[number];

const rank: Record<MessageStatus, number> = { queued: 0, sent: 1, delivered: 2, opened: 3, clicked: 4, failed: 5, bounced: 5, complained: 6, suppressed: 5 };

/** Event names in the log per channel and lifecycle step (Segment's names where one exists). */
const eventNames: Record<ChannelName, Partial<Record<MessageStatus, string>>> = {
  email: {
    sent: 'Email Sent',
    delivered: 'Email Delivered',
    opened: 'Email Opened',
    clicked: 'Email Link Clicked',
    failed: 'Email Failed',
    bounced: 'Email Bounced',
    complained: 'Email Marked as Spam',
    suppressed: 'Email Suppressed',
  },
  sms: { sent: 'SMS Sent', delivered: 'SMS Delivered', clicked: 'SMS Link Clicked', failed: 'SMS Failed', bounced: 'SMS Undelivered', suppressed: 'SMS Suppressed' },
  push: {
    sent: 'Push Notification Sent',
    delivered: 'Push Notification Delivered',
    opened: 'Push Notification Opened',
    clicked: 'Push Notification Tapped',
    failed: 'Push Notification Failed',
    suppressed: 'Push Notification Suppressed',
  },
  webhook: { sent: 'Webhook Sent', delivered: 'Webhook Delivered', failed: 'Webhook Failed', suppressed: 'Webhook Suppressed' },
  inbox: { sent: 'Inbox Message Sent', opened: 'Inbox Message Read', clicked: 'Inbox Message Clicked', failed: 'Inbox Message Failed', suppressed: 'Inbox Message Suppressed' },
};

export interface ChannelSettings {
  /** Public base URL of this server, for tracking, unsubscribe and confirmation links. */
  publicBaseUrl: string;
  /** Email marketing needs a confirmed opt-in. */
  emailDoubleOptIn: boolean;
  /** Provider attempts for one send and the first backoff (multiplied by 4 each retry). */
  retry: SendRetry;
  /** Add open pixel and click redirects to email HTML (default true). */
  trackEmail?: boolean;
}

export interface ChannelServiceDeps {
  database: Database;
  clock: Clock;
  templates: TemplateService;
  profiles: Pick<ProfileService, 'getProfile'>;
  catalog: Pick<CatalogService, 'getProduct'>;
  coupons: CouponService;
  consent: ConsentService;
  events: ProfileEvents;
  links: LinkSigner;
  providers: Partial<Record<ChannelName, ChannelProvider>>;
  settings: ChannelSettings;
  /** Webhook destinations, their secrets sealed at rest. */
  webhooks: WebhookDestinations;
  /** Fills `recommendations` slots in templates (the recommendations module plugs in here). */
  recommendations?: RecommendationSlotProvider;
  /** The workspace brand templates render with (shop name, URLs, colours, sender). */
  brands?: Pick<BrandService, 'get'>;
  sleep?: (ms: number) => Promise<void>;
  logger?: { warn(object: object, message: string): void };
}

/** A message as the API shows it. */
export interface MessageView {
  id: string;
  profileId: string;
  channel: string;
  templateId: string;
  templateVersion: number | null;
  purpose: string;
  status: string;
  reason: string | null;
  couponCode: string | null;
  attempts: number;
  source: unknown;
  createdAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  openedAt: string | null;
  clickedAt: string | null;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

export function messageView(record: MessageRecord): MessageView {
  return {
    id: record.id,
    profileId: record.profileId,
    channel: record.channel,
    templateId: record.templateId,
    templateVersion: record.templateVersion,
    purpose: record.purpose,
    status: record.status,
    reason: record.reason,
    couponCode: record.couponCode,
    attempts: record.attempts,
    source: record.source === null ? null : (JSON.parse(record.source) as unknown),
    createdAt: new Date(record.createdAt).toISOString(),
    sentAt: iso(record.sentAt),
    deliveredAt: iso(record.deliveredAt),
    openedAt: iso(record.openedAt),
    clickedAt: iso(record.clickedAt),
  };
}

function resultOf(record: MessageRecord): SendResult {
  const status = record.status;
  const mapped = status === 'suppressed' ? 'suppressed' : status === 'failed' ? 'failed' : status === 'queued' ? 'queued' : 'sent';
  const result: SendResult = { status: mapped, messageId: record.id };
  if (record.reason !== null) result.reason = record.reason;
  if (record.couponCode !== null) result.couponCode = record.couponCode;
  return result;
}

function isStatus(value: string): value is MessageStatus {
  return (messageStatuses as readonly string[]).includes(value);
}

function stringTrait(profile: Profile, name: string): string | undefined {
  const value = profile.traits[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** One write to the message log, as the group commit carries it. */
type LogWrite = { kind: 'claim'; workspaceId: string; record: MessageRecord } | { kind: 'outcome'; workspaceId: string; id: string; changes: MessageChanges };
type Claimed = { record: MessageRecord; created: boolean };

/** Where one send goes: the address, and for push every subscription. */
interface Destination {
  address: string;
  push?: { endpoint: string; p256dh: string; auth: string }[];
  /** Webhook: the URL in the clear (the address logged is masked) and the signing secret. */
  webhook?: { url: string; secret: string };
}

/**
 * The channels module's `MessageSender`: for each request it claims the message log row
 * (idempotent on `idempotencyKey`), checks address, consent and suppression at send time,
 * issues the coupon, renders the published template for the person (locale, profile, event,
 * cart, catalog lookups, recommendation slots), adds tracking and unsubscribe links, hands
 * the message to the channel's provider with retries and backoff, and records the lifecycle
 * on the row and as events in the log.
 * @example const result = await channels.send({ workspaceId, profileId, channel: 'email', templateId, idempotencyKey: 'journey:j1:r1:n3' });
 */
export class ChannelService implements MessageSender {
  private readonly inflight = new Map<string, Promise<SendResult>>();
  private readonly products = new Map<string, { value: Promise<SlotProduct | undefined>; at: number }>();
  private readonly sleep: (ms: number) => Promise<void>;
  /** Stalls of the event loop, which make a render hit its time limit through no fault of the template. */
  private readonly stalls = new StallWatch(500);
  /**
   * The message log's writes (claims before any side effect, outcomes after) of concurrent
   * sends, one transaction per group: claims and outcomes share it, so they share a commit.
   */
  private readonly log: GroupCommit<LogWrite, Claimed | undefined>;

  constructor(private readonly deps: ChannelServiceDeps) {
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.log = new GroupCommit(
      (writes) =>
        deps.database.transaction(async (trx) => {
          const claimed = new Map<MessageRecord, Claimed>();
          const claims = writes.filter((write): write is Extract<LogWrite, { kind: 'claim' }> => write.kind === 'claim');
          for (const workspaceId of new Set(claims.map((write) => write.workspaceId))) {
            const records = claims.filter((write) => write.workspaceId === workspaceId).map((write) => write.record);
            const outcomes = await claimMessages(trx, workspaceId, records);
            records.forEach((record, index) => {
              const outcome = outcomes[index];
              if (outcome !== undefined) claimed.set(record, outcome);
            });
          }
          for (const write of writes) if (write.kind === 'outcome') await updateMessage(trx, write.workspaceId, write.id, write.changes);
          return writes.map((write) => {
            if (write.kind === 'outcome') return undefined;
            const outcome = claimed.get(write.record);
            if (outcome === undefined) throw new Error(`message ${write.record.idempotencyKey} was not claimed`);
            return outcome;
          });
        }),
      // A claim binds 21 values: 200 rows stay far below both stores' parameter limits.
      200,
    );
  }

  private async claim(workspaceId: string, record: MessageRecord): Promise<Claimed> {
    const outcome = await this.log.submit({ kind: 'claim', workspaceId, record });
    if (outcome === undefined) throw new Error(`message ${record.idempotencyKey} was not claimed`);
    return outcome;
  }

  /** Which channels have a provider configured. */
  configuredChannels(): ChannelName[] {
    const all: ChannelName[] = ['email', 'sms', 'push', 'webhook', 'inbox'];
    return all.filter((channel) => this.deps.providers[channel] !== undefined);
  }

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
    if (request.idempotencyKey.trim() === '') throw new RapportError('invalid_request', 'idempotencyKey must not be empty');
    const now = this.deps.clock.now();
    const purpose: Purpose = request.purpose ?? 'marketing';
    // The claim commits (grouped with the claims of concurrent sends) before anything is sent.
    const { record, created } = await this.claim(workspaceId, {
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
    // by a call that crashed before sending, so this call carries it on.
    if (!created && !(record.status === 'queued' && record.attempts === 0)) return resultOf(record);

    const profile = await this.deps.profiles.getProfile(workspaceId, request.profileId);
    if (profile === undefined) return this.finish(workspaceId, record, undefined, { status: 'suppressed', reason: 'no_profile' });

    const provider = this.deps.providers[request.channel];
    if (provider === undefined) return this.finish(workspaceId, record, profile, { status: 'failed', reason: `no_provider:${request.channel} (configure it, see docs/modules/channels.md)` });

    let resolved;
    try {
      resolved = await this.deps.templates.resolve(workspaceId, request.templateId);
    } catch (error) {
      return this.finish(workspaceId, record, profile, { status: 'failed', reason: `template: ${error instanceof Error ? error.message : String(error)}` });
    }
    if (resolved.template.channel !== request.channel) {
      return this.finish(workspaceId, record, profile, { status: 'failed', reason: `template_channel_mismatch: template ${request.templateId} is for ${resolved.template.channel}` });
    }

    const destination = await this.destinationOf(workspaceId, request, profile);
    if (destination === undefined) return this.finish(workspaceId, record, profile, { status: 'suppressed', reason: `no_address:${request.channel}` });

    const decision = await this.checkConsent(workspaceId, profile, request.channel, purpose, destination.address, typeof request.data?.topic === 'string' ? request.data.topic : undefined);
    if (!decision.allowed) return this.finish(workspaceId, record, profile, { status: 'suppressed', reason: decision.reason, address: destination.address });

    let coupon: IssuedCoupon | undefined;
    if (request.coupon !== undefined) {
      try {
        coupon = await this.deps.coupons.issue(workspaceId, request.coupon.poolId, { profileId: profile.id, messageId: record.id, scores: profile.scores });
      } catch (error) {
        return this.finish(workspaceId, record, profile, { status: 'failed', reason: `coupon: ${error instanceof Error ? error.message : String(error)}`, address: destination.address });
      }
    }

    const brand = await this.brandOf(workspaceId);
    const data = this.templateData(workspaceId, profile, record.id, request, coupon, brand);
    const render = await this.renderWithRetries((lookups) => this.deps.templates.render(resolved, stringTrait(profile, 'locale'), data, lookups), this.lookups(workspaceId, profile, request));
    if (!render.ok) {
      return this.finish(workspaceId, record, profile, { status: 'failed', reason: render.reason, attempts: render.attempts, address: destination.address, couponCode: coupon?.code ?? null, templateVersion: resolved.version });
    }
    const outbound = this.outbound(workspaceId, profile, record.id, request.channel, render.rendered, destination, brand);
    const { outcome, attempts } = await this.deliver(workspaceId, provider, outbound, destination);
    const base: MessageChanges = { updatedAt: this.deps.clock.now(), address: destination.address, couponCode: coupon?.code ?? null, templateVersion: resolved.version, attempts };
    if (outcome.ok) return this.finish(workspaceId, record, profile, { ...base, status: 'sent', providerId: outcome.providerId, sentAt: this.deps.clock.now() });
    return this.finish(workspaceId, record, profile, { ...base, status: 'failed', reason: `provider_error: ${outcome.error}` });
  }

  private async destinationOf(workspaceId: string, request: SendRequest, profile: Profile): Promise<Destination | undefined> {
    switch (request.channel) {
      case 'email': {
        const email = stringTrait(profile, 'email') ?? profile.identities.find((identity) => identity.type === 'email')?.value;
        return email === undefined || !email.includes('@') ? undefined : { address: email.toLowerCase() };
      }
      case 'sms': {
        const phone = stringTrait(profile, 'phone') ?? profile.identities.find((identity) => identity.type === 'phone')?.value;
        return phone === undefined || !/^\+[1-9]\d{6,14}$/.test(phone) ? undefined : { address: phone };
      }
      case 'push': {
        const subscriptions = await listPushSubscriptions(this.deps.database.db, workspaceId, [profile.id, ...profile.mergedFrom]);
        const first = subscriptions[0];
        if (first === undefined) return undefined;
        return { address: first.endpoint, push: subscriptions.map((subscription) => ({ endpoint: subscription.endpoint, p256dh: subscription.p256dh, auth: subscription.auth })) };
      }
      case 'webhook': {
        const wanted = request.data?.destinationId;
        const destination = await this.deps.webhooks.resolve(workspaceId, typeof wanted === 'string' ? wanted : undefined);
        // The message log keeps the URL with its credentials masked; only the request carries them.
        return destination === undefined ? undefined : { address: maskCredentials(destination.url), webhook: { url: destination.url, secret: destination.secret } };
      }
      case 'inbox':
        return { address: profile.id };
    }
  }

  /** The consent decision for one person, channel and address, as sends make it. */
  async checkConsent(workspaceId: string, profile: Profile, channel: ChannelName, purpose: Purpose, address: string, topic?: string) {
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
      emailDoubleOptIn: this.deps.settings.emailDoubleOptIn,
    });
  }

  private unsubscribeToken(workspaceId: string, profileId: string, channel: ChannelName, messageId: string): string {
    return this.deps.links.sign({ k: 'unsubscribe', w: workspaceId, p: profileId, c: channel, m: messageId });
  }

  /** The workspace brand, or the defaults of an unnamed shop when no brand service is wired. */
  private async brandOf(workspaceId: string): Promise<BrandView> {
    if (this.deps.brands !== undefined) return this.deps.brands.get(workspaceId);
    return unbranded(workspaceId);
  }

  private templateData(workspaceId: string, profile: Profile, messageId: string, request: SendRequest, coupon: IssuedCoupon | undefined, brand: BrandView): Record<string, unknown> {
    const urls = linkUrls(this.deps.settings.publicBaseUrl);
    const unsubscribe = urls.unsubscribe(this.unsubscribeToken(workspaceId, profile.id, request.channel, messageId));
    const traits = profile.traits;
    const data = request.data ?? {};
    const event: unknown = data.event ?? null;
    const eventField = (key: string): unknown => (typeof event === 'object' && event !== null ? Reflect.get(event, key) : undefined);
    const explicitCartUrl = typeof data.cart_url === 'string' && data.cart_url !== '' ? data.cart_url : undefined;
    const explicitShopUrl = typeof data.shop_url === 'string' && data.shop_url !== '' ? data.shop_url : undefined;
    return {
      ...data,
      brand: brandContext(brand),
      shop_url: explicitShopUrl ?? brand.shopUrl,
      // A cart link restores the cart: the cart event's own URL, else the brand's pattern.
      cart_url: explicitCartUrl ?? cartUrl(brand, { cartUrl: eventField('cart_url'), cartId: eventField('cart_id') ?? profile.computed.openCart?.id }),
      profile: {
        ...traits,
        id: profile.id,
        first_name: traits.firstName,
        last_name: traits.lastName,
        traits,
        computed: profile.computed,
        scores: profile.scores,
      },
      event: data.event ?? null,
      cart: data.cart ?? profile.computed.openCart,
      coupon: coupon === undefined ? null : { code: coupon.code, description: coupon.description, offer: coupon.offer, expires_at: coupon.expiresAt },
      message: { id: messageId, channel: request.channel },
      unsubscribe_url: unsubscribe,
      preferences_url: unsubscribe,
    };
  }

  private lookups(workspaceId: string, profile: Profile, request: SendRequest): TemplateLookups {
    const product = (id: string): Promise<SlotProduct | undefined> => this.product(workspaceId, id);
    const contextProductIds = [...(profile.computed.openCart?.items.map((item) => item.id) ?? [])];
    contextProductIds.unshift(...eventProductIds(request.data?.event));
    return {
      product,
      recommendations: async (slot, limit) => {
        if (this.deps.recommendations !== undefined) return this.deps.recommendations.recommend({ workspaceId, profileId: profile.id, slot, limit, contextProductIds });
        // Without a recommendations provider: what the person looked at, most recent first.
        const viewed = profile.computed.recentlyViewed.filter((item) => !contextProductIds.includes(item.productId)).slice(0, limit);
        const products = await Promise.all(viewed.map((item) => product(item.productId)));
        return products.filter((entry): entry is SlotProduct => entry !== undefined);
      },
    };
  }

  /**
   * A catalog product for templates. Sends of one campaign name the same few products again
   * and again, so lookups are shared for PRODUCT_TTL_MS (a price change shows within that).
   */
  private product(workspaceId: string, id: string): Promise<SlotProduct | undefined> {
    const key = `${workspaceId}\u0000${id}`;
    const now = this.deps.clock.now();
    const cached = this.products.get(key);
    if (cached !== undefined && now - cached.at < PRODUCT_TTL_MS && now >= cached.at) return cached.value;
    const value = this.deps.catalog.getProduct(workspaceId, id).then((entry) =>
      entry === undefined ? undefined : { id: entry.id, name: entry.name, url: entry.url, image_url: entry.image_url, price: entry.price, currency: entry.currency, category: entry.category, brand: entry.brand },
    );
    if (this.products.size >= PRODUCT_CACHE_LIMIT) this.products.clear();
    this.products.set(key, { value, at: now });
    // A failed lookup is not kept.
    value.catch(() => this.products.delete(key));
    return value;
  }

  private outbound(workspaceId: string, profile: Profile, messageId: string, channel: ChannelName, rendered: RenderedMessage, destination: Destination, brand: BrandView): OutboundMessage {
    const message: OutboundMessage = { messageId, workspaceId, to: destination.webhook?.url ?? destination.address, profileId: profile.id, text: rendered.text };
    const from = channel === 'email' ? fromHeader(brand) : undefined;
    if (from !== undefined) message.from = from;
    if (rendered.subject !== undefined) message.subject = rendered.subject;
    if (rendered.title !== undefined) message.title = rendered.title;
    if (rendered.url !== undefined) message.url = rendered.url;
    if (destination.webhook !== undefined) message.webhook = { secret: destination.webhook.secret };
    if (channel === 'email') {
      const urls = linkUrls(this.deps.settings.publicBaseUrl);
      const unsubscribe = urls.unsubscribe(this.unsubscribeToken(workspaceId, profile.id, channel, messageId));
      // RFC 8058: a mail client may unsubscribe with one POST, no page, no confirmation.
      message.headers = { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
      if (rendered.html !== undefined) {
        message.html =
          this.deps.settings.trackEmail === false
            ? rendered.html
            : addTracking(rendered.html, {
                baseUrl: this.deps.settings.publicBaseUrl,
                openToken: this.deps.links.sign({ k: 'open', w: workspaceId, m: messageId }),
                clickToken: (url) => this.deps.links.sign({ k: 'click', w: workspaceId, m: messageId, u: url }),
              });
      }
    }
    return message;
  }

  /** Sends with retries and backoff; push goes to every subscription and drops the gone ones. */
  private async deliver(workspaceId: string, provider: ChannelProvider, message: OutboundMessage, destination: Destination): Promise<{ outcome: DeliveryOutcome; attempts: number }> {
    if (destination.push !== undefined) {
      let best: DeliveryOutcome | undefined;
      let attempts = 0;
      for (const subscription of destination.push) {
        const result = await this.withRetries(provider, { ...message, to: subscription.endpoint, push: { p256dh: subscription.p256dh, auth: subscription.auth } });
        attempts += result.attempts;
        if (!result.outcome.ok && result.outcome.gone === true) await this.deps.database.transaction((trx) => deletePushSubscription(trx, workspaceId, subscription.endpoint));
        if (best === undefined || (!best.ok && result.outcome.ok)) best = result.outcome;
      }
      return { outcome: best ?? { ok: false, retryable: false, error: 'no subscription' }, attempts };
    }
    return this.withRetries(provider, message);
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
  ): Promise<{ ok: true; rendered: RenderedMessage } | { ok: false; reason: string; attempts: number }> {
    const { attempts: max, baseDelayMs } = this.deps.settings.retry;
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
        lastError = error instanceof Error ? error.message : String(error);
        const overLimit = error instanceof RapportError && error.code === 'template_render_limit';
        const stalled = overLimit && this.stalls.stalledSince(started);
        if (!lookupFailed && !stalled) return { ok: false, reason: permanentRenderReason(lastError, overLimit), attempts: attempt };
        this.deps.logger?.warn({ attempt, error: lastError }, stalled ? 'render hit its time limit while the server was busy' : 'render attempt failed on a lookup');
        if (attempt < max) await this.sleep(baseDelayMs * 4 ** (attempt - 1));
      }
    }
    return { ok: false, reason: `render_error: a lookup failed or the server was busy on each of ${Math.max(1, max)} attempts (transient; last error: ${lastError})`, attempts: Math.max(1, max) };
  }

  private withRetries(provider: ChannelProvider, message: OutboundMessage): Promise<{ outcome: DeliveryOutcome; attempts: number }> {
    return withAttempts(this.deps.settings.retry, this.sleep, () => provider.send(message), (attempt, error) =>
      this.deps.logger?.warn({ channel: provider.channel, messageId: message.messageId, attempt, error }, 'send attempt failed'),
    );
  }

  private async finish(workspaceId: string, record: MessageRecord, profile: Profile | undefined, changes: Partial<MessageChanges> & { status: MessageStatus }): Promise<SendResult> {
    const update: MessageChanges = { ...changes, updatedAt: this.deps.clock.now() };
    await this.log.submit({ kind: 'outcome', workspaceId, id: record.id, changes: update });
    const next: MessageRecord = { ...record, ...Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined)) };
    if (profile !== undefined) await this.emit(workspaceId, profile, next, changes.status, {});
    return resultOf(next);
  }

  private async emit(workspaceId: string, profile: Profile | string, record: MessageRecord, status: MessageStatus, extra: Record<string, unknown>): Promise<void> {
    const channel = record.channel;
    if (channel !== 'email' && channel !== 'sms' && channel !== 'push' && channel !== 'webhook' && channel !== 'inbox') return;
    const name = eventNames[channel][status];
    if (name === undefined) return;
    const source: unknown = record.source === null ? undefined : JSON.parse(record.source);
    const sourceField = (key: string): unknown => (typeof source === 'object' && source !== null ? Reflect.get(source, key) : undefined);
    const properties: Record<string, unknown> = {
      message_id: record.id,
      channel,
      template_id: record.templateId,
      template_version: record.templateVersion,
      purpose: record.purpose,
      ...(source === undefined ? {} : { source_kind: sourceField('kind'), source_id: sourceField('id'), node_id: sourceField('nodeId'), variant: sourceField('variant') }),
      ...(record.reason === null ? {} : { reason: record.reason }),
      ...(record.couponCode === null ? {} : { coupon: record.couponCode }),
      ...extra,
    };
    const suffix = typeof extra.url === 'string' ? `:${extra.url}` : '';
    try {
      await this.deps.events.track(workspaceId, profile, name, properties, `${record.id}:${status}${suffix}`);
    } catch (error) {
      // The message row is the record of truth; a lost engagement event must not fail a send.
      this.deps.logger?.warn({ err: error, messageId: record.id }, 'could not append the message event');
    }
  }

  /**
   * Moves a message along its lifecycle (delivered, opened, clicked, bounced, complained) from
   * a tracking hit or a provider callback; never backwards. Returns the message, if known.
   */
  async advance(workspaceId: string, messageId: string, status: MessageStatus, extra: { url?: string; reason?: string } = {}): Promise<MessageRecord | undefined> {
    const record = await findMessage(this.deps.database.db, workspaceId, messageId);
    if (record === undefined) return undefined;
    const current = isStatus(record.status) ? record.status : 'queued';
    const now = this.deps.clock.now();
    const changes: MessageChanges = { updatedAt: now };
    if (rank[status] > rank[current] || (status === 'clicked' && current === 'clicked')) changes.status = status;
    if (status === 'delivered' && record.deliveredAt === null) changes.deliveredAt = now;
    const firstOpen = (status === 'opened' || status === 'clicked') && record.openedAt === null;
    // A click proves an open (images may be blocked): both are recorded.
    if (firstOpen) changes.openedAt = now;
    if (status === 'clicked' && record.clickedAt === null) changes.clickedAt = now;
    if (extra.reason !== undefined) changes.reason = extra.reason;
    await this.deps.database.transaction((trx) => updateMessage(trx, workspaceId, messageId, changes));
    const updated = { ...record, ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) };
    if (status === 'opened' && !firstOpen) return updated;
    if (status === 'clicked' && firstOpen) await this.emit(workspaceId, record.profileId, updated, 'opened', {});
    await this.emit(workspaceId, record.profileId, updated, status, extra.url === undefined ? {} : { url: extra.url });
    return updated;
  }

  /** A provider callback naming its own id (SMS sid): advances that message. */
  async advanceByProviderId(workspaceId: string, providerId: string, status: MessageStatus, reason?: string): Promise<MessageRecord | undefined> {
    const record = await findMessageByProviderId(this.deps.database.db, workspaceId, providerId);
    if (record === undefined) return undefined;
    return this.advance(workspaceId, record.id, status, reason === undefined ? {} : { reason });
  }

  /**
   * Renders a template for a person without sending (no coupon is issued: a sample code
   * stands in). `version` previews a draft.
   */
  async preview(workspaceId: string, templateId: string, options: { profileId: string; version?: number; data?: Record<string, unknown> }): Promise<RenderedMessage> {
    const profile = await this.deps.profiles.getProfile(workspaceId, options.profileId);
    if (profile === undefined) throw new RapportError('not_found', `no profile ${options.profileId}`);
    const resolved = await this.deps.templates.resolve(workspaceId, templateId, options.version);
    const request: SendRequest = { workspaceId, profileId: profile.id, channel: resolved.template.channel, templateId, idempotencyKey: 'preview', ...(options.data === undefined ? {} : { data: options.data }) };
    const sample: IssuedCoupon = { code: 'PREVIEW-CODE', offer: { type: 'percent', value: 10 }, description: '10% off', expiresAt: null };
    const brand = await this.brandOf(workspaceId);
    return this.deps.templates.render(resolved, stringTrait(profile, 'locale'), this.templateData(workspaceId, profile, 'preview', request, sample, brand), this.lookups(workspaceId, profile, request));
  }

  /**
   * Sends a template rendered for a person to a test address (a colleague's inbox or phone),
   * bypassing consent; logged with source `test`.
   */
  async testSend(workspaceId: string, templateId: string, options: { profileId: string; to: string; version?: number; data?: Record<string, unknown> }): Promise<SendResult> {
    const resolved = await this.deps.templates.resolve(workspaceId, templateId, options.version);
    const channel = resolved.template.channel;
    const provider = this.deps.providers[channel];
    if (provider === undefined) throw new RapportError('conflict', `no ${channel} provider is configured`);
    if (channel === 'push' || channel === 'inbox') throw new RapportError('invalid_request', `test sends go to an email address, phone number or webhook URL, not to ${channel}`);
    const rendered = await this.preview(workspaceId, templateId, options);
    const now = this.deps.clock.now();
    const id = randomId('msg', 12);
    const record: MessageRecord = {
      id,
      idempotencyKey: `test:${id}`,
      profileId: options.profileId,
      channel,
      templateId,
      templateVersion: resolved.version,
      purpose: 'transactional',
      status: 'queued',
      reason: null,
      address: channel === 'webhook' ? maskCredentials(options.to) : normalizeAddress(channel, options.to),
      couponCode: null,
      providerId: null,
      source: JSON.stringify({ kind: 'test', id: templateId }),
      attempts: 0,
      createdAt: now,
      updatedAt: now,
      sentAt: null,
      deliveredAt: null,
      openedAt: null,
      clickedAt: null,
    };
    await this.deps.database.transaction((trx) => claimMessage(trx, workspaceId, record));
    const message: OutboundMessage = { messageId: id, workspaceId, to: options.to, profileId: options.profileId, text: rendered.text };
    const from = channel === 'email' ? fromHeader(await this.brandOf(workspaceId)) : undefined;
    if (from !== undefined) message.from = from;
    if (rendered.subject !== undefined) message.subject = `[TEST] ${rendered.subject}`;
    if (rendered.html !== undefined) message.html = rendered.html;
    if (channel === 'webhook') {
      const destination = await this.deps.webhooks.byUrl(workspaceId, options.to);
      if (destination === undefined) throw new RapportError('invalid_request', 'a webhook test send goes to a registered destination URL');
      message.webhook = { secret: destination.secret };
    }
    const { outcome, attempts } = await this.withRetries(provider, message);
    const changes: MessageChanges = outcome.ok
      ? { status: 'sent', sentAt: this.deps.clock.now(), providerId: outcome.providerId, attempts, updatedAt: this.deps.clock.now() }
      : { status: 'failed', reason: `provider_error: ${outcome.error}`, attempts, updatedAt: this.deps.clock.now() };
    await this.deps.database.transaction((trx) => updateMessage(trx, workspaceId, id, changes));
    return resultOf({ ...record, ...changes, reason: changes.reason ?? null });
  }

  /** Registers a browser's push subscription for a person (the SDK calls this). */
  async registerPushSubscription(workspaceId: string, profileId: string, subscription: { endpoint: string; p256dh: string; auth: string }): Promise<void> {
    await this.deps.database.transaction((trx) => upsertPushSubscription(trx, workspaceId, { ...subscription, profileId, createdAt: this.deps.clock.now() }));
  }

  /** A person's inbox, newest first, dismissed messages left out. */
  async inbox(workspaceId: string, profile: Pick<Profile, 'id' | 'mergedFrom'>, limit: number): Promise<{ id: string; title: string; body: string; url: string | null; createdAt: string; read: boolean }[]> {
    const rows = await listInbox(this.deps.database.db, workspaceId, [profile.id, ...profile.mergedFrom], { limit, includeDismissed: false });
    return rows.map((row) => ({ id: row.id, title: row.title, body: row.body, url: row.url, createdAt: new Date(row.createdAt).toISOString(), read: row.readAt !== null }));
  }

  /** Marks an inbox message read (an open of the message) or dismissed; false when unknown or already so. */
  async markInbox(workspaceId: string, profile: Pick<Profile, 'id' | 'mergedFrom'>, id: string, state: 'read' | 'dismiss'): Promise<boolean> {
    const now = this.deps.clock.now();
    const changed = await this.deps.database.transaction((trx) => markInbox(trx, workspaceId, [profile.id, ...profile.mergedFrom], id, state === 'read' ? 'read_at' : 'dismissed_at', now));
    if (changed && state === 'read') await this.advance(workspaceId, id, 'opened');
    return changed;
  }

  /** Webhook destinations, without their secrets and with URL credentials masked. */
  async webhookDestinations(workspaceId: string): Promise<WebhookDestinationView[]> {
    return this.deps.webhooks.list(workspaceId);
  }

  /** Adds a destination; its signing secret is returned here only, for the receiver to verify with. */
  async addWebhookDestination(workspaceId: string, url: string): Promise<WebhookDestinationView & { secret: string }> {
    return this.deps.webhooks.add(workspaceId, url);
  }

  async removeWebhookDestination(workspaceId: string, id: string): Promise<boolean> {
    return this.deps.webhooks.remove(workspaceId, id);
  }

  /** Messages, newest first, of some profiles and/or one status. */
  async listMessages(workspaceId: string, filter: { profileIds?: string[]; status?: string; limit?: number }): Promise<MessageView[]> {
    const rows = await listMessages(this.deps.database.db, workspaceId, { ...filter, limit: Math.min(filter.limit ?? 50, 500) });
    return rows.map(messageView);
  }

  async getMessage(workspaceId: string, id: string): Promise<MessageRecord | undefined> {
    return findMessage(this.deps.database.db, workspaceId, id);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.inflight.values()]);
    this.stalls.stop();
    for (const provider of Object.values(this.deps.providers)) await provider?.close();
  }
}

/**
 * Why a render failed for good, in words that say what to change in the template.
 * `overLimit`: the render failed with `template_render_limit` (time, output or allocation).
 * @example permanentRenderReason('rendering took more than 1000 ms', true) // 'render_limit: ...'
 */
export function permanentRenderReason(message: string, overLimit: boolean): string {
  if (overLimit) return `render_limit: the template exceeded its render time or memory limit (${message}); permanent, not retried: shorten its loops or lookups`;
  return `render_error: ${message} (permanent, not retried: fix the template)`;
}

/**
 * The products a triggering event is about, first ones first: `product_id` on the event or its
 * `properties`, then each `properties.products[].product_id` (Segment e-commerce v2 shapes).
 */
function eventProductIds(event: unknown): string[] {
  if (typeof event !== 'object' || event === null) return [];
  const ids: string[] = [];
  const properties: unknown = Reflect.get(event, 'properties');
  for (const holder of [event, properties]) {
    if (typeof holder !== 'object' || holder === null) continue;
    const productId: unknown = Reflect.get(holder, 'product_id');
    if (typeof productId === 'string' && productId !== '') ids.push(productId);
    const products: unknown = Reflect.get(holder, 'products');
    if (!Array.isArray(products)) continue;
    for (const item of products) {
      const id: unknown = typeof item === 'object' && item !== null ? Reflect.get(item, 'product_id') : undefined;
      if (typeof id === 'string' && id !== '') ids.push(id);
    }
  }
  return [...new Set(ids)];
}
