import type { Clock } from '../../shared/clock.js';
import type { Database } from '../../storage/database.js';
import { insertInboxMessage } from '../store/inbox.js';
import { describeError, type ChannelProvider, type DeliveryOutcome, type OutboundMessage } from '../provider.js';

/**
 * The in-app / on-site inbox: a message is stored per profile and fetched by the SDK
 * (`GET /v1/inbox`), which marks it read or dismissed. The message log id is the inbox id, so a
 * retried send stores it once.
 * @example const inbox = new InboxProvider({ database, clock });
 */
export class InboxProvider implements ChannelProvider {
  readonly channel = 'inbox' as const;

  constructor(private readonly deps: { database: Database; clock: Clock }) {}

  async send(message: OutboundMessage): Promise<DeliveryOutcome> {
    try {
      await insertInboxMessage(this.deps.database.db, message.workspaceId, {
        id: message.messageId,
        profileId: message.to,
        title: message.title ?? '',
        body: message.text,
        url: message.url ?? null,
        createdAt: this.deps.clock.now(),
        readAt: null,
        dismissedAt: null,
      });
      return { ok: true, providerId: message.messageId };
    } catch (error) {
      return { ok: false, retryable: true, error: describeError(error) };
    }
  }

  async close(): Promise<void> {}
}
