/*
 * The channels module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { ChannelsModule } from './module.js';
export { messageView } from './channel-service.js';
export type { ChannelService } from './channel-service.js';
export { messageStatuses } from './message-log.js';
export { loadOrCreateLinkSecret, reportUnreadable } from './key-files.js';
export { LinkSigner } from './links.js';
export type { LinkPayload } from './links.js';
export type { Messaging } from './messaging.js';
export { DELIVERY_RETRY, deliveryVerdict, nextAttemptAt } from './outbound/delivery.js';
export type { DeliveryVerdict } from './outbound/delivery.js';
export { OutboundGuard } from './outbound/guard.js';
export { operatorOnly } from './outbound/operator-only.js';
export { OutboundHttp } from './outbound/outbound-http.js';
export { hasCredentials, maskCredentials, shownUrl } from './outbound/url.js';
export type { ProfileEvents } from './profile-events.js';
export type { OutboxRecord } from './providers/email-outbox.js';
export type { ChannelName, MessageSender, SendRequest, SendResult } from './sender.js';
export { smsKeyword, smsSegments } from './sms-segments.js';
export type { StaffMailer } from './staff-mail.js';
export { generateWebhookSecret } from './standard-webhooks.js';
export { countSentWithTemplateVersions } from './store/messages.js';
