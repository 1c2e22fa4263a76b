import type { MessageSender, SendRequest, SendResult } from '../channels/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { stableId } from '../shared/ids.js';
import type { Database } from '../storage/database.js';
import { listRecordedMessages, recordMessage, type RecordedMessage } from './store/journeys-activity.js';

/**
 * A MessageSender that delivers nothing and remembers every request, idempotent on
 * `idempotencyKey` like a real channel. For tests and dry runs.
 * @example const sender = new RecordingSender(); await sender.send(request); sender.sent.length // 1
 */
export class RecordingSender implements MessageSender {
  /** First request of each idempotency key, in order. */
  readonly sent: SendRequest[] = [];
  /** Every call, repeats included. */
  calls = 0;
  /** Results by workspace, then idempotency key: a key is unique within its workspace only. */
  private readonly results = new Map<string, Map<string, SendResult>>();

  async send(request: SendRequest): Promise<SendResult> {
    this.calls += 1;
    let workspace = this.results.get(request.workspaceId);
    if (workspace === undefined) this.results.set(request.workspaceId, (workspace = new Map()));
    const previous = workspace.get(request.idempotencyKey);
    if (previous !== undefined) return previous;
    const result: SendResult = { status: 'sent', messageId: stableId('msg', request.workspaceId, request.idempotencyKey) };
    workspace.set(request.idempotencyKey, result);
    this.sent.push(request);
    return result;
  }
}

/**
 * A recording sender that keeps its log in the store (table `recorded_messages`), so it
 * survives a restart and stays idempotent across one: what the server uses when no channel
 * provider is wired, and what the crash test counts.
 */
export class StoreRecordingSender implements MessageSender {
  constructor(private readonly deps: { database: Database; clock?: Clock }) {}

  async send(request: SendRequest): Promise<SendResult> {
    const clock = this.deps.clock ?? systemClock;
    await recordMessage(this.deps.database.db, request.workspaceId, {
      idempotencyKey: request.idempotencyKey,
      profileId: request.profileId,
      channel: request.channel,
      templateId: request.templateId,
      request: JSON.stringify(request),
      sentAt: clock.now(),
    });
    return { status: 'sent', messageId: stableId('msg', request.workspaceId, request.idempotencyKey) };
  }

  async list(workspaceId: string, options: { profileId?: string; limit?: number } = {}): Promise<RecordedMessage[]> {
    return listRecordedMessages(this.deps.database.db, workspaceId, options);
  }
}
