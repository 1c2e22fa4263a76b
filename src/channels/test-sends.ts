import type { IssuedCoupon } from '../coupons/index.js';
import { normalizeAddress } from '../privacy/index.js';
import type { ProfileService } from '../profiles/index.js';
import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { randomId } from '../shared/ids.js';
import type { Database } from '../storage/database.js';
import type { RenderedMessage, TemplateService } from '../templates/index.js';
import { fromHeader } from '../workspaces/index.js';
import type { SendRetry } from './attempts.js';
import { stringTrait } from './destinations.js';
import type { MessageContent } from './message-content.js';
import { resultOf } from './message-log.js';
import { maskCredentials } from './outbound/url.js';
import type { ChannelProvider, OutboundMessage } from './provider.js';
import { reasonText } from './send-failure.js';
import { sendWithRetries } from './send-pipeline.js';
import type { ChannelName, SendRequest, SendResult } from './sender.js';
import { claimMessage, updateMessage, type MessageChanges, type MessageRecord } from './store/messages.js';
import type { WebhookDestinations } from './webhook-destinations.js';

export interface TestSendsDeps {
  database: Database;
  clock: Clock;
  content: MessageContent;
  templates: TemplateService;
  profiles: Pick<ProfileService, 'getProfile'>;
  webhooks: WebhookDestinations;
  providers: Partial<Record<ChannelName, ChannelProvider>>;
  retry: SendRetry;
  sleep: (ms: number) => Promise<void>;
  logger?: { warn(object: object, message: string): void };
}

/** Previews and test sends: a template rendered for a person, shown or sent to a colleague, never through consent. */
export class TestSends {
  constructor(private readonly deps: TestSendsDeps) {}

  /**
   * Renders a template for a person without sending (no coupon is issued: a sample code
   * stands in). `version` previews a draft.
   */
  async preview(workspaceId: string, templateId: string, options: { profileId: string; version?: number; data?: Record<string, unknown> }): Promise<RenderedMessage> {
    const profile = await this.deps.profiles.getProfile(workspaceId, options.profileId);
    if (profile === undefined) throw new RapportError('not_found', `no profile ${options.profileId}`);
    const resolved = await this.deps.templates.resolve(workspaceId, templateId, options.version);
    const request: SendRequest = {
      workspaceId,
      profileId: profile.id,
      channel: resolved.template.channel,
      templateId,
      idempotencyKey: 'preview',
      ...(options.data === undefined ? {} : { data: options.data }),
    };
    const sample: IssuedCoupon = { code: 'PREVIEW-CODE', offer: { type: 'percent', value: 10 }, description: '10% off', expiresAt: null };
    const { content } = this.deps;
    const brand = await content.brandOf(workspaceId);
    return this.deps.templates.render(
      resolved,
      stringTrait(profile, 'locale'),
      content.templateData(workspaceId, profile, 'preview', request, sample, brand),
      content.lookups(workspaceId, profile, request),
    );
  }

  /**
   * Sends a template rendered for a person to a test address (a colleague's inbox or phone),
   * bypassing consent; logged with source `test`.
   */
  async testSend(workspaceId: string, templateId: string, options: { profileId: string; to: string; version?: number; data?: Record<string, unknown> }): Promise<SendResult> {
    const resolved = await this.deps.templates.resolve(workspaceId, templateId, options.version);
    const channel = resolved.template.channel;
    const provider = this.deps.providers[channel];
    if (provider === undefined) throw new RapportError('channels.no_provider', `no ${channel} provider is configured`);
    if (channel === 'push' || channel === 'inbox') throw new RapportError('channels.test_send_channel', `test sends go to an email address, phone number or webhook URL, not to ${channel}`);
    const rendered = await this.preview(workspaceId, templateId, options);
    const record = this.testRecord(templateId, resolved.version, channel, options);
    await this.deps.database.transaction((trx) => claimMessage(trx, workspaceId, record));
    const message = await this.testMessage(workspaceId, record.id, channel, rendered, options);
    const { outcome, attempts } = await sendWithRetries(this.deps, provider, message);
    const changes: MessageChanges = outcome.ok
      ? { status: 'sent', sentAt: this.deps.clock.now(), providerId: outcome.providerId, attempts, updatedAt: this.deps.clock.now() }
      : { status: 'failed', reason: reasonText({ code: 'provider_error', detail: outcome.error }), attempts, updatedAt: this.deps.clock.now() };
    await this.deps.database.transaction((trx) => updateMessage(trx, workspaceId, record.id, changes));
    return resultOf({ ...record, ...changes, reason: changes.reason ?? null });
  }

  private testRecord(templateId: string, version: number, channel: ChannelName, options: { profileId: string; to: string }): MessageRecord {
    const now = this.deps.clock.now();
    const id = randomId('msg', 12);
    return {
      id,
      idempotencyKey: `test:${id}`,
      profileId: options.profileId,
      channel,
      templateId,
      templateVersion: version,
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
  }

  private async testMessage(workspaceId: string, id: string, channel: ChannelName, rendered: RenderedMessage, options: { profileId: string; to: string }): Promise<OutboundMessage> {
    const message: OutboundMessage = { messageId: id, workspaceId, to: options.to, profileId: options.profileId, text: rendered.text };
    const from = channel === 'email' ? fromHeader(await this.deps.content.brandOf(workspaceId)) : undefined;
    if (from !== undefined) message.from = from;
    if (rendered.subject !== undefined) message.subject = `[TEST] ${rendered.subject}`;
    if (rendered.html !== undefined) message.html = rendered.html;
    if (channel === 'webhook') {
      const destination = await this.deps.webhooks.byUrl(workspaceId, options.to);
      if (destination === undefined) throw new RapportError('channels.webhook_unregistered', 'a webhook test send goes to a registered destination URL');
      message.webhook = { secret: destination.secret };
    }
    return message;
  }
}
