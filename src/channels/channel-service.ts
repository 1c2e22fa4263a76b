import type { Tally } from '../shared/tally.js';
import type { CatalogService } from '../catalog/index.js';
import type { CouponService } from '../coupons/index.js';
import type { ConsentService } from '../privacy/index.js';
import type { Profile, ProfileService } from '../profiles/index.js';
import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import type { RecommendationSlotProvider, RenderedMessage, TemplateService } from '../templates/index.js';
import type { BrandService } from '../workspaces/index.js';
import type { SendRetry } from './attempts.js';
import { Inbox, type InboxEntry } from './inbox.js';
import type { LinkSigner } from './links.js';
import { MessageContent } from './message-content.js';
import { MessageLog, type MessageLogQuery, type MessageStatus, type MessageView } from './message-log.js';
import type { ProfileEvents } from './profile-events.js';
import type { ChannelProvider } from './provider.js';
import { PushSubscriptions, type PushKeys } from './push-subscriptions.js';
import { SendPipeline } from './send-pipeline.js';
import type { ChannelName, MessageSender, SendRequest, SendResult } from './sender.js';
import type { MessageRecord } from './store/messages.js';
import { TestSends } from './test-sends.js';
import type { WebhookDestinations, WebhookDestinationView } from './webhook-destinations.js';

export { messageView } from './message-log.js';

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

/**
 * The channels module's `MessageSender` and the one object its callers hold: a facade over
 * the parts that each do one job, kept so the HTTP routes, CLI, preferences pages, journeys
 * and tests (about thirty call sites) reach them through one name. The parts: the send pipeline
 * (send-pipeline.ts), the message log (message-log.ts), previews and test sends
 * (test-sends.ts), the inbox (inbox.ts), push subscriptions (push-subscriptions.ts), webhook
 * destinations (webhook-destinations.ts), and what a message says (message-content.ts).
 * @example const result = await channels.send({ workspaceId, profileId, channel: 'email', templateId, idempotencyKey: 'journey:j1:r1:n3' });
 */
export class ChannelService implements MessageSender {
  private readonly log: MessageLog;
  private readonly pipeline: SendPipeline;
  private readonly tests: TestSends;
  private readonly inboxes: Inbox;
  private readonly push: PushSubscriptions;

  constructor(private readonly deps: ChannelServiceDeps) {
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const { settings, database, clock } = deps;
    const logger = deps.logger === undefined ? {} : { logger: deps.logger };
    this.log = new MessageLog({ database, clock, events: deps.events, ...logger });
    const content = new MessageContent({
      clock,
      catalog: deps.catalog,
      links: deps.links,
      publicBaseUrl: settings.publicBaseUrl,
      ...(settings.trackEmail === undefined ? {} : { trackEmail: settings.trackEmail }),
      ...(deps.recommendations === undefined ? {} : { recommendations: deps.recommendations }),
      ...(deps.brands === undefined ? {} : { brands: deps.brands }),
    });
    this.push = new PushSubscriptions({ database, clock });
    const sending = { clock, content, templates: deps.templates, profiles: deps.profiles, webhooks: deps.webhooks, providers: deps.providers, retry: settings.retry, sleep, ...logger };
    this.pipeline = new SendPipeline({ ...sending, log: this.log, push: this.push, coupons: deps.coupons, consent: deps.consent, emailDoubleOptIn: settings.emailDoubleOptIn });
    this.tests = new TestSends({ ...sending, database });
    this.inboxes = new Inbox({ database, clock, log: this.log });
  }

  /** Finished sends by channel and status since this process started (`[channel, status]` → count). */
  get outcomes(): Tally {
    return this.log.outcomes;
  }

  /** Which channels have a provider configured. */
  configuredChannels(): ChannelName[] {
    const all: ChannelName[] = ['email', 'sms', 'push', 'webhook', 'inbox'];
    return all.filter((channel) => this.deps.providers[channel] !== undefined);
  }

  send(request: SendRequest): Promise<SendResult> {
    return this.pipeline.send(request);
  }

  /** See MessageLog.advance: a tracking hit or provider callback moves a message along its lifecycle. */
  advance(workspaceId: string, messageId: string, status: MessageStatus, extra: { url?: string; reason?: string } = {}): Promise<MessageRecord | undefined> {
    return this.log.advance(workspaceId, messageId, status, extra);
  }

  advanceByProviderId(workspaceId: string, providerId: string, status: MessageStatus, reason?: string): Promise<MessageRecord | undefined> {
    return this.log.advanceByProviderId(workspaceId, providerId, status, reason);
  }

  preview(workspaceId: string, templateId: string, options: { profileId: string; version?: number; data?: Record<string, unknown> }): Promise<RenderedMessage> {
    return this.tests.preview(workspaceId, templateId, options);
  }

  testSend(workspaceId: string, templateId: string, options: { profileId: string; to: string; version?: number; data?: Record<string, unknown> }): Promise<SendResult> {
    return this.tests.testSend(workspaceId, templateId, options);
  }

  registerPushSubscription(workspaceId: string, profileId: string, subscription: PushKeys): Promise<void> {
    return this.push.register(workspaceId, profileId, subscription);
  }

  inbox(workspaceId: string, profile: Pick<Profile, 'id' | 'mergedFrom'>, limit: number): Promise<InboxEntry[]> {
    return this.inboxes.list(workspaceId, profile, limit);
  }

  markInbox(workspaceId: string, profile: Pick<Profile, 'id' | 'mergedFrom'>, id: string, state: 'read' | 'dismiss'): Promise<boolean> {
    return this.inboxes.mark(workspaceId, profile, id, state);
  }

  /** Webhook destinations, without their secrets and with URL credentials masked. */
  webhookDestinations(workspaceId: string): Promise<WebhookDestinationView[]> {
    return this.deps.webhooks.list(workspaceId);
  }

  /** Adds a destination; its signing secret is returned here only, for the receiver to verify with. */
  addWebhookDestination(workspaceId: string, url: string): Promise<WebhookDestinationView & { secret: string }> {
    return this.deps.webhooks.add(workspaceId, url);
  }

  removeWebhookDestination(workspaceId: string, id: string): Promise<boolean> {
    return this.deps.webhooks.remove(workspaceId, id);
  }

  listMessages(workspaceId: string, filter: { profileIds?: string[]; status?: string; limit?: number }): Promise<MessageView[]> {
    return this.log.list(workspaceId, filter);
  }

  /** A page of the message log, narrowed by profile, channel, status and dates (see MessageLog.page). */
  messageLog(workspaceId: string, query: MessageLogQuery): Promise<{ messages: MessageView[]; nextCursor: string | null }> {
    return this.log.page(workspaceId, query);
  }

  getMessage(workspaceId: string, id: string): Promise<MessageRecord | undefined> {
    return this.log.get(workspaceId, id);
  }

  async close(): Promise<void> {
    await this.pipeline.close();
    for (const provider of Object.values(this.deps.providers)) await provider?.close();
  }
}
