import type { PersonalDataHandler, Subject } from '../../privacy/index.js';
import type { Clock } from '../../shared/clock.js';
import type { Database } from '../../storage/database.js';
import { deleteOutboxOf, findOutboxMessage, insertOutboxMessage, listOutboxMessages, outboxOf, pruneOutbox, type OutboxRecord } from '../store/outbox.js';
import { describeError, type ChannelProvider, type DeliveryOutcome, type OutboundMessage } from '../provider.js';

export type { OutboxRecord } from '../store/outbox.js';

export interface OutboxOptions {
  database: Database;
  clock: Clock;
  /** The From header when the workspace brand names no sender. */
  from: string;
  /** Messages kept per workspace (the newest); older ones go. */
  keep: number;
  /** Days a message is kept at most. */
  days: number;
}

/** Inserts between two retention sweeps of a workspace. */
const PRUNE_EVERY = 50;

/** The email addresses of a subject (its email identities), lower-cased as sends store them. */
function addressesOf(subject: Subject): string[] {
  return subject.identifiers.filter((identifier) => identifier.type === 'email').map((identifier) => identifier.value.toLowerCase());
}

/**
 * The built-in outbox: with no SMTP server configured, email is rendered and sent here instead,
 * each message kept whole (HTML, text, headers, recipient) for the API to show
 * (`GET /api/v1/outbox`). It is bounded (the newest `keep` per workspace, none older than
 * `days`) and holds personal data, so erasure reaches it (`privacyHandler`).
 * @example const outbox = new EmailOutbox({ database, clock, from: 'Shop <shop@localhost>', keep: 1000, days: 14 });
 */
export class EmailOutbox implements ChannelProvider {
  readonly channel = 'email' as const;
  private readonly sinceSweep = new Map<string, number>();

  constructor(private readonly options: OutboxOptions) {}

  async send(message: OutboundMessage): Promise<DeliveryOutcome> {
    const { database, clock } = this.options;
    try {
      const record: OutboxRecord = {
        id: message.messageId,
        profileId: message.profileId,
        to: message.to,
        from: message.from ?? this.options.from,
        subject: message.subject ?? '',
        html: message.html ?? null,
        text: message.text,
        headers: { ...message.headers, 'X-Rapport-Message-Id': message.messageId },
        createdAt: clock.now(),
      };
      await insertOutboxMessage(database.db, message.workspaceId, record);
      const count = (this.sinceSweep.get(message.workspaceId) ?? PRUNE_EVERY) + 1;
      this.sinceSweep.set(message.workspaceId, count);
      if (count > PRUNE_EVERY) await this.prune(message.workspaceId);
      return { ok: true, providerId: `outbox:${message.messageId}` };
    } catch (error) {
      return { ok: false, retryable: true, error: describeError(error) };
    }
  }

  /** Applies the retention now; returns how many messages went. */
  async prune(workspaceId: string): Promise<number> {
    this.sinceSweep.set(workspaceId, 0);
    const olderThan = this.options.clock.now() - this.options.days * 86_400_000;
    return this.options.database.transaction((trx) => pruneOutbox(trx, workspaceId, this.options.keep, olderThan));
  }

  async list(workspaceId: string, filter: { profileIds?: string[]; to?: string; limit: number; before?: { createdAt: number; id: string } }): Promise<OutboxRecord[]> {
    return listOutboxMessages(this.options.database.db, workspaceId, { ...filter, ...(filter.to === undefined ? {} : { to: filter.to.toLowerCase() }) });
  }

  async get(workspaceId: string, id: string): Promise<OutboxRecord | undefined> {
    return findOutboxMessage(this.options.database.db, workspaceId, id);
  }

  /** Erasure and export of what the outbox holds about a person (sent to them or their address). */
  privacyHandler(): PersonalDataHandler {
    return {
      name: 'outbox_messages',
      erase: (trx, subject) => deleteOutboxOf(trx, subject.workspaceId, subject.profileIds, addressesOf(subject)),
      export: async (db, subject) =>
        (await outboxOf(db, subject.workspaceId, subject.profileIds, addressesOf(subject))).map((record) => ({
          id: record.id,
          to: record.to,
          subject: record.subject,
          text: record.text,
          createdAt: new Date(record.createdAt).toISOString(),
        })),
    };
  }

  async close(): Promise<void> {}
}
